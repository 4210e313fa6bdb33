#!/usr/bin/env bash
# The README's test command: installs the pinned Python peers into .venv/ when they are missing
# (and etcd, as root, for the name-server cluster tests), then runs every test of the workspace
# (unit, vector, property, interop and doc tests), then the shipping checks: the Python wheel
# built, installed in a fresh venv and used (scripts/test-wheel.sh), and Pyro's own examples
# against our servers (scripts/test-examples.sh).
# Extra arguments go to `cargo test` and skip the shipping checks
# (e.g. scripts/test.sh -p pyroxene-wire).
set -euo pipefail
cd "$(dirname "$0")/.."
PYROXENE_PYTHON=$(scripts/setup-peers.sh)
export PYROXENE_PYTHON
# The name-server cluster tests run a real etcd (Debian's etcd-server: /usr/bin/etcd); they
# skip without it, and fail under CI=true. CI runs this script as root with only package
# registries reachable, so it installs the package there.
if [ -z "${PYROXENE_ETCD:-}" ] && ! command -v etcd >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing etcd-server for the etcd cluster tests" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends etcd-server >&2 \
      || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends etcd-server >&2; }
  else
    echo "test.sh: no etcd (apt-get install etcd-server, or set PYROXENE_ETCD): the etcd tests skip" >&2
  fi
fi
cargo test --workspace "$@"
if [ $# -eq 0 ]; then
  scripts/test-wheel.sh
  # `cargo test` just built the debug binary the examples run against
  PYROXENE_BIN=${CARGO_TARGET_DIR:-target}/debug/pyroxene scripts/test-examples.sh
fi

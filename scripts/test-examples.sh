#!/usr/bin/env bash
# Pyro's own examples against pyroxene's servers (issue 12 item 5), run by scripts/test.sh:
# the PyPI sdists of the pinned Pyro5 and Pyro4 (scripts/fetch-pyro-examples.sh: once, into
# target/pyro-examples/, never committed), then interop/pyro_examples.py runs every example that
# uses a name server or the echo server, unchanged, against Python's servers and against
# `pyroxene ns` / `pyroxene echo`, and compares their output (see that file and
# interop/pyro_examples_catalogue.py). Arguments go to the driver: --only pyro5/banks,
# --jobs N (examples at once, default 4), --verbose, --list (the classification of every example).
# PYROXENE_BIN names the binary to test (default: target/debug/pyroxene, built here).
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/setup-peers.sh)
target=${CARGO_TARGET_DIR:-target}
cache=$target/pyro-examples
export PYRO_BROADCAST_ADDRS=127.0.0.1

scripts/fetch-pyro-examples.sh

bin=${PYROXENE_BIN:-}
if [ -z "$bin" ]; then
  cargo build -q -p pyroxene-cli
  bin=$target/debug/pyroxene
fi
start=$(date +%s)
"$python" interop/pyro_examples.py --src "$cache/src" --pyroxene "$bin" "$@"
echo "test-examples: $(($(date +%s) - start)) s" >&2

#!/usr/bin/env bash
# The README's test command: installs the pinned Python peers into .venv/ when they are missing,
# installs OpenSSH for the tunnel tests, etcd for the name-server cluster tests and Debian's
# chromium and chromium-driver (the gateway's browser test) when they are missing (and
# CPython 3.11-3.13 with pyenv: scripts/setup-cpythons.sh),
# then runs every test of the workspace (unit, vector, property, interop, browser and doc
# tests), then the shipping checks: the Python wheel built, installed in a fresh venv and used
# (scripts/test-wheel.sh), Pyro's own examples against our servers (scripts/test-examples.sh),
# and every fuzz target briefly (scripts/fuzz-ci.sh, FUZZ_SECONDS each, default 10; cargo-fuzz
# is installed from crates.io when missing).
# Extra arguments go to `cargo test` and skip the shipping checks
# (e.g. scripts/test.sh -p pyroxene-wire).
set -euo pipefail
cd "$(dirname "$0")/.."
PYROXENE_PYTHON=$(scripts/setup-peers.sh)
export PYROXENE_PYTHON
# A real sshd for the tunnel tests (pyroxene-tunnel).
scripts/setup-ssh.sh
# CPython 3.11-3.13 for multiprocessing.connection interop (found, or installed with pyenv)
cpythons=$(scripts/setup-cpythons.sh)
eval "$cpythons"
# Headless Chromium and chromedriver for the gateway's page (pyroxene-gateway tests/browser.rs).
scripts/setup-browser.sh
# A real etcd for the name-server cluster tests (pyroxene-ns's etcd store).
scripts/setup-etcd.sh
# Pyro's example programs (the ssl example is a test of its own; the rest run below).
scripts/fetch-pyro-examples.sh
cargo test --workspace "$@"
if [ $# -eq 0 ]; then
  scripts/test-wheel.sh
  # `cargo test` just built the debug binary the examples run against
  PYROXENE_BIN=${CARGO_TARGET_DIR:-target}/debug/pyroxene scripts/test-examples.sh
  cargo fuzz --version >/dev/null 2>&1 || cargo install --locked cargo-fuzz@0.13.2
  FUZZ_SECONDS=${FUZZ_SECONDS:-10} FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-4096} scripts/fuzz-ci.sh
fi

#!/usr/bin/env bash
# The README's test command: installs the pinned Python peers into .venv/ and Debian's chromium
# and chromium-driver (the gateway's browser test) when they are missing, then runs every test
# of the workspace (unit, vector, property, interop, browser and doc tests).
# Extra arguments go to `cargo test` (e.g. scripts/test.sh -p pyroxene-wire).
set -euo pipefail
cd "$(dirname "$0")/.."
PYROXENE_PYTHON=$(scripts/setup-peers.sh)
scripts/setup-browser.sh
export PYROXENE_PYTHON
cargo test --workspace "$@"

#!/usr/bin/env bash
# Re-captures the reference vectors (testdata/vectors) from the pinned Python peers
# (interop/requirements.txt, installed into .venv/ by scripts/setup-peers.sh; CPython 3.11).
#
#   scripts/capture-vectors.sh [OUTDIR]          capture into OUTDIR (default: a new temp dir)
#   scripts/capture-vectors.sh --check [OUTDIR]  capture, then compare with testdata/vectors
#                                                 (exit 1 when a file differs beyond what the
#                                                 README allows: traceback paths, marshal flags)
#
# OUTDIR must not exist yet or be empty: the script never overwrites a capture (or testdata)
# silently. To refresh testdata/vectors, capture elsewhere, check, then copy deliberately.
# Everything binds to 127.0.0.1 on the fixed ports the vectors name (45401-45492,
# 45501-45592, 45680-45692); the captures set PYTHONHASHSEED=0, TZ=UTC and a seeded uuid4.
set -euo pipefail
cd "$(dirname "$0")/.."
check=
if [ "${1:-}" = "--check" ]; then
  check=1
  shift
fi
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/pyroxene-vectors.XXXXXX")}
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "capture-vectors: $out is not empty; give a new or empty directory" >&2
  exit 2
fi
py=$(scripts/setup-peers.sh)
if [ -n "$check" ]; then
  exec env -u PYRO_HMAC_KEY "$py" scripts/vectors/capture.py "$out" --check testdata/vectors
fi
exec env -u PYRO_HMAC_KEY "$py" scripts/vectors/capture.py "$out"

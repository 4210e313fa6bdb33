#!/usr/bin/env bash
# Installs the pinned Python peers (interop/requirements.txt) into .venv/ unless they are
# already there at the pinned versions. Prints the python path on success.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYROXENE_BASE_PYTHON:-python3}
venv=.venv
want_ok() {
  [ -x "$venv/bin/python" ] || return 1
  # Compare installed versions with the pins; Pyro5 must not see unknown PYRO_ variables.
  env -u PYRO_HMAC_KEY PYRO_BROADCAST_ADDRS=127.0.0.1 "$venv/bin/python" - interop/requirements.txt <<'PY' >/dev/null 2>&1
import sys, importlib.metadata as md
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, version = line.partition("==")
    if md.version(name) != version:
        sys.exit(1)
import Pyro5, Pyro4, serpent, msgpack, websockets  # noqa: F401  (imports must work, not just metadata)
PY
}
if ! want_ok; then
  echo "setup-peers: installing the pinned Python peers into $venv/" >&2
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -r interop/requirements.txt
  want_ok || { echo "setup-peers: the peers in $venv/ still don't match interop/requirements.txt" >&2; exit 1; }
fi
echo "$PWD/$venv/bin/python"

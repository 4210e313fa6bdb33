#!/usr/bin/env bash
# The Python wheel, as a Python Pyro user gets it (issue 12 item 4), run by scripts/test.sh:
#  1. builds the wheel of the `pyroxene` command with maturin (pyproject.toml; the cargo profile
#     `wheel`), maturin itself from PyPI (interop/requirements-build.txt) in target/wheel-build-venv/;
#  2. makes a fresh venv, `pip install`s the wheel and the pinned Pyro5 (interop/requirements.txt);
#  3. checks `pyroxene --version`, starts `pyroxene ns` from the venv's bin/ on 127.0.0.1 (free
#     port) and runs interop/wheel_client.py with the venv's python: serve, register, lookup,
#     list, yplookup, call by PYRONAME:, remove;
#  4. kills the name server by its pid and removes the venv.
# PYROXENE_WHEEL_PROFILE=dev builds a debug wheel instead (quick local check of the packaging).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${PYROXENE_BASE_PYTHON:-python3}
target=${CARGO_TARGET_DIR:-target}
build_venv=$target/wheel-build-venv
wheels=$target/wheels
profile=${PYROXENE_WHEEL_PROFILE:-wheel}
export PYRO_BROADCAST_ADDRS=127.0.0.1

want=$(sed -n 's/^maturin==//p' interop/requirements-build.txt)
if [ "$("$build_venv/bin/maturin" --version 2>/dev/null)" != "maturin $want" ]; then
  echo "test-wheel: installing maturin $want into $build_venv/" >&2
  "$base" -m venv "$build_venv"
  "$build_venv/bin/python" -m pip install --disable-pip-version-check -q -r interop/requirements-build.txt
fi

start=$(date +%s)
rm -rf "$wheels"
"$build_venv/bin/maturin" build --quiet --profile "$profile" --out "$wheels" >&2
wheel=$(ls "$wheels"/pyroxene-*.whl)
echo "test-wheel: built $(basename "$wheel") in $(($(date +%s) - start)) s" >&2

tmp=$(mktemp -d)
ns_pid=
cleanup() { [ -n "$ns_pid" ] && kill "$ns_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$base" -m venv "$tmp/venv"
pyro5=$(grep -E '^(Pyro5|serpent)==' interop/requirements.txt)
# shellcheck disable=SC2086 # one requirement per word
"$tmp/venv/bin/python" -m pip install --disable-pip-version-check -q "$wheel" $pyro5
bin=$tmp/venv/bin/pyroxene
[ -x "$bin" ] || { echo "test-wheel: the wheel installed no $bin" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
got=$("$bin" --version)
[ "$got" = "pyroxene $version (Pyro5 protocol 502, Pyro4 protocol 48)" ] ||
  { echo "test-wheel: pyroxene --version printed '$got'" >&2; exit 1; }

"$bin" ns -n 127.0.0.1 -p 0 > "$tmp/ns.out" 2>&1 &
ns_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^URI = PYRO:Pyro.NameServer@127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/ns.out")
  [ -n "$port" ] && break
  kill -0 "$ns_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || { echo "test-wheel: pyroxene ns did not start:" >&2; cat "$tmp/ns.out" >&2; exit 1; }
PYTHONPATH=interop timeout 60 "$tmp/venv/bin/python" interop/wheel_client.py "$port"
echo "test-wheel: the wheel works: $got"

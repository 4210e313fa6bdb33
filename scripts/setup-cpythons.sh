#!/usr/bin/env bash
# Finds, or installs with pyenv, the stdlib-only CPython interpreters the interop tests of
# pyroxene-connection run (multiprocessing.connection of 3.11, 3.12 and 3.13), and prints one
# `export PYROXENE_PYTHON3<minor>=<path>` line per interpreter for scripts/test.sh to eval, so
# the tests (pyroxene_testkit::cpython) use exactly these.
# Search order per minor, as the testkit's: $PYROXENE_PYTHON3<minor>, the newest
# $PYENV_ROOT/versions/3.<minor>.* (~/.pyenv by default), python3.<minor> on the PATH. A missing
# one is installed with `pyenv install 3.<minor>` (the newest patch release; it compiles
# CPython, minutes each) when pyenv is there. Without pyenv a missing interpreter is an error
# under CI=true (a peer must not go missing silently) and a warning otherwise (its tests skip).
set -euo pipefail
root=${PYENV_ROOT:-$HOME/.pyenv}
pyenv=$(command -v pyenv || { [ -x "$root/bin/pyenv" ] && echo "$root/bin/pyenv"; } || true)
is_minor() { "$1" -c "import sys; sys.exit(sys.version_info[:2] != (3, $2))" >/dev/null 2>&1; }
find_minor() { # minor -> path of a working interpreter, or nothing
  local var="PYROXENE_PYTHON3$1" c
  if [ -n "${!var:-}" ]; then
    is_minor "${!var}" "$1" && echo "${!var}"
    return
  fi
  for c in $(ls -d "$root"/versions/3."$1".* 2>/dev/null | sort -V -r) python3."$1"; do
    [ -d "$c" ] && c="$c/bin/python3"
    is_minor "$c" "$1" && { command -v "$c"; return; }
  done
  return 0
}
status=0
for minor in 11 12 13; do
  python=$(find_minor $minor)
  var="PYROXENE_PYTHON3$minor"
  # An interpreter named by the variable that doesn't work is an error, not a reason to install.
  if [ -z "$python" ] && [ -n "$pyenv" ] && [ -z "${!var:-}" ]; then
    echo "setup-cpythons: installing CPython 3.$minor with pyenv (compiles it: minutes)" >&2
    PYENV_ROOT=$root "$pyenv" install --skip-existing "3.$minor" >&2
    python=$(find_minor $minor)
  fi
  if [ -n "$python" ]; then
    echo "export $var=$python"
  elif [ "${CI:-}" = true ]; then
    echo "setup-cpythons: no CPython 3.$minor (set $var to one, or install pyenv)" >&2
    status=1
  else
    echo "setup-cpythons: no CPython 3.$minor: its interop tests will skip" >&2
  fi
done
exit $status

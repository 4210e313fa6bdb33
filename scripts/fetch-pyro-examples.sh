#!/usr/bin/env bash
# Downloads the PyPI sdists of the pinned Pyro5 and Pyro4 (interop/requirements.txt) once and
# unpacks them into target/pyro-examples/src/ (never committed): Pyro's own example programs,
# which scripts/test-examples.sh runs against our servers and crates/pyroxene/tests/tls_example.rs
# runs unchanged (Pyro5's ssl example). scripts/test.sh calls it before `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYROXENE_PYTHON:-$(scripts/setup-peers.sh)}
target=${CARGO_TARGET_DIR:-target}
cache=$target/pyro-examples

pins=$(grep -E '^(Pyro5|Pyro4)==' interop/requirements.txt)
for pin in $pins; do
  name=${pin%%==*} version=${pin##*==}
  lower=$(echo "$name" | tr '[:upper:]' '[:lower:]')
  # The sdists are named Pyro4-4.82 and pyro5-5.17: match either spelling.
  if ! ls -d "$cache"/src/[Pp]yro*-"$version" 2>/dev/null | grep -qi "/$lower-$version$"; then
    echo "fetch-pyro-examples: downloading the $pin sdist into $cache/" >&2
    mkdir -p "$cache/sdist" "$cache/src"
    "$python" -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: \
      -d "$cache/sdist" "$pin"
    tar -xzf "$(ls "$cache"/sdist/[Pp]yro*"-$version".tar.gz)" -C "$cache/src"
  fi
done

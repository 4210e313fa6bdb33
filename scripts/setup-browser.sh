#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver when missing: the gateway's browser test
# (crates/pyroxene-gateway/tests/browser.rs) drives the page at /pyro/ with them. Run by
# scripts/test.sh. Without root or apt-get it says so and goes on (the test then skips),
# except under CI=true, where a missing browser fails the run.
set -euo pipefail
if command -v chromedriver >/dev/null && { command -v chromium >/dev/null || command -v chromium-browser >/dev/null; }; then
  exit 0
fi
ci=false
case "${CI:-}" in ""|false|0) ;; *) ci=true ;; esac
install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  echo "setup-browser: installing chromium and chromium-driver (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; }
}
if ! install; then
  if $ci; then
    echo "setup-browser: chromium/chromium-driver missing and not installable" >&2
    exit 1
  fi
  echo "setup-browser: chromium/chromium-driver missing; the browser test will be skipped" >&2
fi

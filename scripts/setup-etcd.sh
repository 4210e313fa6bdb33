#!/usr/bin/env bash
# Installs etcd (Debian's etcd-server: /usr/bin/etcd) for the name-server cluster tests when it
# is missing: they run a real 3-member etcd cluster on 127.0.0.1 (pyroxene_testkit::etcd). Without
# it they skip, except under CI=true, where they fail. PYROXENE_ETCD names another binary.
set -euo pipefail
if [ -n "${PYROXENE_ETCD:-}" ] || command -v etcd >/dev/null; then
  exit 0
fi
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "setup-etcd: installing etcd-server" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends etcd-server >/dev/null 2>&1 || {
    apt-get update -q >/dev/null 2>&1
    apt-get install -y -q --no-install-recommends etcd-server >/dev/null
  }
else
  echo "setup-etcd: etcd is missing and can't be installed here (needs root and apt-get)" >&2
fi

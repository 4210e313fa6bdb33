#!/usr/bin/env bash
# Installs OpenSSH (server and client) for the tunnel tests when it is missing: they run a real
# sshd on 127.0.0.1 (pyroxene_testkit::ssh). Under CI a missing sshd afterwards fails the tests.
set -euo pipefail
if [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null; then
  exit 0
fi
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "setup-ssh: installing openssh-server and openssh-client" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q openssh-server openssh-client >/dev/null 2>&1 || {
    apt-get update -q >/dev/null 2>&1
    apt-get install -y -q openssh-server openssh-client >/dev/null
  }
else
  echo "setup-ssh: OpenSSH is missing and can't be installed here (needs root and apt-get)" >&2
fi

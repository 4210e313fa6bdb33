#!/usr/bin/env bash
# Runs `pyroxene attack` against the echo server and the name server of one or more pyroxene
# binaries, one after the other in one run, so their tables compare side by side (issue 16's
# before/after figures). The attacking binary is the last one given (older ones may lack the
# `attack` subcommand).
#
#   scripts/attack-compare.sh [--quick] [--only a,b] BIN...
#   e.g. scripts/attack-compare.sh /tmp/pyroxene-before target/release/pyroxene
#
# Servers bind 127.0.0.1 on a free port and are killed by pid when their attacks are done.
set -euo pipefail

quick=()
only=()
bins=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=(--quick); shift ;;
        --only) only=(--only "$2"); shift 2 ;;
        *) bins+=("$1"); shift ;;
    esac
done
[ ${#bins[@]} -gt 0 ] || { echo "usage: $0 [--quick] [--only a,b] BIN..." >&2; exit 2; }
attacker="${bins[-1]}"
export PYRO_BROADCAST_ADDRS=127.0.0.1

server_pid=""
logs=()
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    [ ${#logs[@]} -eq 0 ] || rm -f "${logs[@]}"
}
trap cleanup EXIT

# Starts `BIN ARGS...`, waits (at most 30 s) for a line holding a PYRO: URI after MARKER and
# sets $server_pid and $location.
start() {
    local marker="$1"; shift
    local out; out=$(mktemp)
    logs+=("$out")
    "$@" >"$out" 2>&1 &
    server_pid=$!
    for _ in $(seq 300); do
        location=$(grep -m1 "$marker" "$out" | sed -n 's/.*@\([0-9.]*:[0-9]*\).*/\1/p' || true)
        [ -n "$location" ] && return 0
        sleep 0.1
    done
    echo "server did not start: $*" >&2; cat "$out" >&2; exit 1
}

for bin in "${bins[@]}"; do
    echo "== $bin ($("$bin" --version))"
    start "echo uri:" "$bin" echo -H 127.0.0.1 -p 0
    "$attacker" attack "$location" --pid "$server_pid" "${quick[@]}" "${only[@]}" || true
    kill "$server_pid" 2>/dev/null || echo "server $server_pid had exited"; wait "$server_pid" 2>/dev/null || true; server_pid=""
    start "URI = " "$bin" ns -n 127.0.0.1 -p 0 --nobc
    "$attacker" attack "$location" --ns --pid "$server_pid" "${quick[@]}" "${only[@]}" || true
    kill "$server_pid" 2>/dev/null || echo "server $server_pid had exited"; wait "$server_pid" 2>/dev/null || true; server_pid=""
done

#!/usr/bin/env bash
# Pyro4 speed (BENCHMARKS.md, "Pyro4 (issue 6)"), measured in one run on this machine:
#  1. Python Pyro4 client -> Python Pyro4 echo server (python -m Pyro4.test.echoserver) vs
#     -> `pyroxene echo` (calls/s, serpent, one proxy)
#  2. Python Pyro4 client -> Python Pyro4 name server vs -> `pyroxene ns` (lookups/s)
# The two servers of a pair are measured alternately, several rounds; medians are compared.
# Everything binds to 127.0.0.1 (no broadcast: -x); every server started here is killed (by
# pid) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/setup-peers.sh)
export PYRO_BROADCAST_ADDRS=127.0.0.1
cargo build --release -q -p pyroxene-cli
bin=${CARGO_TARGET_DIR:-target}/release
out=$(mktemp -d)
pids=()
. scripts/bench-lib.sh

rate() { awk '{print $2}'; }

"$bin/pyroxene" echo -H 127.0.0.1 -p 0 > "$out/rust" & pids+=($!)
rust_uri=$(wait_line "$out/rust" "echo uri:")
"$python" -u -m Pyro4.test.echoserver -H 127.0.0.1 -p 0 > "$out/py" & pids+=($!)
py_uri=$(wait_line "$out/py" "echo uri:")
"$bin/pyroxene" ns -n 127.0.0.1 -p 0 -x > "$out/rns" & pids+=($!)
rns_port=$(wait_line "$out/rns" "URI =" | sed 's/.*://')
"$python" -u -m Pyro4.naming -n 127.0.0.1 -p 0 -x > "$out/pns" & pids+=($!)
pns_port=$(wait_line "$out/pns" "URI =" | sed 's/.*://')

rounds=7
n=3000
echo "## Pyro4 (issue 6), $(date -u +%Y-%m-%d)"
echo
echo "| measurement | pyroxene | Python Pyro4 4.82 | ratio |"
echo "|---|---|---|---|"
py=(); rust=()
for _ in $(seq $rounds); do
  py+=("$("$python" interop/pyro4_client.py bench "$py_uri" $n | rate)")
  rust+=("$("$python" interop/pyro4_client.py bench "$rust_uri" $n | rate)")
done
a=$(median "${rust[@]}"); b=$(median "${py[@]}")
printf '| Python Pyro4 client, echo calls/s (serpent, median of %d rounds): pyroxene echo vs Pyro4 echo server | %.0f | %.0f | %.2f× |\n' $rounds "$a" "$b" "$(python3 -c "print($a/$b)")"
py=(); rust=()
for _ in $(seq $rounds); do
  py+=("$("$python" interop/pyro4_client.py nsbench 127.0.0.1 "$pns_port" $n | rate)")
  rust+=("$("$python" interop/pyro4_client.py nsbench 127.0.0.1 "$rns_port" $n | rate)")
done
a=$(median "${rust[@]}"); b=$(median "${py[@]}")
printf '| Python Pyro4 client, NS lookups/s (serpent, median of %d rounds): pyroxene ns vs Pyro4 name server | %.0f | %.0f | %.2f× |\n' $rounds "$a" "$b" "$(python3 -c "print($a/$b)")"

#!/usr/bin/env bash
# Call-model speed, measured in one run on this machine, side by side (BENCHMARKS.md, issue 5):
#  1. Rust proxy -> Rust daemon: 1,000 small calls as one batch vs 1,000 single calls
#  2. Rust proxy -> Rust daemon: item streaming of 100,000 items, items/s
#  3. Python Pyro5 client streaming 100,000 items and batching 1,000 calls:
#     -> Rust daemon (examples/callmodel_bench.rs serve) vs -> Python daemon
#     (interop/pyro5_callmodel_daemon.py, the same count(n)/add(a, b) as a generator)
# Everything binds to 127.0.0.1; every server started here is killed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/setup-peers.sh)
export PYRO_BROADCAST_ADDRS=127.0.0.1
cargo build --release -q -p pyroxene --example callmodel_bench
bench=${CARGO_TARGET_DIR:-target}/release/examples/callmodel_bench
out=$(mktemp -d)
pids=()
. scripts/bench-lib.sh

ratio() { python3 -c "print('%.1f' % ($1/$2))"; }

"$bench" serve > "$out/rust" & pids+=($!)
rust_uri=$(wait_line "$out/rust" "callmodel uri:")
"$python" -u interop/pyro5_callmodel_daemon.py > "$out/py" & pids+=($!)
py_uri=$(wait_line "$out/py" "callmodel uri:")

echo "## Call model (issue 5), $(date -u +%Y-%m-%d)"
echo
echo "| measurement | pyroxene | reference | ratio |"
echo "|---|---|---|---|"
r=$(tail -n1 <(timeout 300 "$bench" run 1000 100000))
a=$(json "$r" single_s); b=$(json "$r" batch_s)
printf '| Rust↔Rust: 1,000 add() calls, ms (best of 5): one batch vs single calls | %.2f | %.2f | %s× faster |\n' \
  "$(python3 -c "print($b*1000)")" "$(python3 -c "print($a*1000)")" "$(ratio "$a" "$b")"
printf '| Rust↔Rust: streaming 100,000 items, items/s | %.0f | — | — |\n' "$(json "$r" items_per_second)"
rust=$("$python" interop/bench_callmodel_client.py "$rust_uri" 100000 1000)
py=$("$python" interop/bench_callmodel_client.py "$py_uri" 100000 1000)
a=$(json "$rust" items_per_second); b=$(json "$py" items_per_second)
printf '| Python client, streaming 100,000 items, items/s: Rust daemon vs Python daemon | %.0f | %.0f | %s× |\n' "$a" "$b" "$(ratio "$a" "$b")"
a=$(json "$rust" batch_s); b=$(json "$py" batch_s)
printf '| Python client, one batch of 1,000 add() calls, ms: Rust daemon vs Python daemon | %.2f | %.2f | %s× faster |\n' \
  "$(python3 -c "print($a*1000)")" "$(python3 -c "print($b*1000)")" "$(ratio "$b" "$a")"
a=$(json "$rust" single_s); b=$(json "$rust" batch_s)
printf '| Python client → Rust daemon, 1,000 add() calls, ms: one batch vs single calls | %.2f | %.2f | %s× faster |\n' \
  "$(python3 -c "print($b*1000)")" "$(python3 -c "print($a*1000)")" "$(ratio "$a" "$b")"

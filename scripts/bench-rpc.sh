#!/usr/bin/env bash
# RPC speed, measured in one run on this machine, side by side (BENCHMARKS.md, issue 3 item 10):
#  1. Python Pyro5 client -> Python echo server vs -> `pyroxene echo` (calls/s, serpent)
#  2. `pyroxene bench` -> `pyroxene echo` vs raw TCP ping-pong of the same sizes (benches/raw-pingpong),
#     at concurrency 1 and 64
#  3. 10 MB bytes echo, MB/s per serializer: Rust<->Rust and Python<->Python
#
# Rows 1 and 2 are measured under three CPU placements, because on a VM with idle vCPUs where
# client and server run decides the round trip more than any code does (BENCHMARKS.md "RPC"):
#   one-cpu   every process on CPU 0 (taskset): each message is a context switch, no idle
#             vCPU is ever woken; the time is CPU work, the regime that shows our own cost
#   two-cpus  servers on CPU 1, clients on CPU 0: every message wakes a halted vCPU
#   free      no pinning: the scheduler chooses (and may change its mind between runs)
# PLACEMENTS="one-cpu" scripts/bench-rpc.sh runs a subset. Everything binds to 127.0.0.1;
# every server started here is killed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/setup-peers.sh)
export PYRO_BROADCAST_ADDRS=127.0.0.1
cargo build --release -q -p pyroxene-cli -p raw-pingpong
bin=target/release
out=$(mktemp -d)
pids=()
. scripts/bench-lib.sh

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
cpus() { # placement role -> taskset prefix
  case "$1/$2" in
    one-cpu/*) echo "taskset -c 0" ;;
    two-cpus/server) echo "taskset -c 1" ;;
    two-cpus/client) echo "taskset -c 0" ;;
    *) echo "" ;;
  esac
}

rounds=7
echo "## RPC, $(date -u +%Y-%m-%d)"
echo
echo "| placement | measurement | pyroxene | reference | ratio |"
echo "|---|---|---|---|---|"
for placement in ${PLACEMENTS:-one-cpu two-cpus free}; do
  srv=$(cpus "$placement" server); cli=$(cpus "$placement" client)
  $srv "$bin/raw-pingpong" serve > "$out/raw" & pids+=($!)
  raw_port=$(wait_line "$out/raw" "port:")
  $srv "$bin/pyroxene" echo -H 127.0.0.1 -p 0 > "$out/rust" & pids+=($!)
  rust_uri=$(wait_line "$out/rust" "echo uri:")
  $srv "$python" -u -m Pyro5.utils.echoserver -H 127.0.0.1 -p 0 > "$out/py" & pids+=($!)
  py_uri=$(wait_line "$out/py" "echo uri:")

  # The Python client is the slow side of this pair: alternate the two servers over several
  # rounds and compare the medians.
  py_rates=(); rust_rates=()
  for _ in $(seq $rounds); do
    py_rates+=("$(json "$($cli "$python" interop/bench_pyro5_client.py "$py_uri" 3000 serpent)" calls_per_second)")
    rust_rates+=("$(json "$($cli "$python" interop/bench_pyro5_client.py "$rust_uri" 3000 serpent)" calls_per_second)")
  done
  a=$(median "${rust_rates[@]}"); b=$(median "${py_rates[@]}")
  printf '| %s | Python Pyro5 client, echo calls/s: pyroxene echo vs Python echo server | %.0f | %.0f | %s× |\n' \
    "$placement" "$a" "$b" "$(ratio "$a" "$b")"
  # Raw and pyroxene alternate in short rounds: a placement can still flip between regimes
  # from one run to the next, and alternating puts both sides in the same ones.
  for c in 1 64; do
    n=$((c == 1 ? 20000 : 30000))
    raw_rate=(); raw_p50=(); rpc_rate=(); rpc_p50=()
    for _ in $(seq $rounds); do
      raw=$($cli "$bin/raw-pingpong" "127.0.0.1:$raw_port" $n $c)
      rpc=$($cli "$bin/pyroxene" bench "$rust_uri" -n $n -c $c --json)
      raw_rate+=("$(json "$raw" calls_per_second)"); raw_p50+=("$(json "$raw" p50_us)")
      rpc_rate+=("$(json "$rpc" calls_per_second)"); rpc_p50+=("$(json "$rpc" p50_us)")
    done
    a=$(median "${rpc_rate[@]}"); b=$(median "${raw_rate[@]}")
    printf '| %s | pyroxene bench vs raw TCP ping-pong, calls/s, concurrency %d | %.0f | %.0f | %s× |\n' \
      "$placement" $c "$a" "$b" "$(ratio "$a" "$b")"
    a=$(median "${rpc_p50[@]}"); b=$(median "${raw_p50[@]}")
    printf '| %s | … p50 latency (µs), concurrency %d | %.1f | %.1f | %s× |\n' \
      "$placement" $c "$a" "$b" "$(ratio "$a" "$b")"
  done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pids=()
done

"$bin/pyroxene" echo -H 127.0.0.1 -p 0 > "$out/rust" & pids+=($!)
rust_uri=$(wait_line "$out/rust" "echo uri:")
"$python" -u -m Pyro5.utils.echoserver -H 127.0.0.1 -p 0 > "$out/py" & pids+=($!)
py_uri=$(wait_line "$out/py" "echo uri:")
size=$((10 * 1024 * 1024))
for ser in msgpack marshal serpent; do
  rust=$("$bin/pyroxene" bench "$rust_uri" --bytes $size -n 30 -c 1 -s $ser --json)
  py=$("$python" interop/bench_pyro5_client.py "$py_uri" 10 $ser $size)
  a=$(json "$rust" mb_per_second); b=$(json "$py" mb_per_second)
  printf '| free | 10 MB bytes echo, MB/s, %s: Rust↔Rust vs Python↔Python | %.0f | %.0f | %s× |\n' \
    $ser "$a" "$b" "$(ratio "$a" "$b")"
done

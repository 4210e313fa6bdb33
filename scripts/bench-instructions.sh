#!/usr/bin/env bash
# User-space instructions per round trip, counted by valgrind's callgrind: pyroxene echo and
# pyroxene bench (one echo('hello') call, serpent) against the raw TCP ping-pong of the same
# sizes (benches/raw-pingpong), client and server side. Counts don't depend on how busy the
# machine is, so unlike the timings of scripts/bench-rpc.sh they compare across runs and
# commits (BENCHMARKS.md "RPC"). Kernel time (the syscalls, the same three per side for both)
# is not counted. Usage: scripts/bench-instructions.sh [CALLS]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v valgrind > /dev/null; then
  echo "bench-instructions: installing valgrind" >&2
  (apt-get update -qq && apt-get install -y -qq valgrind) > /dev/null
fi
cargo build --release -q -p pyroxene-cli -p raw-pingpong
bin=target/release
n=${1:-10000}
out=$(mktemp -d)
pids=()
WAIT_TRIES=300
. scripts/bench-lib.sh

total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'; }

# Server under callgrind: counters zeroed after a warm-up, dumped after the measured calls.
server() { # name command... -> per-call instructions of the server
  local name=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$out/$name.%p" "$@" > "$out/$name.out" 2> /dev/null &
  local vp=$!; pids+=($vp)
  echo $vp
}
# Client under callgrind: N calls minus a 1-call run (start-up and connect cancel out).
client() { # name n command... -> instructions
  local name=$1 calls=$2; shift 2
  valgrind --tool=callgrind --callgrind-out-file="$out/$name" "$@" > /dev/null 2>&1
  total "$out/$name"
}

echo "## Instructions per round trip (callgrind), $(date -u +%Y-%m-%d), $n calls"
echo
echo "| side | pyroxene | raw TCP | ratio |"
echo "|---|---|---|---|"
declare -A per
for kind in rpc raw; do
  if [ $kind = rpc ]; then
    vp=$(server rpc "$bin/pyroxene" echo -H 127.0.0.1 -p 0)
    target=$(wait_line "$out/rpc.out" "echo uri:")
    run() { "$bin/pyroxene" bench "$target" -n "$1" -c 1 --json; }
  else
    vp=$(server raw "$bin/raw-pingpong" serve)
    target="127.0.0.1:$(wait_line "$out/raw.out" "port:")"
    run() { "$bin/raw-pingpong" "$target" "$1" 1; }
  fi
  run 200 > /dev/null # warm-up: connections, buffers, lazy statics
  callgrind_control -z $vp > /dev/null 2>&1
  if [ $kind = rpc ]; then
    many=$(client cli-n "$n" "$bin/pyroxene" bench "$target" -n "$n" -c 1 --json)
  else
    many=$(client cli-n "$n" "$bin/raw-pingpong" "$target" "$n" 1)
  fi
  callgrind_control -d $vp > /dev/null 2>&1
  sleep 0.5
  if [ $kind = rpc ]; then
    one=$(client cli-1 1 "$bin/pyroxene" bench "$target" -n 1 -c 1 --json)
  else
    one=$(client cli-1 1 "$bin/raw-pingpong" "$target" 1 1)
  fi
  kill $vp; wait $vp 2> /dev/null || true
  srv=$(total "$(ls "$out"/$kind.*.1 | head -1)")
  # The dumped server count covers the measured calls and the connection's handshake.
  per[$kind-server]=$((srv / (n + 1)))
  per[$kind-client]=$(((many - one) / (n - 1)))
done
for side in client server; do
  a=${per[rpc-$side]}; b=${per[raw-$side]}
  printf '| %s | %d | %d | %s× |\n' $side "$a" "$b" "$(python3 -c "print(f'{$a/$b:.2f}')")"
done
a=$((per[rpc-client] + per[rpc-server])); b=$((per[raw-client] + per[raw-server]))
printf '| both | %d | %d | %s× |\n' "$a" "$b" "$(python3 -c "print(f'{$a/$b:.2f}')")"

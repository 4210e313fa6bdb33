#!/usr/bin/env bash
# multiprocessing.connection speed (BENCHMARKS.md "Connection module", issue 14 item 6), in one
# run, side by side: ping-pong of 100 B and 1 MiB messages (send_bytes, wait for the echo)
#   raw TCP           benches/raw-pingpong, same sizes, no framing: the ceiling
#   Rust↔Rust         connection_bench -> connection_echo (async; and the blocking facade)
#   Python↔Python     interop/mpconn_bench.py client -> serve (CPython 3.12)
#   mixed             Python client -> connection_echo, connection_bench -> Python listener
# and "100 B ×64": the same pairs pipelined, 64 messages out before their 64 echoes are read,
# so each side's cost per message shows instead of the loopback round trip (raw-pingpong has
# no such mode: no raw figure there). CPython's module leaves Nagle on, which stalls a pipelined
# window ~40 ms; the Python sides of this row set TCP_NODELAY as ours do (mpconn_bench.py).
# Every pair runs once per round, in an order that rotates each round; the table holds the
# medians over ROUNDS rounds (default 5), so all pairs share whatever the machine was doing.
# Placements as in bench-rpc.sh: one-cpu (everything on CPU 0: CPU cost per message) and free.
# PLACEMENTS="free" scripts/bench-connection.sh runs a subset. Binds 127.0.0.1 only; every
# server started here is killed on exit. Python: $PYROXENE_PYTHON312, else pyenv's 3.12.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYROXENE_PYTHON312:-$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12.*/bin/python3 | sort -V | tail -1)}
"$python" -c 'import sys; assert sys.version_info[:2] == (3, 12)'
cargo build --release -q -p raw-pingpong
cargo build --release -q -p pyroxene-connection --example connection_echo --example connection_bench
bin=target/release
out=$(mktemp -d)
pids=()
. scripts/bench-lib.sh

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
cpus() { # placement -> taskset prefix
  case "$1" in one-cpu) echo "taskset -c 0" ;; *) echo "" ;; esac
}

rounds=${ROUNDS:-5}
key=bench
pairs=(raw rust rust_blocking python py_to_rust rust_to_py)
echo "## Connection module, $(date -u +%Y-%m-%d), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "messages/s (MB/s for 1 MiB), median of $rounds rounds; CPython $("$python" -c 'import platform; print(platform.python_version())')"
echo
echo "| placement | size | raw TCP | Rust↔Rust | Rust↔Rust blocking | Python↔Python | Python client → Rust | Rust client → Python | Rust/raw | Rust/Python |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for placement in ${PLACEMENTS:-one-cpu free}; do
  run=$(cpus "$placement")
  for kind in 100 1048576 100x64; do
    size=${kind%x*}
    window=1 && [ "$kind" != "$size" ] && window=${kind#*x}
    count=$((window > 1 ? 100000 : size == 100 ? 20000 : 300))
    w=(--window $window)
    $run "$bin/raw-pingpong" serve $size $size > "$out/raw" & pids+=($!)
    raw_port=$(wait_line "$out/raw" "port:")
    $run "$bin/examples/connection_echo" --address 127.0.0.1:0 --authkey $key > "$out/rust" & pids+=($!)
    rust_addr=$(wait_line "$out/rust" "listening on")
    nodelay=() && [ $window -gt 1 ] && nodelay=(nodelay) # as ours: see mpconn_bench.py
    $run "$python" -u interop/mpconn_bench.py serve 127.0.0.1:0 $key "${nodelay[@]}" > "$out/py" & pids+=($!)
    py_addr=$(wait_line "$out/py" "listening on")
    declare -A rates=()
    run_pairs=("${pairs[@]}")
    [ $window -gt 1 ] && run_pairs=("${pairs[@]:1}") # no raw
    for r in $(seq "$rounds"); do
      n=${#run_pairs[@]}
      for i in $(seq 0 $((n - 1))); do
        pair=${run_pairs[$(((i + r) % n))]}
        case $pair in
          raw) res=$($run "$bin/raw-pingpong" "127.0.0.1:$raw_port" $count 1 $size $size)
               rate=$(json "$res" calls_per_second) ;;
          rust) rate=$(json "$($run "$bin/examples/connection_bench" --address "$rust_addr" --authkey $key --size $size --count $count "${w[@]}")" messages_per_second) ;;
          rust_blocking) rate=$(json "$($run "$bin/examples/connection_bench" --address "$rust_addr" --authkey $key --size $size --count $count "${w[@]}" --blocking)" messages_per_second) ;;
          python) rate=$(json "$($run "$python" interop/mpconn_bench.py client "$py_addr" $key $size $count $window)" messages_per_second) ;;
          py_to_rust) rate=$(json "$($run "$python" interop/mpconn_bench.py client "$rust_addr" $key $size $count $window)" messages_per_second) ;;
          rust_to_py) rate=$(json "$($run "$bin/examples/connection_bench" --address "$py_addr" --authkey $key --size $size --count $count "${w[@]}")" messages_per_second) ;;
        esac
        rates[$pair]="${rates[$pair]:-} $rate"
      done
    done
    cells=(); declare -A med=()
    for pair in "${pairs[@]}"; do
      if [ -z "${rates[$pair]:-}" ]; then
        cells+=("—"); continue
      fi
      # shellcheck disable=SC2086
      med[$pair]=$(median ${rates[$pair]})
      if [ $size -eq 100 ]; then
        cells+=("$(printf '%.0f' "${med[$pair]}")")
      else
        cells+=("$(printf '%.0f (%.0f MB/s)' "${med[$pair]}" "$(python3 -c "print(${med[$pair]} * $size / 1e6)")")")
      fi
    done
    label=$([ $size -eq 100 ] && echo "100 B" || echo "1 MiB")
    [ $window -gt 1 ] && label="$label ×$window"
    vs_raw=— && [ -n "${med[raw]:-}" ] && vs_raw="$(ratio "${med[rust]}" "${med[raw]}")×"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s× |\n' "$placement" "$label" "${cells[@]}" \
      "$vs_raw" "$(ratio "${med[rust]}" "${med[python]}")"
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    pids=()
    unset rates med
  done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# CPU per message without the kernel and without the machine's load: the client's user-space
# instructions per 100 B round trip, counted by callgrind (N round trips minus 1: start-up,
# connect and handshake cancel out), as scripts/bench-instructions.sh counts them for RPC.
if [ "${INSTRUCTIONS:-1}" = 1 ]; then
  command -v valgrind > /dev/null || { echo "(valgrind missing: no instruction counts)"; exit 0; }
  n=2000
  "$bin/raw-pingpong" serve 100 100 > "$out/raw" & pids+=($!)
  raw_port=$(wait_line "$out/raw" "port:")
  "$bin/examples/connection_echo" --address 127.0.0.1:0 --authkey $key > "$out/rust" & pids+=($!)
  rust_addr=$(wait_line "$out/rust" "listening on")
  total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'; }
  count() { # name calls command... -> instructions
    local name=$1; shift
    valgrind --tool=callgrind --callgrind-out-file="$out/$name" "$@" > /dev/null 2>&1
    total "$out/$name"
  }
  per() { # name command-with-N-as-{} -> instructions per round trip
    local name=$1; shift
    local many one
    many=$(count "$name-n" "${@//\{\}/$n}")
    one=$(count "$name-1" "${@//\{\}/1}")
    echo $(((many - one) / (n - 1)))
  }
  raw=$(per raw "$bin/raw-pingpong" "127.0.0.1:$raw_port" {} 1 100 100)
  rust=$(per rust "$bin/examples/connection_bench" --address "$rust_addr" --authkey $key --size 100 --count {})
  rustb=$(per rustb "$bin/examples/connection_bench" --address "$rust_addr" --authkey $key --size 100 --count {} --blocking)
  py=$(per py "$python" interop/mpconn_bench.py client "$rust_addr" $key 100 {})
  echo
  echo "client user-space instructions per 100 B round trip (callgrind, $n round trips):"
  echo
  echo "| raw TCP | Rust | Rust blocking | Python | Rust/raw | Python/Rust |"
  echo "|---|---|---|---|---|---|"
  printf '| %d | %d | %d | %d | %s× | %s× |\n' "$raw" "$rust" "$rustb" "$py" "$(ratio "$rust" "$raw")" "$(ratio "$py" "$rust")"
fi

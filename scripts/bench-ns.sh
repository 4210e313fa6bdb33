#!/usr/bin/env bash
# Name server speed, measured in one run on this machine, side by side (BENCHMARKS.md, issue 4
# item 9): `pyroxene ns` vs Python's `python -m Pyro5.nameserver` (both memory store, -x), and
# raw TCP ping-pong of the same message sizes (benches/raw-pingpong):
#  1. lookup('some.name') calls/s and latency with 1 and 64 concurrent clients (`pyroxene bench`)
#  2. p99 lookup latency while 10,000 idle connections are held (`pyroxene bench --idle`)
#  3. list() of 10,000 entries, time per call
#  4. registrations/s into an sqlite store (sql:FILE), one client
# Everything binds to 127.0.0.1, no broadcast responder; every server started here is killed
# (by pid) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/setup-peers.sh)
export PYRO_BROADCAST_ADDRS=127.0.0.1
cargo build --release -q -p pyroxene-cli -p raw-pingpong
bin=${CARGO_TARGET_DIR:-target}/release
out=$(mktemp -d)
pids=()
. scripts/bench-lib.sh

# 10,000 idle connections need that many descriptors in the bench client (it raises its own
# soft limit to the hard one; the Python name server refuses beyond its 80 workers anyway).
idle=10000
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt $((idle + 200)) ]; then
  echo "the hard open-file limit $(ulimit -Hn) is below $((idle + 200)): raise it (ulimit -Hn)" >&2
  exit 1
fi

# json TEXT KEY -> the value, or "n/a" when TEXT is no JSON object with KEY
json() { python3 -c "
import json,sys
try: print(json.loads(sys.argv[1])['$2'])
except Exception: print('n/a')" "$1"; }
ratio() { python3 -c "
import sys
try: print('%.2f×' % (float(sys.argv[1]) / float(sys.argv[2])))
except Exception: print('—')" "$1" "$2"; }
num() { python3 -c "
import sys
try: print(format(float(sys.argv[1]), sys.argv[2]))
except Exception: print(sys.argv[1])" "$1" "$2"; }
# bench ARGS... -> pyroxene bench's JSON, or {"error": ...} when it failed (a refused
# connection must show up in the table, not end the run)
bench() {
  local err="$out/bench.err"
  "$bin/pyroxene" bench "$@" --json 2>"$err" || {
    python3 -c "import json,sys; print(json.dumps({'error': sys.argv[1]}))" "$(tail -c 300 "$err")"
  }
}
ns_lookup=(-m lookup -a "('some.name',)")

# The raw baseline answers a lookup-sized request (serpent INVOKE, 112 bytes) with a lookup-sized
# reply (the serpent URI of 'some.name', 175 bytes).
"$bin/raw-pingpong" serve 112 175 > "$out/raw" & pids+=($!)
raw_port=$(wait_line "$out/raw" "port:")
"$bin/pyroxene" ns -n 127.0.0.1 -p 0 -x > "$out/rust" & pids+=($!)
rust_ns=$(wait_line "$out/rust" "URI =")
"$python" -u -m Pyro5.nameserver -n 127.0.0.1 -p 0 -x > "$out/py" 2>&1 & pids+=($!)
py_ns=$(wait_line "$out/py" "URI =")
# 10,000 names (+ 'some.name') in each, registered by a Python Pyro5 client.
fill_rust=$("$python" interop/ns_fill.py "$rust_ns" 10000)
fill_py=$("$python" interop/ns_fill.py "$py_ns" 10000)

echo "## Name server, $(date -u +%Y-%m-%d)"
echo
echo "| measurement | pyroxene ns | Python Pyro5 NS | raw TCP | pyroxene / Python | pyroxene / raw |"
echo "|---|---|---|---|---|---|"
row() { # label ours python raw format [higher-is-better: 1, else ratios are time ratios]
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$(num "$2" "$5")" "$(num "$3" "$5")" \
    "$(num "$4" "$5")" "$(ratio "$2" "$3")" "$(ratio "$2" "$4")"
}
# A round trip on this VM costs ~60 µs with idle vCPUs and ~6 µs with busy ones (see the RPC
# section of BENCHMARKS.md): raw and pyroxene alternate over short rounds, medians compared.
rounds=5
# median KEY JSON... -> the median of KEY over the JSON objects
median() { python3 -c "
import json,statistics,sys
print(statistics.median(json.loads(a)[sys.argv[1]] for a in sys.argv[2:]))" "$@"; }
for c in 1 64; do
  n_rust=$((c == 1 ? 5000 : 40000)); n_py=$((c == 1 ? 5000 : 20000))
  raws=(); rusts=()
  for _ in $(seq $rounds); do
    raws+=("$("$bin/raw-pingpong" "127.0.0.1:$raw_port" "$n_rust" $c 112 175)")
    rusts+=("$(bench "$rust_ns" "${ns_lookup[@]}" -n "$n_rust" -c $c)")
  done
  py=$(bench "$py_ns" "${ns_lookup[@]}" -n "$n_py" -c $c)
  [ "$(json "$py" error)" = n/a ] || echo "<!-- Python NS at $c clients: $(json "$py" error) -->"
  row "lookups/s, $c client(s) (pyroxene, raw: median of $rounds alternating rounds)" \
    "$(median calls_per_second "${rusts[@]}")" "$(json "$py" calls_per_second)" \
    "$(median calls_per_second "${raws[@]}")" .0f
  row "… p50 latency, $c client(s) (µs)" "$(median p50_us "${rusts[@]}")" "$(json "$py" p50_us)" \
    "$(median p50_us "${raws[@]}")" .1f
  row "… p99 latency, $c client(s) (µs)" "$(median p99_us "${rusts[@]}")" "$(json "$py" p99_us)" \
    "$(median p99_us "${raws[@]}")" .1f
done
for c in 1 64; do
  n_rust=$((c == 1 ? 20000 : 100000)); n_py=$((c == 1 ? 5000 : 20000))
  rust=$(bench "$rust_ns" "${ns_lookup[@]}" -n "$n_rust" -c $c --idle $idle)
  py=$(bench "$py_ns" "${ns_lookup[@]}" -n "$n_py" -c $c --idle $idle)
  row "p99 lookup latency, $c client(s), $idle idle connections opened (µs)" \
    "$(json "$rust" p99_us)" "$(json "$py" p99_us)" "—" .1f
  row "… idle connections the server held" "$(json "$rust" idle_held)" \
    "$(json "$py" idle_held)" "—" .0f
  row "… lookups/s meanwhile" "$(json "$rust" calls_per_second)" \
    "$(json "$py" calls_per_second)" "—" .0f
  for who in rust py; do
    e=$(json "${!who}" idle_error); [ "$e" = None ] || [ "$e" = n/a ] ||
      echo "<!-- $who, idle refusals at $c client(s): $(json "${!who}" idle_failed), first: $e -->"
    e=$(json "${!who}" error); [ "$e" = n/a ] || echo "<!-- $who at $c client(s) with idle: $e -->"
  done
done
rust=$(bench "$rust_ns" -m list -a "()" -n 50 -c 1)
py=$(bench "$py_ns" -m list -a "()" -n 20 -c 1)
a=$(json "$rust" p50_us); b=$(json "$py" p50_us)
printf '| list() of 10,001 entries, p50 ms per call (pyroxene bench client) | %s | %s | — | %s faster | — |\n' \
  "$(python3 -c "print('%.2f' % ($a / 1000))")" "$(python3 -c "print('%.2f' % ($b / 1000))")" \
  "$(ratio "$b" "$a")"
row "register() of 10,000 distinct names, memory store, Python Pyro5 client (1/s)" \
  "$(json "$fill_rust" registrations_per_second)" "$(json "$fill_py" registrations_per_second)" "—" .0f

# sqlite: fresh servers on fresh files.
"$bin/pyroxene" ns -n 127.0.0.1 -p 0 -x -s "sql:$out/rust.sqlite" > "$out/rust-sql" & pids+=($!)
rust_sql=$(wait_line "$out/rust-sql" "URI =")
"$python" -u -m Pyro5.nameserver -n 127.0.0.1 -p 0 -x -s "sql:$out/py.sqlite" > "$out/py-sql" 2>&1 &
pids+=($!)
py_sql=$(wait_line "$out/py-sql" "URI =")
rereg=(-m register -a "('bench.name', 'PYRO:obj_0123456789abcdef0123456789abcdef@127.0.0.1:45678', False)")
rust=$(bench "$rust_sql" "${rereg[@]}" -n 2000 -c 1)
py=$(bench "$py_sql" "${rereg[@]}" -n 500 -c 1)
row "sqlite: register(same name, safe=False)/s, one pyroxene bench client" \
  "$(json "$rust" calls_per_second)" "$(json "$py" calls_per_second)" "—" .0f
fill_rust=$("$python" interop/ns_fill.py "$rust_sql" 1000 distinct)
fill_py=$("$python" interop/ns_fill.py "$py_sql" 1000 distinct)
row "sqlite: register() of 1,000 distinct names/s, one Python Pyro5 client" \
  "$(json "$fill_rust" registrations_per_second)" "$(json "$fill_py" registrations_per_second)" "—" .0f

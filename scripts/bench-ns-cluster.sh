#!/usr/bin/env bash
# Name servers on etcd, measured in one run on this machine, side by side (BENCHMARKS.md,
# issue 17 item 6): three `pyroxene ns -x` (memory, sql:FILE, etcd on a 3-member etcd cluster on
# loopback), and bare etcd puts from etcd-client (crates/pyroxene-ns/benches/cluster.rs):
#  1. lookup('some.name') calls/s and p50 with 1 and 64 concurrent clients (`pyroxene bench`)
#  2. register('bench.name', uri, False) calls/s and p50 with 1 and 64 clients, against bare
#     etcd puts of the same value (the issue's goal: within 2x of a bare put)
#  3. one NS_AUTOCLEAN sweep over 10,000 registrations, and lookups/s meanwhile
# Needs etcd (Debian's etcd-server, or PYROXENE_ETCD). Everything binds to 127.0.0.1; every
# process started here is killed (by pid) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
etcd=${PYROXENE_ETCD:-$(command -v etcd || true)}
[ -x "$etcd" ] || { echo "no etcd: apt-get install etcd-server, or set PYROXENE_ETCD" >&2; exit 1; }
export PYRO_BROADCAST_ADDRS=127.0.0.1
cargo build --release -q -p pyroxene-cli
cargo build --release -q -p pyroxene-ns --bench cluster
bin=${CARGO_TARGET_DIR:-target}/release
bench_bin=$(ls -t "$bin"/deps/cluster-* | grep -v '\.d$' | head -1)
out=$(mktemp -d)
pids=()
. scripts/bench-lib.sh

free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
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
bench() {
  local err="$out/bench.err"
  "$bin/pyroxene" bench "$@" --json 2>"$err" || {
    python3 -c "import json,sys; print(json.dumps({'error': sys.argv[1]}))" "$(tail -c 300 "$err")"
  }
}

# A 3-member etcd cluster on loopback.
cluster=""; clients=()
for i in 0 1 2; do peer[$i]=$(free_port); client[$i]=$(free_port); done
for i in 0 1 2; do cluster+="${cluster:+,}m$i=http://127.0.0.1:${peer[$i]}"; done
for i in 0 1 2; do
  "$etcd" --name "m$i" --data-dir "$out/m$i" \
    --listen-client-urls "http://127.0.0.1:${client[$i]}" \
    --advertise-client-urls "http://127.0.0.1:${client[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${peer[$i]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${peer[$i]}" \
    --initial-cluster "$cluster" --initial-cluster-state new \
    --initial-cluster-token pyroxene-bench > "$out/m$i.log" 2>&1 & pids+=($!)
  clients+=("http://127.0.0.1:${client[$i]}")
done
endpoints=$(IFS=,; echo "${clients[*]}")
for _ in $(seq 300); do
  curl -s "http://127.0.0.1:${client[0]}/health" 2>/dev/null | grep -q '"health":"true"' && break
  sleep 0.1
done

"$bin/pyroxene" ns -n 127.0.0.1 -p 0 -x > "$out/mem" & pids+=($!)
"$bin/pyroxene" ns -n 127.0.0.1 -p 0 -x -s "sql:$out/ns.sqlite" > "$out/sql" & pids+=($!)
"$bin/pyroxene" ns -n 127.0.0.1 -p 0 -x -s "etcd:$endpoints/bench" > "$out/etcd" & pids+=($!)
declare -A uri
for s in mem sql etcd; do
  uri[$s]=$(wait_line "$out/$s" "URI =")
  port=${uri[$s]##*:}
  "$bin/pyroxene" nsc -n 127.0.0.1 -p "$port" register some.name \
    PYRO:obj_0123456789abcdef0123456789abcdef@127.0.0.1:45678 > /dev/null
done

echo "## Name servers on etcd, $(date -u +%Y-%m-%d)"
echo
echo "| measurement | memory | sqlite | etcd (3 members) | bare etcd put | etcd / memory | etcd / sqlite | etcd / bare put |"
echo "|---|---|---|---|---|---|---|---|"
row() { # label mem sql etcd bare format
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(num "$2" "$6")" "$(num "$3" "$6")" \
    "$(num "$4" "$6")" "$(num "$5" "$6")" "$(ratio "$4" "$2")" "$(ratio "$4" "$3")" "$(ratio "$4" "$5")"
}
lookup=(-m lookup -a "('some.name',)")
register=(-m register -a "('bench.name', 'PYRO:obj_0123456789abcdef0123456789abcdef@127.0.0.1:45678', False)")
for c in 1 64; do
  n=$((c == 1 ? 5000 : 40000))
  declare -A r=()
  for s in mem sql etcd; do r[$s]=$(bench "${uri[$s]}" "${lookup[@]}" -n $n -c $c); done
  row "lookups/s, $c client(s)" "$(json "${r[mem]}" calls_per_second)" \
    "$(json "${r[sql]}" calls_per_second)" "$(json "${r[etcd]}" calls_per_second)" "—" .0f
  row "… p50 latency, $c client(s) (µs)" "$(json "${r[mem]}" p50_us)" "$(json "${r[sql]}" p50_us)" \
    "$(json "${r[etcd]}" p50_us)" "—" .1f
done
for c in 1 64; do
  n=$((c == 1 ? 1000 : 6400))
  declare -A r=()
  for s in mem sql etcd; do r[$s]=$(bench "${uri[$s]}" "${register[@]}" -n $n -c $c); done
  bare=$("$bench_bin" put "$endpoints" $n $c)
  row "register()/s, $c client(s) (bare: puts/s)" "$(json "${r[mem]}" calls_per_second)" \
    "$(json "${r[sql]}" calls_per_second)" "$(json "${r[etcd]}" calls_per_second)" \
    "$(json "$bare" calls_per_second)" .0f
  row "… p50 latency, $c client(s) (µs)" "$(json "${r[mem]}" p50_us)" "$(json "${r[sql]}" p50_us)" \
    "$(json "${r[etcd]}" p50_us)" "$(json "$bare" p50_us)" .1f
done
a=$("$bench_bin" autoclean 10000 100)
echo
echo "NS_AUTOCLEAN, one sweep over $(json "$a" registrations) registrations on $(json "$a" addresses_probed) addresses" \
  "($(json "$a" unreachable) unreachable): median $(json "$a" sweep_ms_median) ms, max $(json "$a" sweep_ms_max) ms;" \
  "in-process lookups/s on another thread: $(json "$a" lookups_per_second_idle) idle," \
  "$(json "$a" lookups_per_second_sweeping) during back-to-back sweeps."

#!/usr/bin/env bash
# HTTP gateway speed, measured in one run on this machine, side by side (BENCHMARKS.md, issue 13
# item 3): requests/s and p50/p99 latency of GET /pyro/test.echoserver/echo?message=hello at 1
# and 64 connections, for
#   - `pyroxene gateway` (a real Pyro call to `pyroxene echo` per request),
#   - Python's `python -m Pyro5.utils.httpgateway` in front of the same name server and echo
#     server,
#   - a hello-world server on the same HTTP stack (crates/pyroxene-gateway/examples/hello_world.rs:
#     axum + hyper + the gateway's connection handling, no Pyro call): the limit.
# The load tool is wrk (Debian's package, installed here with apt-get when missing).
# Everything binds to 127.0.0.1; every server started here is killed (by pid) on exit.
# Usage: scripts/bench-gateway.sh [SECONDS per measurement, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
python=$(scripts/setup-peers.sh)
export PYRO_BROADCAST_ADDRS=127.0.0.1
if ! command -v wrk >/dev/null; then
  echo "bench-gateway: installing wrk (apt-get)" >&2
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
fi
# --bin too: with only --example, cargo builds only the examples of the packages named.
cargo build --release -q -p pyroxene-cli -p pyroxene-gateway --bin pyroxene --example hello_world
bin=${CARGO_TARGET_DIR:-target}/release
out=$(mktemp -d)
pids=()
WAIT_TRIES=200
. scripts/bench-lib.sh


"$bin/pyroxene" ns -n 127.0.0.1 -p 0 > "$out/ns" 2>&1 & pids+=($!)
ns_uri=$(wait_line "$out/ns" "URI =")
ns_port=${ns_uri##*:}
export PYRO_NS_HOST=127.0.0.1 PYRO_NS_PORT=$ns_port
"$bin/pyroxene" echo -H 127.0.0.1 -n -q > "$out/echo" 2>&1 & pids+=($!)
for _ in $(seq 100); do
  "$bin/pyroxene" nsc -n 127.0.0.1 -p "$ns_port" lookup test.echoserver >/dev/null 2>&1 && break
  sleep 0.1
done
"$bin/pyroxene" gateway -H 127.0.0.1 -p 0 -e 'test\.' > "$out/ours" 2>&1 & pids+=($!)
ours=$(wait_line "$out/ours" "Pyro HTTP gateway running on")
PYTHONHASHSEED=0 "$python" -u -m Pyro5.utils.httpgateway -H 127.0.0.1 -p 0 -e 'test\.' \
  > "$out/py" 2>&1 & pids+=($!)
py=$(wait_line "$out/py" "Pyro HTTP gateway running on")
"$bin/examples/hello_world" 127.0.0.1 0 > "$out/hello" 2>&1 & pids+=($!)
hello="http://$(wait_line "$out/hello" "listening on")/"
path="test.echoserver/echo?message=hello"
for url in "$ours$path" "$py$path" "$hello"; do
  body=$(curl -s "$url")
  [ "$body" = '"hello"' ] || { echo "unexpected answer from $url: $body" >&2; exit 1; }
done

# measure URL CONNECTIONS -> "requests/s p50 p99 errors" (latencies in ms)
measure() {
  wrk -t1 -c"$2" -d"${seconds}s" --latency "$1" > "$out/wrk" 2>&1 || true
  python3 - "$out/wrk" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s+%s\s+([\d.]+)(us|ms|s)\s*$" % label, text, re.M)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors += int(non2xx.group(1)) if non2xx else 0
print(rps.group(1) if rps else "0", ms("50%"), ms("99%"), errors)
PY
}

echo "## HTTP gateway, $(date -u +%Y-%m-%d)"
echo
echo "Command: \`scripts/bench-gateway.sh $seconds\` (wrk -t1, ${seconds} s per row, keep-alive; load"
echo "average before the run: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)."
echo
echo "| server | connections | requests/s | p50 ms | p99 ms | errors |"
echo "|---|---|---|---|---|---|"
declare -A rps
for c in 1 64; do
  for name in ours python hello; do
    case $name in
      ours) url="$ours$path"; label="pyroxene gateway (Pyro call per request)" ;;
      python) url="$py$path"; label="Python pyro5-httpgateway" ;;
      hello) url="$hello"; label="hello-world, same HTTP stack (the limit)" ;;
    esac
    read -r r p50 p99 errors < <(measure "$url" "$c")
    rps[$name$c]=$r
    printf '| %s | %s | %.0f | %.2f | %.2f | %s |\n' "$label" "$c" "$r" "$p50" "$p99" "$errors"
  done
done
ratio() { python3 -c "import sys; a,b=map(float,sys.argv[1:]); print('%.2f×' % (a/b) if b else '—')" "$1" "$2"; }
echo
echo "| ratio | 1 connection | 64 connections | goal at 64 |"
echo "|---|---|---|---|"
echo "| pyroxene / Python | $(ratio "${rps[ours1]}" "${rps[python1]}") | $(ratio "${rps[ours64]}" "${rps[python64]}") | ≥ 30× |"
echo "| pyroxene / hello-world | $(ratio "${rps[ours1]}" "${rps[hello1]}") | $(ratio "${rps[ours64]}" "${rps[hello64]}") | ≥ 0.4× |"

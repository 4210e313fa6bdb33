#!/usr/bin/env bash
# TLS cost on a small call, measured in one run, side by side (BENCHMARKS.md "TLS", issue 16
# item 5): echo('hello') calls/s, plain vs server-only TLS, for
#   - a Python Pyro5 client (interop/bench_pyro5_client.py) -> Python's echo server
#   - a Python Pyro5 client -> `pyroxene echo`
#   - `pyroxene bench` (concurrency 1) -> `pyroxene echo`
#   - `pyroxene bench` (concurrency 1) -> Python's echo server
# TLS is set up only by PYRO_SSL_* (a CA and a 127.0.0.1 server certificate made with openssl
# in a temporary folder). Every process runs on CPU 0 (taskset, the "one-cpu" placement of
# BENCHMARKS.md "RPC": the time is CPU work, which is what TLS adds). Plain and TLS alternate
# over ROUNDS rounds (default 5); medians. Binds 127.0.0.1 only; kills what it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/setup-peers.sh)
export PYRO_BROADCAST_ADDRS=127.0.0.1
cargo build --release -q -p pyroxene-cli
bin=target/release
out=$(mktemp -d)
pids=()
. scripts/bench-lib.sh

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" \
  -keyout "$out/ca.key" -out "$out/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$out/server.key" -out "$out/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$out/san.ext"
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial \
  -days 2 -extfile "$out/san.ext" -out "$out/server.pem" 2>/dev/null
server_tls=(PYRO_SSL=1 "PYRO_SSL_SERVERCERT=$out/server.pem" "PYRO_SSL_SERVERKEY=$out/server.key")
client_tls=(PYRO_SSL=1 "PYRO_SSL_CACERTS=$out/ca.pem")

ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
cpu="taskset -c 0"

start() { # name env... -- command... (in the background, its pid kept for cleanup)
  local name=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  env "${envs[@]}" $cpu "$@" > "$out/$name" 2>&1 & pids+=($!)
}
start rust-plain X=1 -- "$bin/pyroxene" echo -H 127.0.0.1 -p 0
start rust-tls "${server_tls[@]}" -- "$bin/pyroxene" echo -H 127.0.0.1 -p 0
start py-plain X=1 -- "$python" -u -m Pyro5.utils.echoserver -H 127.0.0.1 -p 0
start py-tls "${server_tls[@]}" -- "$python" -u -m Pyro5.utils.echoserver -H 127.0.0.1 -p 0
rust_plain=$(wait_line "$out/rust-plain" "echo uri:")
rust_tls=$(wait_line "$out/rust-tls" "echo uri:")
py_plain=$(wait_line "$out/py-plain" "echo uri:")
py_tls=$(wait_line "$out/py-tls" "echo uri:")

py_client() { env "$@" $cpu "$python" interop/bench_pyro5_client.py "$uri" 3000 serpent; }
rust_client() { env "$@" $cpu "$bin/pyroxene" bench "$uri" -n 10000 -c 1 --json; }

rounds=${ROUNDS:-5}
echo "## TLS, $(date -u +%Y-%m-%d)"
echo
echo "| client → server | plain calls/s | TLS calls/s | TLS / plain |"
echo "|---|---|---|---|"
row() { # label client plain-uri tls-uri
  local label=$1 client=$2 plain=() tls=()
  for _ in $(seq "$rounds"); do
    uri=$3; plain+=("$(json "$($client X=1)" calls_per_second)")
    uri=$4; tls+=("$(json "$($client "${client_tls[@]}")" calls_per_second)")
  done
  local a b
  a=$(median "${plain[@]}"); b=$(median "${tls[@]}")
  printf '| %s | %.0f | %.0f | %s× |\n' "$label" "$a" "$b" "$(ratio "$b" "$a")"
}
row "Python Pyro5 client → Python echo server" py_client "$py_plain" "$py_tls"
row "Python Pyro5 client → pyroxene echo" py_client "$rust_plain" "$rust_tls"
row "pyroxene bench → pyroxene echo" rust_client "$rust_plain" "$rust_tls"
row "pyroxene bench → Python echo server" rust_client "$py_plain" "$py_tls"

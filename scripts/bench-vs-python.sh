#!/usr/bin/env bash
# Serializer speed, Rust vs the Python peers, measured in one run on this machine:
# runs the criterion benches of pyroxene-wire, then interop/bench_serializers.py (Pyro5's
# serializers), and prints the markdown table kept in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(scripts/setup-peers.sh)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Python first and last, Rust in between: the machine is shared and noisy, so we take each
# Python figure as the better of two rounds that bracket the Rust run.
PYRO_BROADCAST_ADDRS=127.0.0.1 "$python" interop/bench_serializers.py 1.0 > "$out/py1.json"
cargo bench -p pyroxene-wire --bench serializers -- --noplot > "$out/cargo.log" 2>&1 || {
  cat "$out/cargo.log"; exit 1; }
PYRO_BROADCAST_ADDRS=127.0.0.1 "$python" interop/bench_serializers.py 1.0 > "$out/py2.json"
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
py = json.load(open(os.path.join(out, "py1.json")))
for k, v in json.load(open(os.path.join(out, "py2.json"))).items():
    py[k] = min(py.get(k, v), v)
def rust(key):
    path = os.path.join("target", "criterion", *key.split("/"), "new", "estimates.json")
    try:
        est = json.load(open(path))
    except FileNotFoundError:
        return None
    return est["median"]["point_estimate"] / 1e9
def fmt(s):
    if s is None: return "n/a"
    if s < 1e-3: return "%.1f µs" % (s * 1e6)
    return "%.2f ms" % (s * 1e3)
def ratio(theirs, ours):
    return "%.1f×" % (theirs / ours) if theirs and ours else "n/a"
print("| serializer | payload | op | pyroxene | Pyro5 serializer | speedup | bare C module | speedup vs C |")
print("|---|---|---|---|---|---|---|---|")
for ser in ("serpent", "marshal", "json", "msgpack"):
    for payload in ("call_dict100", "bytes_1mb", "floats_10k"):
        for op in ("encode", "decode"):
            key = "%s/%s/%s" % (op, ser, payload)
            if key not in py: continue
            r = rust(key)
            raw = py.get("raw-" + key)
            print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                ser, payload, op, fmt(r), fmt(py[key]), ratio(py[key], r),
                fmt(raw) if raw else "—", ratio(raw, r) if raw else "—"))
PY

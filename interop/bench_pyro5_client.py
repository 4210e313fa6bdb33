"""A Python Pyro5 client hammering one echo server: the Python side of scripts/bench-rpc.sh.

Usage: python bench_pyro5_client.py URI CALLS SERIALIZER [PAYLOAD_BYTES]

Calls echo('hello') (or echo(bytes(PAYLOAD_BYTES))) CALLS times on one proxy and prints one JSON
object with calls_per_second (and mb_per_second for a bytes payload).
"""
import json
import os
import sys
import time

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
import Pyro5.api  # noqa: E402

uri, calls, serializer = sys.argv[1], int(sys.argv[2]), sys.argv[3]
size = int(sys.argv[4]) if len(sys.argv) > 4 else 0
Pyro5.config.SERIALIZER = serializer
arg = bytes(size) if size else "hello"
with Pyro5.api.Proxy(uri) as p:
    p._pyroBind()
    p.echo(arg)
    start = time.perf_counter()
    for _ in range(calls):
        p.echo(arg)
    elapsed = time.perf_counter() - start
out = {"calls": calls, "seconds": elapsed, "calls_per_second": calls / elapsed}
if size:
    out["mb_per_second"] = size * calls / elapsed / 1e6
print(json.dumps(out))

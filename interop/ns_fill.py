"""Fills any Pyro5 name server (Python's or pyroxene's) with N registrations, for
scripts/bench-ns.sh.

Usage: python ns_fill.py NS_URI N [PREFIX]

Registers PREFIX.000000 ... (N distinct names, each with its own PYRO: URI) one call at a time
over one proxy, plus 'some.name' (the name the lookup benchmark asks for), and prints one JSON
object: registered, seconds, registrations_per_second (the N distinct registrations only).
"""
import json
import os
import sys
import time

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
import Pyro5.api  # noqa: E402

uri, count = sys.argv[1], int(sys.argv[2])
prefix = sys.argv[3] if len(sys.argv) > 3 else "fill"
with Pyro5.api.Proxy(uri) as ns:
    ns.register("some.name", "PYRO:obj_0123456789abcdef0123456789abcdef@127.0.0.1:45678")
    start = time.perf_counter()
    for i in range(count):
        ns.register("%s.%06d" % (prefix, i), "PYRO:obj_%032x@127.0.0.1:1" % i)
    elapsed = time.perf_counter() - start
print(json.dumps({"registered": count, "seconds": elapsed,
                  "registrations_per_second": count / elapsed if elapsed else 0.0}))

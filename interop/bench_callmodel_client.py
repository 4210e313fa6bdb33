"""Call-model speed with the real Pyro5 proxy, for scripts/bench-callmodel.sh.

Usage: python bench_callmodel_client.py URI ITEMS [CALLS]

URI names an object with count(n) (a generator / item stream of 0..n) and add(a, b). Streams
ITEMS items, then times CALLS single add() calls against one batch of CALLS (best of 5).
Prints JSON: items_per_second, single_s, batch_s.
"""
import json
import os
import sys
import time

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
import Pyro5.api  # noqa: E402

uri, items = sys.argv[1], int(sys.argv[2])
calls = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
with Pyro5.api.Proxy(uri) as p:
    p._pyroBind()
    start = time.perf_counter()
    seen = 0
    for i, item in enumerate(p.count(items)):
        assert item == i
        seen += 1
    stream_s = time.perf_counter() - start
    single, batched = [], []
    for _ in range(5):
        start = time.perf_counter()
        for i in range(calls):
            p.add(i, 1)
        single.append(time.perf_counter() - start)
        batch = Pyro5.api.BatchProxy(p)
        start = time.perf_counter()
        for i in range(calls):
            batch.add(i, 1)
        assert len(list(batch())) == calls
        batched.append(time.perf_counter() - start)
print(json.dumps({"items_per_second": seen / stream_s, "single_s": min(single),
                  "batch_s": min(batched)}))

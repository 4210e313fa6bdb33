"""Times Pyro5's serializers on the payloads of crates/pyroxene-wire/benches/serializers.rs.

Prints one JSON object: {"<op>/<serializer>/<payload>": seconds_per_op, ...}. Measures what a
Python Pyro peer runs: Pyro5.serializers' dumps/loads and dumpsCall/loadsCall (serpent 1.43 in
pure Python, CPython's C json/marshal, msgpack 1.2.4's C extension).
"""
import json
import os
import sys
import timeit

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
from Pyro5 import serializers  # noqa: E402


def mixed_dict():
    d = {}
    for i in range(100):
        m = i % 6
        if m == 0:
            v = i * 1000003
        elif m == 1:
            v = i * 0.5 + 0.25
        elif m == 2:
            v = "value number %d with some text" % i
        elif m == 3:
            v = i % 2 == 0
        elif m == 4:
            v = [i, i + 1, i + 2]
        else:
            v = {"nested": i, "name": "n%d" % i}
        d["key%d" % i] = v
    return d


def best(fn, budget=1.0):
    """Seconds per call: the best of several timing rounds within about `budget` seconds."""
    timer = timeit.Timer(fn)
    n, elapsed = timer.autorange()
    rounds = max(3, min(20, int(budget / max(elapsed, 1e-9))))
    return min(timer.repeat(repeat=rounds, number=n)) / n


def main():
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    payloads = {
        "bytes_1mb": bytes(range(256)) * 4096,
        "floats_10k": [i * 1.1 for i in range(10000)],
    }
    args = (mixed_dict(),)
    results = {}
    for name in ("serpent", "marshal", "json", "msgpack"):
        ser = serializers.serializers[name]
        call = ser.dumpsCall("obj_1234567890", "process", args, {})
        results["encode/%s/call_dict100" % name] = best(
            lambda: ser.dumpsCall("obj_1234567890", "process", args, {}), budget)
        results["decode/%s/call_dict100" % name] = best(lambda: ser.loadsCall(call), budget)
        for pname, value in payloads.items():
            if name == "json" and pname == "bytes_1mb":
                continue
            data = ser.dumps(value)
            results["encode/%s/%s" % (name, pname)] = best(lambda: ser.dumps(value), budget)
            results["decode/%s/%s" % (name, pname)] = best(lambda: ser.loads(data), budget)
    json.dump(results, sys.stdout, indent=1)


if __name__ == "__main__":
    main()

"""Times Pyro5's serializers on the payloads of crates/pyroxene-wire/benches/serializers.rs.

Prints one JSON object: {"<op>/<serializer>/<payload>": seconds_per_op, ...}. Measures what a
Python Pyro peer runs: Pyro5.serializers' dumps/loads and dumpsCall/loadsCall (serpent 1.43 in
pure Python, CPython's C json/marshal, msgpack 1.2.4's C extension), and under "raw-<op>/..." the
bare C modules without Pyro's wrapper.
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


def raw_codecs():
    """The bare C modules under Pyro's wrappers, for the "within 2x of C" comparison."""
    import marshal
    import json as json_module
    import msgpack

    def json_dumps(v):
        return json_module.dumps(v, ensure_ascii=False).encode("utf-8")

    return {
        "marshal": (marshal.dumps, marshal.loads,
                    lambda o, m, a, k: marshal.dumps((o, m, list(a), k))),
        "json": (json_dumps, json_module.loads,
                 lambda o, m, a, k: json_dumps({"object": o, "method": m, "params": list(a), "kwargs": k})),
        "msgpack": (lambda v: msgpack.packb(v, use_bin_type=True),
                    lambda d: msgpack.unpackb(d, raw=False),
                    lambda o, m, a, k: msgpack.packb([o, m, list(a), k], use_bin_type=True)),
    }


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
    for name, (dumps, loads, dumps_call) in raw_codecs().items():
        call = dumps_call("obj_1234567890", "process", args, {})
        results["raw-encode/%s/call_dict100" % name] = best(
            lambda: dumps_call("obj_1234567890", "process", args, {}), budget)
        results["raw-decode/%s/call_dict100" % name] = best(lambda: loads(call), budget)
        for pname, value in payloads.items():
            if name == "json" and pname == "bytes_1mb":
                continue
            data = dumps(value)
            results["raw-encode/%s/%s" % (name, pname)] = best(lambda: dumps(value), budget)
            results["raw-decode/%s/%s" % (name, pname)] = best(lambda: loads(data), budget)
    json.dump(results, sys.stdout, indent=1)


if __name__ == "__main__":
    main()

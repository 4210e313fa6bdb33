"""A Pyro4 4.82 client exercising an echo server (`python -m Pyro4.test.echoserver` or
`pyroxene echo`), printing one line per check and exiting 1 on the first failure.

Usage:
    python pyro4_client.py echo URI SERIALIZER [KEY]
        echo of various values, exceptions (class, text, remote traceback), oneway, batch,
        item streaming (the echo generator), metadata; KEY is the HMAC key ("" = none);
    python pyro4_client.py refused URI SERIALIZER [KEY]
        expects the connection to be refused and prints the Pyro4 error class and text;
    python pyro4_client.py ns HOST PORT [KEY]
        uses a Pyro4 name server: ping, register, lookup, list, remove;
    python pyro4_client.py bench URI N
        N echo() calls, prints "calls/s RATE";
    python pyro4_client.py nsbench HOST PORT N
        N name server lookups, prints "lookups/s RATE".

Every Pyro4 default is kept except the serializer (and SERIALIZERS_ACCEPTED is not a client
setting). Nothing here starts servers.
"""

import sys
import time

import Pyro4
import Pyro4.errors
import Pyro4.futures
import Pyro4.naming
import Pyro4.util
from Pyro4.configuration import config


# Pyro4's echo server words error() its own way; `pyroxene echo` answers Pyro4 clients with it.
ERROR_TEXT = "expected error from echoserver error() method"


def check(label, got, want):
    if got != want:
        print("FAIL %s: got %r, want %r" % (label, got, want))
        sys.exit(1)
    print("ok %s" % label)


def proxy(uri, key):
    p = Pyro4.Proxy(uri)
    if key:
        p._pyroHmacKey = key.encode()
    return p


def echo_checks(uri, serializer, key):
    config.SERIALIZER = serializer
    values = [None, True, 42, -(2 ** 40), 1.5, "text ü", [1, "a", [2]], {"k": [1, 2]}, (1, 2)]
    if serializer != "json":
        values.append({1: "int key"})
    with proxy(uri, key) as p:
        p._pyroBind()
        check("metadata methods", {"echo", "error", "generator", "oneway_echo"} <= p._pyroMethods, True)
        check("metadata oneway", "oneway_echo" in p._pyroOneway, True)
        for v in values:
            got = p.echo(v)
            if isinstance(v, tuple) and serializer in ("json", "serpent", "msgpack"):
                v = list(v) if serializer != "serpent" else v
            check("echo %r" % (v,), got, v)
        try:
            p.error()
            check("error raises", False, True)
        except ValueError as x:
            check("error class", type(x).__name__, "ValueError")
            check("error text", str(x), ERROR_TEXT)
            remote = "".join(getattr(x, "_pyroTraceback", []))
            check("remote traceback", remote.startswith("Traceback (most recent call last):"), True)
            tb = "".join(Pyro4.util.getPyroTraceback(type(x), x, None))
            check("formatted remote traceback", "Remote traceback" in tb, True)
        check("oneway", p.oneway_echo("hi"), None)
        check("ping after oneway", p.echo("still"), "still")
        if serializer != "marshal":
            # Pyro4 4.82 can't send a batch in marshal (its dumpsCall gets kwargs=None, with
            # Python's own daemon too).
            batch_checks(p, serializer)
        check("generator", list(p.generator()), ["one", "two", "three"])
        try:
            p._private()
            check("private raises", False, True)
        except AttributeError as x:
            check("private", "private" in str(x), True)
    print("done")


def batch_checks(p, serializer):
    with Pyro4.batch(p) as b:
        b.echo(1)
        b.echo("two")
        b.error()
        b.echo(4)
        results = b()
    check("batch 1", next(results), 1)
    check("batch 2", next(results), "two")
    try:
        next(results)
        check("batch error raises", False, True)
    except ValueError as x:
        check("batch error", str(x), ERROR_TEXT)

def refused(uri, serializer, key):
    config.SERIALIZER = serializer
    try:
        with proxy(uri, key) as p:
            p.echo("should not arrive")
    except Pyro4.errors.PyroError as x:
        print("refused %s: %s" % (type(x).__name__, x))
        return
    print("FAIL: not refused")
    sys.exit(1)


def ns_checks(host, port, key):
    hmac = key.encode() if key else None
    ns = Pyro4.locateNS(host, int(port), hmac_key=hmac)
    check("ns ping", ns.ping(), None)
    ns.register("py4.test.x", "PYRO:x@127.0.0.1:5555", metadata={"m1"})
    check("ns lookup", str(ns.lookup("py4.test.x")), "PYRO:x@127.0.0.1:5555")
    uri, meta = ns.lookup("py4.test.x", return_metadata=True)
    check("ns lookup metadata", set(meta), {"m1"})
    check("ns list", sorted(ns.list(prefix="py4.test.")), ["py4.test.x"])
    check("ns remove", ns.remove("py4.test.x"), 1)
    check("ns list after", ns.list(prefix="py4.test."), {})
    print("done")


def bench(uri, n):
    """N echo() calls on one proxy (serpent), after connecting; prints calls/s."""
    with Pyro4.Proxy(uri) as p:
        p._pyroBind()
        start = time.perf_counter()
        for i in range(int(n)):
            p.echo(i)
        print("calls/s %.1f" % (int(n) / (time.perf_counter() - start)))


def nsbench(host, port, n):
    """N lookup() calls on one name server proxy; prints lookups/s."""
    ns = Pyro4.locateNS(host, int(port))
    ns.register("bench.name", "PYRO:bench@127.0.0.1:5555")
    start = time.perf_counter()
    for _ in range(int(n)):
        ns.lookup("bench.name")
    print("lookups/s %.1f" % (int(n) / (time.perf_counter() - start)))
    ns.remove("bench.name")


def main():
    cmd = sys.argv[1]
    if cmd == "echo":
        echo_checks(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
    elif cmd == "refused":
        refused(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
    elif cmd == "ns":
        ns_checks(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
    elif cmd == "bench":
        bench(sys.argv[2], sys.argv[3])
    elif cmd == "nsbench":
        nsbench(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()

"""Calls every method and attribute of an echo server or a name server as a Pyro4 or a Pyro5
client would, and prints a canonical transcript, for a test to compare the transcripts of
Python's servers with pyroxene's.

Usage: python faithful_client.py GENERATION KIND URI [--shutdown]

    GENERATION  4 (Pyro4 4.82 client) or 5 (Pyro5 5.17 client)
    KIND        echo (Pyro4.test.echoserver / Pyro5.utils.echoserver) or ns (the name server)
    URI         PYRO:test.echoserver@127.0.0.1:PORT or PYRO:Pyro.NameServer@127.0.0.1:PORT
    --shutdown  (echo) end with shutdown() and report whether the server went away

Everything runs once per serializer the generation has (Pyro4: serpent, json, marshal,
msgpack, pickle; Pyro5: serpent, json, marshal, msgpack), each with a proxy of its own.
A line per call: `[serializer] label local|invoked -> result` or `... !! module.Class: text`.
`local` means the proxy refused the call without sending anything (Pyro's client-side check
against the metadata), `invoked` that it went on to send an INVOKE (a value its serializer
can't write then fails on the client all the same). Metadata is recorded as the proxy keeps
it (`_pyroMethods`, `_pyroOneway`, `_pyroAttrs`) and as `Pyro.Daemon.get_metadata` returns it
(with the types the serializer gives). Tracebacks are not part of the transcript; sets are
sorted, the server's port reads PORT.
"""

import re
import sys
import threading
import time

GENERATION, KIND, URI_TEXT = sys.argv[1], sys.argv[2], sys.argv[3]
SHUTDOWN = "--shutdown" in sys.argv[4:]

if GENERATION == "4":
    import Pyro4 as pyro
    import Pyro4.core as core
    import Pyro4.errors as errors
    from Pyro4.core import URI

    SERIALIZERS = ["serpent", "json", "marshal", "msgpack", "pickle"]

    def batch(proxy):
        return pyro.batch(proxy)
else:
    import Pyro5.api
    import Pyro5.client as core
    import Pyro5.errors as errors
    from Pyro5.core import URI

    SERIALIZERS = ["serpent", "json", "marshal", "msgpack"]

    def batch(proxy):
        return Pyro5.api.BatchProxy(proxy)

PORT = str(URI(URI_TEXT).port)
SENT = []  # the method names this process's proxies sent, in order
lines = []


class Proxy(core.Proxy):
    """Pyro's proxy, noting every INVOKE it sends (a call it refuses locally sends none)."""

    def _pyroInvoke(self, methodname, *args, **kwargs):
        SENT.append(methodname)
        return super()._pyroInvoke(methodname, *args, **kwargs)


def canon(v):
    if isinstance(v, URI):
        return "URI(%s)" % v
    if isinstance(v, dict):
        return "{" + ", ".join("%s: %s" % (canon(k), canon(v[k])) for k in sorted(v, key=repr)) + "}"
    if isinstance(v, frozenset):
        return "frozenset{" + ", ".join(sorted(canon(x) for x in v)) + "}"
    if isinstance(v, set):
        return "set{" + ", ".join(sorted(canon(x) for x in v)) + "}"
    if isinstance(v, tuple):
        return "(" + ", ".join(canon(x) for x in v) + ")"
    if isinstance(v, list):
        items = [canon(x) for x in v]
        if v and all(isinstance(x, str) for x in v):
            # Sets travel as lists in json and msgpack (and Pyro4's name server sends its tags
            # as lists), in the sender's set order: a list of only str is sorted here.
            items.sort()
        return "[" + ", ".join(items) + "]"
    if isinstance(v, core.Proxy):
        return "Proxy(%s)" % v._pyroUri
    return repr(v)


def outcome(run):
    """'-> result' or '!! module.Class: text' (Pyro's remote traceback is left out)."""
    try:
        return "-> " + canon(run())
    except Exception as e:  # the transcript records every exception the same way
        return "!! %s.%s: %s" % (type(e).__module__, type(e).__name__, e)


def record(ser, label, run):
    before = len(SENT)
    result = outcome(run)
    where = "invoked" if len(SENT) > before else "local"
    lines.append("[%s] %s %s %s" % (ser, label, where, result))


def proxy_for(ser, uri=URI_TEXT):
    proxy = Proxy(uri)
    proxy._pyroSerializer = ser
    proxy._pyroTimeout = 30  # a server that stops answering fails the run instead of hanging it
    return proxy


def metadata(ser, proxy, object_id):
    """The metadata as the proxy keeps it after connecting, and as the daemon object sends it."""
    lines.append("[%s] proxy methods %s" % (ser, canon(set(proxy._pyroMethods))))
    lines.append("[%s] proxy oneway %s" % (ser, canon(set(proxy._pyroOneway))))
    lines.append("[%s] proxy attrs %s" % (ser, canon(set(proxy._pyroAttrs))))
    with proxy_for(ser, "PYRO:Pyro.Daemon@%s:%s" % (URI(URI_TEXT).host, PORT)) as daemon:
        daemon._pyroBind()

        def get_metadata():
            meta = daemon._pyroInvoke("get_metadata", (object_id,), {})
            # The container types are what the serializer made of Python's sets.
            return {k: (type(v).__name__, v) for k, v in meta.items()}

        record(ser, "Pyro.Daemon.get_metadata", get_metadata)
        if GENERATION == "4":
            record(ser, "Pyro.Daemon.get_metadata as_lists",
                   lambda: daemon._pyroInvoke("get_metadata", (object_id, True), {}))
        record(ser, "Pyro.Daemon.ping", daemon.ping)
        record(ser, "Pyro.Daemon.registered", lambda: sorted(daemon.registered()))


def raw(ser, proxy, method, *args, **kwargs):
    """A call the proxy sends whatever its metadata says: the server's own answer."""
    record(ser, "raw %s%r%s" % (method, args, kwargs or ""),
           lambda: proxy._pyroInvoke(method, args, kwargs))


def echo_calls(ser, p):
    values = ["hello", 42, -7, 2 ** 70, 1.5, None, True, [1, "two"], (1, 2), {"a": 1, 2: "b"},
              "unicode \u263a", b"bytes\x00\xff", {1, 2, 3}]
    for v in values:
        record(ser, "echo(%r)" % (v,), lambda v=v: p.echo(v))
    record(ser, "echo(message=kw)", lambda: p.echo(message="kw"))
    record(ser, "echo()", lambda: p.echo())
    record(ser, "echo(1, 2)", lambda: p.echo(1, 2))
    record(ser, "echo(msg=1)", lambda: p.echo(msg=1))
    record(ser, "error()", p.error)
    record(ser, "error(1)", lambda: p.error(1))
    record(ser, "error_with_text()", p.error_with_text)
    record(ser, "oneway_echo('x')", lambda: p.oneway_echo("x"))
    record(ser, "generator()", lambda: tuple(p.generator()))
    record(ser, "nan()", p.nan)
    record(ser, "inf()", p.inf)
    record(ser, "__dunder__()", lambda: p.__dunder__())
    record(ser, "oneway_slow()", p.oneway_slow)
    # Names the proxy refuses by itself, then the server's answer to the same names.
    record(ser, "_private()", lambda: p._private())
    record(ser, "__private()", lambda: getattr(p, "__private")())
    record(ser, "nosuch()", lambda: p.nosuch())
    for method in ["_private", "__private", "_EchoServer__private", "nosuch", "__dunder__",
                   "shutdown_", "__init__", "__class__"]:
        raw(ser, p, method)
    # The property.
    record(ser, "get verbose", lambda: p.verbose)
    record(ser, "set verbose = 1", lambda: setattr(p, "verbose", 1))
    record(ser, "get verbose", lambda: p.verbose)
    record(ser, "set verbose = ''", lambda: setattr(p, "verbose", ""))
    record(ser, "get verbose", lambda: p.verbose)
    record(ser, "get nosuch", lambda: p.nosuch_attr)
    # Pyro5's proxy refuses it; Pyro4's sets an attribute of the proxy itself.
    record(ser, "set nosuch", lambda: setattr(p, "nosuch_attr", 1))
    for method, args in [("__getattr__", ("verbose",)), ("__getattr__", ("_verbose",)),
                         ("__getattr__", ("_private",)), ("__getattr__", ("__dunder__",)),
                         ("__getattr__", ("_must_shutdown",)), ("__getattr__", ("echo",)),
                         ("__getattr__", ("nosuch",)), ("__setattr__", ("verbose", 0)),
                         ("__setattr__", ("_verbose", 1)), ("__setattr__", ("echo", 1)),
                         ("__setattr__", ("nosuch", 1))]:
        raw(ser, p, method, *args)
    # A batch stops at the first exception.
    def batched():
        b = batch(p)
        b.echo(1)
        b.nan()
        b.error()
        b.echo(2)
        results = []
        try:
            for r in b():
                results.append(r)
        except Exception as e:
            results.append("%s.%s: %s" % (type(e).__module__, type(e).__name__, e))
        return results
    record(ser, "batch", batched)


def ns_calls(ser, p):
    name = "faithful.%s" % ser
    record(ser, "ping()", p.ping)
    record(ser, "count()", lambda: type(p.count()).__name__)
    record(ser, "register", lambda: p.register(name, "PYRO:x@127.0.0.1:1", metadata={"t1", "t2"}))
    record(ser, "register safe", lambda: p.register(name, "PYRO:y@127.0.0.1:2", safe=True))
    record(ser, "lookup", lambda: p.lookup(name))
    record(ser, "lookup meta", lambda: p.lookup(name, return_metadata=True))
    record(ser, "list prefix", lambda: p.list(prefix=name))
    record(ser, "list prefix meta", lambda: p.list(prefix=name, return_metadata=True))
    record(ser, "list regex", lambda: p.list(regex=r"faithful\..*"))
    record(ser, "set_metadata", lambda: p.set_metadata(name, {"t3"}))
    record(ser, "yplookup meta_all", lambda: p.yplookup(meta_all={"t3"}))
    record(ser, "yplookup meta_any", lambda: p.yplookup(meta_any={"t3", "zz"}, return_metadata=False))
    record(ser, "list metadata_all", lambda: p.list(metadata_all={"t3"}))
    record(ser, "list metadata_any", lambda: p.list(metadata_any={"t3"}, return_metadata=True))
    record(ser, "lookup missing", lambda: p.lookup("faithful.none"))
    record(ser, "remove", lambda: p.remove(name))
    record(ser, "remove prefix", lambda: p.remove(prefix="faithful.none."))
    record(ser, "count()", lambda: type(p.count()).__name__)
    record(ser, "nosuch()", lambda: p.nosuch())
    record(ser, "_private()", lambda: p._private())
    record(ser, "get nosuch", lambda: p.nosuch_attr)
    for method in ["yplookup", "nosuch", "_private", "__init__"]:
        raw(ser, p, method)
    for name in ["yplookup", "lookup", "nosuch", "_private"]:
        raw(ser, p, "__getattr__", name)
        raw(ser, p, "__setattr__", name, None)


def shutdown():
    with proxy_for(SERIALIZERS[0]) as p:
        record(SERIALIZERS[0], "shutdown()", p.shutdown)
    # The server ends its loop: a new connection is refused within a few seconds.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with proxy_for(SERIALIZERS[0]) as p:
                p._pyroTimeout = 1
                p._pyroBind()
            time.sleep(0.1)
        except errors.CommunicationError:
            lines.append("after shutdown: the server is gone")
            return
    lines.append("after shutdown: the server still answers")


def main():
    object_id = URI(URI_TEXT).object
    slow = []
    if KIND == "echo":
        # slow() takes 5 s; it runs beside the rest (Python's multiplexed echo server is
        # blocked meanwhile, its other clients just wait).
        def call_slow():
            with proxy_for("serpent") as p:
                slow.append(outcome(p.slow))
        slow_thread = threading.Thread(target=call_slow)
        slow_thread.start()
    for ser in SERIALIZERS:
        with proxy_for(ser) as p:
            try:
                p._pyroBind()
            except errors.CommunicationError as e:  # a serializer the server refuses
                lines.append("[%s] refused: %s.%s: %s" % (ser, type(e).__module__, type(e).__name__, e))
                continue
            metadata(ser, p, object_id)
            if KIND == "echo":
                echo_calls(ser, p)
            else:
                ns_calls(ser, p)
    if KIND == "echo":
        slow_thread.join(60)
        lines.append("[serpent] slow() invoked %s" % (slow[0] if slow else "did not answer in 60 s"))
        if SHUTDOWN:
            shutdown()
    print(re.sub(r"\b%s\b" % PORT, "PORT", "\n".join(lines)))


if __name__ == "__main__":
    main()

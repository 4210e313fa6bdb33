"""Checks item streaming, batches and the call context against a pyroxene daemon serving the
test object of crates/pyroxene/tests/support/callmodel.rs, with the real Pyro5 proxy.

Usage: python pyro5_callmodel_client.py MODE URI SERIALIZER [ARG]

Modes:
  stream     echo's generator (ARG: the echo server's URI), count(n), early close (the
             daemon drops the source), a raising generator, the ended stream is terminated
  off        the daemon has ITER_STREAMING off: ProtocolError with Python's text
  lifetime   the daemon has a short ITER_STREAM_LIFETIME: a stream ends as "terminated"
  batch      results in order, an error stops the rest, unknown method fails the request,
             oneway batch
  context    current_context seen by a Rust method (annotations both ways, correlation id);
             ARG: the URI of a Python object with correlation(): a nested call from the Rust
             method carries our correlation id

Prints one line per failed check, then "N passed, M failed"; exit status 0 only if all passed.
"""
import os
import sys
import time
import uuid

from harness import check, finish

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
import Pyro5.api  # noqa: E402
import Pyro5.errors  # noqa: E402
from Pyro5.api import current_context  # noqa: E402

mode, uri, serializer = sys.argv[1], sys.argv[2], sys.argv[3]
arg = sys.argv[4] if len(sys.argv) > 4 else None
Pyro5.config.SERIALIZER = serializer


def raises(fn):
    """(class name, text) of what fn() raised, or None."""
    try:
        fn()
    except Exception as e:
        return type(e).__name__, str(e)
    return None


def eventually(fn, bound=3000):
    """Polls fn() every 10 ms until true (an event wait; the bound only stops a hang)."""
    for _ in range(bound):
        if fn():
            return True
        time.sleep(0.01)
    return False


def mode_stream():
    with Pyro5.api.Proxy(arg) as echo:
        check("echo generator", list(echo.generator()) == ["one", "two", "three"])
    with Pyro5.api.Proxy(uri) as p:
        it = p.count(5)
        check("stream result type", type(it).__name__ == "_StreamResultIterator", type(it))
        check("count", list(it) == [0, 1, 2, 3, 4])
        check("blocking source", list(p.count_blocking(3)) == [0, 1, 2])
        check("async source", list(p.count_async(2)) == ["item 0", "item 1"])
        dropped = p.dropped()
        it = p.count(1000)
        check("first item", next(it) == 0)
        it.close()  # oneway close_stream
        check("early close drops the source", eventually(lambda: p.dropped() == dropped + 1))
        it = p.failing()
        check("failing first", next(it) == 1)
        got = raises(lambda: next(it))
        check("generator error", got == ("ValueError", "bad item"), got)
        it = p.count(1)
        list(it)
        got = raises(lambda: p._pyroInvoke("get_next_stream_item", [it.streamId], {},
                                           objectId="Pyro.Daemon"))
        check("ended stream terminated", got == ("PyroError", "item stream terminated"), got)


def mode_off():
    with Pyro5.api.Proxy(uri) as p:
        got = raises(lambda: p.count(3))
        check("streaming off", got == ("ProtocolError", "result of call is an iterator, but the "
                                       "server is not configured to allow streaming"), got)
        check("still usable", p.add(1, 2) == 3)


def mode_lifetime():
    with Pyro5.api.Proxy(uri) as p:
        it = p.count(100000)
        check("first", next(it) == 0)
        ended = []

        def expired():
            try:
                next(it)
                return False
            except Pyro5.errors.PyroError as e:
                ended.append(str(e))
                return True
        check("lifetime ends the stream", eventually(expired) and ended == ["item stream terminated"],
              ended)


def mode_batch():
    with Pyro5.api.Proxy(uri) as p:
        before = len(p.remembered())  # the object is shared by the runs of every serializer
        batch = Pyro5.api.BatchProxy(p)
        batch.add(1, 2)
        batch.remember("a")
        batch.add(3, 4)
        check("batch results", list(batch()) == [3, None, 7])
        batch.add(1, 1)
        batch.fail()
        batch.remember("never")
        results = batch()
        check("first result", next(results) == 2)
        got = raises(lambda: next(results))
        check("error raised at its place", got == ("ValueError", "boom"), got)
        batch.add(1, 1)
        batch.nope()
        got = raises(lambda: batch())
        check("unknown method fails the request",
              got == ("AttributeError", "'CallModel' object has no attribute 'nope'"), got)
        batch = Pyro5.api.BatchProxy(p)  # a failed request leaves its calls queued
        batch.remember("b")
        batch.remember("c")
        check("oneway batch returns None", batch(oneway=True) is None)
        check("oneway batch ran", eventually(lambda: p.remembered()[before:] == ["a", "b", "c"]),
              p.remembered())


def mode_context():
    cid = uuid.uuid4()
    current_context.correlation_id = cid
    current_context.annotations = {"XREQ": b"hi"}
    with Pyro5.api.Proxy(uri) as p:
        seen = p.context()
        check("annotations in", seen["annotations"] == {"XREQ": "hi"}, seen)
        check("correlation id", seen["correlation_id"] == cid.hex, seen)
        check("serializer", seen["serializer"] == serializer, seen)
        check("client address", seen["client"].startswith("127.0.0.1:"), seen)
        check("seq", seen["seq"] == p._pyroSeq, seen)
        check("annotations out", bytes(current_context.response_annotations.get("XREQ", b"")) == b"re:hi",
              current_context.response_annotations)
        check("nested call carries the id (sync method)", p.relay(arg) == cid.hex)
        check("nested call carries the id (async method)", p.relay_async(arg) == cid.hex)


{"stream": mode_stream, "off": mode_off, "lifetime": mode_lifetime, "batch": mode_batch,
 "context": mode_context}[mode]()
finish()

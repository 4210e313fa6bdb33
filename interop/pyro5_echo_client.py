"""Drives an echo server (Rust's `pyroxene echo` or Python's) with a real Pyro5 proxy.

Usage: python pyro5_echo_client.py URI SERIALIZER

Runs every check below and prints one line per failure, then "N passed, M failed". Exit status 0
only when everything passed.
"""
import math
import os
import sys

from harness import check, finish
import time

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
import Pyro5.api  # noqa: E402
import Pyro5.errors  # noqa: E402

uri, serializer = sys.argv[1], sys.argv[2]
Pyro5.config.SERIALIZER = serializer


def expect_echo(proxy, value, expected=None):
    expected = value if expected is None else expected
    try:
        got = proxy.echo(value)
    except Exception as e:  # any failure is a failed check
        check("echo %r" % (value,), False, "raised %r" % e)
        return
    same = got == expected or (isinstance(got, float) and isinstance(expected, float)
                               and math.isnan(got) and math.isnan(expected))
    check("echo %r" % (value,), same, "got %r" % (got,))


with Pyro5.api.Proxy(uri) as p:
    p._pyroBind()
    check("metadata methods", {"echo", "error", "slow", "oneway_echo", "__dunder__", "shutdown"} <= p._pyroMethods,
          repr(p._pyroMethods))
    check("metadata oneway", p._pyroOneway == {"oneway_echo", "oneway_slow"}, repr(p._pyroOneway))
    check("metadata attrs", p._pyroAttrs == {"verbose"}, repr(p._pyroAttrs))
    json_like = serializer in ("json", "msgpack")
    values = [None, True, False, 0, 42, -1, 2 ** 31, 2 ** 63 - 1, -2 ** 63, 2 ** 64, -(10 ** 30), 3.14, -0.0,
              1e300, 5e-324, "", "hello", "it's \"quoted\"", "unicode é€☃ 😀", "ctrl \x00\x01\t\n",
              [], [1, [2, [3]]], {"a": 1, "b": [1, 2, {"x": None}]}, float("inf"), float("-inf")]
    for v in values:
        expect_echo(p, v)
    expect_echo(p, float("nan"))
    expect_echo(p, (1, "a", None), [1, "a", None] if json_like else (1, "a", None))
    if serializer != "json":
        expect_echo(p, 1 + 2j)
    if serializer == "serpent":
        expect_echo(p, b"\x00\x01binary", {"data": "AAFiaW5hcnk=", "encoding": "base64"})
        expect_echo(p, {1, 2, 3})
    elif serializer in ("marshal", "msgpack"):
        expect_echo(p, b"\x00\x01binary")
    if serializer in ("serpent", "marshal"):
        expect_echo(p, {(1, 2): "tuple key", 3: "int key"})
    check("nan()", math.isnan(p.nan()))
    check("inf()", p.inf() == float("inf"))
    try:
        p.error()
        check("error()", False, "no exception")
    except ValueError as e:
        check("error() class+text", str(e) == "this is the generated error from echoserver echo() method", str(e))
        tb = "".join(Pyro5.errors.get_pyro_traceback())
        check("remote traceback", "Remote traceback" in tb and "ValueError" in tb, tb)
    try:
        p.error_with_text()
        check("error_with_text()", False, "no exception")
    except ValueError as e:
        check("error_with_text() text", str(e) == "the message of the error", str(e))
    start = time.time()
    check("oneway_echo returns None", p.oneway_echo("x") is None)
    check("oneway_slow doesn't wait", p.oneway_slow() is None and time.time() - start < 2.0)
    check("__dunder__", p.__dunder__() == "should be allowed (dunder)")
    try:
        p._pyroInvoke("_private", (), {})
        check("_private refused", False, "no exception")
    except AttributeError as e:
        check("_private refused", "attempt to access private attribute '_private'" in str(e), str(e))
    try:
        p.nonexisting()
        check("unknown method", False, "no exception")
    except AttributeError as e:
        check("unknown method (client-side)", "no exposed attribute or method" in str(e), str(e))
    try:
        p._pyroInvoke("nonexisting", (), {})
        check("unknown method (server)", False, "no exception")
    except AttributeError as e:
        check("unknown method (server)", "has no attribute 'nonexisting'" in str(e), str(e))
    if serializer != "marshal":  # Pyro's marshal can't do attribute access (kwargs None)
        check("verbose get", p.verbose is False)
        p.verbose = True
        check("verbose set", p.verbose is True)
        p.verbose = False
    daemon = Pyro5.api.Proxy(uri.replace("test.echoserver", "Pyro.Daemon", 1))
    check("daemon ping", daemon.ping() is None)
    registered = daemon.registered()
    check("daemon registered", set(registered) == {"Pyro.Daemon", "test.echoserver"}, repr(registered))
    meta = daemon.get_metadata("test.echoserver")
    check("daemon get_metadata", "echo" in meta["methods"], repr(meta))
    daemon._pyroRelease()

# a timeout on a slow call, on its own proxy
with Pyro5.api.Proxy(uri) as slow:
    slow._pyroTimeout = 1.0
    try:
        slow.slow()
        check("timeout", False, "no timeout")
    except Pyro5.errors.TimeoutError:
        check("timeout", True)

finish()

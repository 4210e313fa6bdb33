"""Checks one Pyro5 feature against a daemon (Rust's or Python's) with the real Pyro5 proxy.

Usage: python pyro5_feature_client.py MODE URI SERIALIZER [ARG]

Modes:
  call         echo a few values; ARG is the expected socket family (IPv4, IPv6, Unix)
  compression  large echo values with PYRO_COMPRESSION=true (set by the caller); checks that
               big replies arrived compressed and small ones did not
  refused      SERIALIZER is refused by the daemon, ARG is one it accepts: connect fails with
               CONNECTFAIL, a call in the refused serializer raises SerializeError
  rejected     the daemon's handshake validator refuses; ARG is the expected refusal text
  handshake    sends handshake data {"token": "secret", "user": "python"}; the validator's
               answer must reach _pyroValidateHandshake as {"welcome": "python", "token_ok": True}
  context      annotations out and in, correlation id round trip (object test.context)
  idle-close   the daemon closes idle connections (COMMTIMEOUT): the next call raises
               ConnectionClosedError, the one after reconnects; with MAX_RETRIES=1 the
               call after an idle close succeeds

Prints one line per failed check, then "N passed, M failed"; exit status 0 only if all passed.
"""
import os
import select
import sys

from harness import check, finish
import uuid

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
import Pyro5.api  # noqa: E402
import Pyro5.errors  # noqa: E402
import Pyro5.protocol  # noqa: E402
from Pyro5.api import current_context  # noqa: E402

mode, uri, serializer = sys.argv[1], sys.argv[2], sys.argv[3]
arg = sys.argv[4] if len(sys.argv) > 4 else None
Pyro5.config.SERIALIZER = serializer


def expect_raises(name, cls, text, fn):
    try:
        got = fn()
        check(name, False, "no exception, got %r" % (got,))
    except cls as e:
        check(name, text in str(e), "%s: %s" % (type(e).__name__, e))
    except Exception as e:  # the wrong exception class
        check(name, False, "raised %s: %s" % (type(e).__name__, e))


def wait_for_close(proxy):
    """Blocks until the daemon closes the proxy's connection (an event, not a duration; the 30 s
    bound only turns a daemon that never closes into a failed check instead of a hang)."""
    sock = proxy._pyroConnection.sock
    readable, _, _ = select.select([sock], [], [], 30)
    return bool(readable) and sock.recv(1) == b""


def mode_call():
    with Pyro5.api.Proxy(uri) as p:
        check("echo str", p.echo("hello") == "hello")
        check("echo big int", p.echo(2 ** 70) == 2 ** 70)
        check("echo list", p.echo([1, "two", None]) == [1, "two", None])
        family = p._pyroConnection.family()
        check("socket family", family == arg, family)


def mode_compression():
    check("PYRO_COMPRESSION is on", Pyro5.config.COMPRESSION is True)
    compressed = []
    add_payload = Pyro5.protocol.ReceivingMessage.add_payload

    def recording(self, payload):
        compressed.append(bool(self.flags & Pyro5.protocol.FLAGS_COMPRESSED))
        add_payload(self, payload)

    Pyro5.protocol.ReceivingMessage.add_payload = recording
    with Pyro5.api.Proxy(uri) as p:
        p._pyroBind()
        values = ["x" * 1_000_000, "unicode é€☃ 😀 " * 5000, list(range(20000)),
                  {"k%d" % i: [i, str(i)] for i in range(2000)}]
        if serializer in ("marshal", "msgpack"):
            values.append(bytes(range(256)) * 1000)
        for v in values:
            del compressed[:]
            got = p.echo(v)
            check("echo %s of %d" % (type(v).__name__, len(v)), got == v)
            check("reply compressed (%s)" % type(v).__name__, compressed == [True], repr(compressed))
        del compressed[:]
        check("echo small", p.echo(1) == 1)
        check("small reply not compressed", compressed == [False], repr(compressed))


def mode_refused():
    p = Pyro5.api.Proxy(uri)
    expect_raises("connect in a refused serializer", Pyro5.errors.CommunicationError,
                  "rejected: message used serializer that is not accepted: %d"
                  % Pyro5.serializers.serializers[serializer].serializer_id, p._pyroBind)
    p._pyroRelease()
    with Pyro5.api.Proxy(uri) as ok:
        ok._pyroSerializer = arg
        check("accepted serializer works", ok.echo("fine") == "fine")
        ok._pyroSerializer = serializer
        expect_raises("call in a refused serializer", Pyro5.errors.SerializeError,
                      "message used serializer that is not accepted: %d"
                      % Pyro5.serializers.serializers[serializer].serializer_id, lambda: ok.echo(1))
        ok._pyroSerializer = arg
        check("connection still usable", ok.echo(2) == 2)


def mode_rejected():
    p = Pyro5.api.Proxy(uri)
    expect_raises("handshake refused", Pyro5.errors.CommunicationError, "rejected: " + arg, p._pyroBind)
    try:
        p._pyroBind()
    except Pyro5.errors.CommunicationError as e:
        check("refusal wording", str(e).startswith("connection to ") and str(e).endswith(" rejected: " + arg), str(e))
    p._pyroRelease()


seen_handshakes = []


class ValidatingProxy(Pyro5.api.Proxy):
    def _pyroValidateHandshake(self, response):
        seen_handshakes.append(response)  # (a proxy refuses new attributes on itself)


def mode_handshake():
    with ValidatingProxy(uri) as p:
        p._pyroHandshake = {"token": "secret", "user": "python"}
        check("echo after handshake", p.echo("in") == "in")
        expected = [{"welcome": "python", "token_ok": True}]
        check("handshake response", seen_handshakes == expected, repr(seen_handshakes))


def mode_context():
    with Pyro5.api.Proxy(uri) as p:
        corr = uuid.uuid4()
        current_context.correlation_id = corr
        current_context.annotations = {"XREQ": b"python-data", "XTWO": b"2"}
        result = p.echo_annotations()
        check("daemon saw the annotations", result["annotations"] == {"XREQ": "python-data", "XTWO": "2"},
              repr(result))
        check("daemon saw the correlation id", result["correlation_id"] == corr.hex, repr(result))
        got = {k: bytes(v) for k, v in current_context.response_annotations.items()}
        check("response annotations", got == {"XREQ": b"re:python-data", "XTWO": b"re:2"}, repr(got))
        p._pyroRawWireResponse = True
        msg = p.echo_annotations()
        p._pyroRawWireResponse = False
        check("reply flags CORR_ID", bool(msg.flags & Pyro5.protocol.FLAGS_CORR_ID), repr(msg.flags))
        check("reply carries the request's correlation id", uuid.UUID(bytes=bytes(msg.corr_id)) == corr,
              repr(bytes(msg.corr_id)))
        current_context.correlation_id = None
        current_context.annotations = {}
        first = p.echo_annotations()
        second = p.echo_annotations()
        check("no annotations sent", first["annotations"] == {}, repr(first))
        check("no response annotations", dict(current_context.response_annotations) == {},
              repr(current_context.response_annotations))
        check("daemon makes a correlation id per call",
              len(first["correlation_id"]) == 32 and first["correlation_id"] != second["correlation_id"],
              "%r %r" % (first, second))


def mode_idle_close():
    p = Pyro5.api.Proxy(uri)
    check("first call", p.echo(1) == 1)
    check("daemon closed the idle connection", wait_for_close(p))
    expect_raises("call on the closed connection", Pyro5.errors.ConnectionClosedError, "", lambda: p.echo(2))
    check("next call reconnects", p.echo(3) == 3)
    p._pyroRelease()
    q = Pyro5.api.Proxy(uri)
    q._pyroMaxRetries = 1
    check("first call (retries)", q.echo(1) == 1)
    check("daemon closed the idle connection (retries)", wait_for_close(q))
    check("MAX_RETRIES=1 call after the close", q.echo(4) == 4)
    q._pyroRelease()


{"call": mode_call, "compression": mode_compression, "refused": mode_refused, "rejected": mode_rejected,
 "handshake": mode_handshake, "context": mode_context, "idle-close": mode_idle_close}[mode]()
finish()

"""Captures the Pyro5 wire vectors: python capture_pyro5.py OUTDIR (writes OUTDIR/pyro5/).

A real Pyro5 5.17 proxy talks to a real Pyro5 daemon (Pyro5's echo server and objects5.Special)
and name server through a recording relay (wirelog.Relay), scenario after scenario; raw
scenarios send hand-made bytes straight to the daemon. Run through scripts/capture-vectors.sh,
which sets PYTHONHASHSEED=0 and TZ=UTC; uuid.uuid4 is seeded here (one generator for the
whole run, as daemon and client share this process).
"""
import datetime
import decimal
import os
import struct
import sys
import threading
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import wirelog  # noqa: E402
from client_calls import Calls  # noqa: E402
from recording import Recorder  # noqa: E402

from Pyro5 import config, protocol, serializers  # noqa: E402
from Pyro5.api import BatchProxy, Daemon, Proxy, SerializedBlob, current_context  # noqa: E402
import Pyro5.nameserver  # noqa: E402
import Pyro5.utils.echoserver  # noqa: E402
import serpent  # noqa: E402

import objects5  # noqa: E402

PORTS = {"daemon": 45501, "relay": 45502, "nameserver": 45590, "ns_relay": 45591,
         "broadcast": 45592}
POOL_PORT = 45503   # the one-worker daemon of pool_exhausted (not named in any payload)
SERIALIZERS = ["serpent", "json", "marshal", "msgpack"]
CLIENT = "Pyro5 5.17 client.Proxy"
SERVER = "Pyro5 5.17 server.Daemon"
ECHO = "PYRO:test.echoserver@127.0.0.1:%d" % PORTS["relay"]
SPECIAL = "PYRO:test.special@127.0.0.1:%d" % PORTS["relay"]
DAEMON = "PYRO:Pyro.Daemon@127.0.0.1:%d" % PORTS["relay"]
NAMESERVER = "PYRO:Pyro.NameServer@127.0.0.1:%d" % PORTS["ns_relay"]
CORRELATION_ID = uuid.UUID("11112222-3333-4444-5555-666677778888")

HEADER = {
    "library": "Pyro5 5.17",
    "protocol_version": 502,
    "python": "3.11.7",
    "serpent": "1.43",
    "msgpack": "1.2.4",
    "generated_by": "capture script capture_pyro5.py driving the real Python libraries",
    "determinism": "PYTHONHASHSEED=0, TZ=UTC, uuid.uuid4 replaced by a seeded generator (seed 20240601) in the capturing process (daemon and client run in the same process). In real traffic correlation ids, stream ids and generated object ids are random uuid4 values. Set/dict ordering of str elements depends on the hash seed; marshal FLAG_REF bits depend on CPython reference counts.",
    "layout": "<scenario>.c2s.bin / <scenario>.s2c.bin hold the complete TCP byte stream per direction (<scenario>.conn<k>.* when a scenario used several connections). Every wire message is listed in 'messages' with its file, offset and length; 'order' is the position on the wire within the scenario (requests and replies interleaved).",
    "ports": PORTS,
    "fields": "header = decoded header fields; annotations = chunks in wire order; payload_offset = offset of the payload relative to the message start; payload_text for text serializers (clipped); call/payload_repr = the payload as decoded by Pyro5 itself (Python repr, clipped)",
}

# The values of the echo_<serializer> scenarios, as (label, value). They are literals of this
# script on purpose: marshal sets FLAG_REF on objects with more than one reference, and the
# running script's code object holds one more to each of its constants than an imported
# module's (freed after import) would, so moving them changes bytes of echo_marshal.
ECHO_VALUES = [
    ("str", "hello"), ("int", 42), ("negint", -7), ("bigint", 2 ** 70), ("float", 3.5),
    ("negzero", -0.0), ("inf", float("inf")), ("unicode", "unicode \u263a \u00e9 \u20ac \U0001f600"),
    ("bytes", b"\x00\x01bytes\xff"), ("bytearray", bytearray(b"ba")), ("tuple", (1, "two")),
    ("list", [1, 2, 3]), ("dict", {"a": 1, "b": [1, 2]}), ("intkeydict", {1: "int key"}),
    ("set", {1, 2, 3}), ("none", None), ("bool", True), ("complex", 1 + 2j),
    ("decimal", decimal.Decimal("1.1")),
    ("uuid", uuid.UUID("12345678-1234-5678-1234-567812345678")),
    ("datetime", datetime.datetime(2024, 1, 2, 3, 4, 5)), ("empty_list", []),
    ("empty_dict", {}), ("empty_tuple", ()), ("single_tuple", (1,)),
]


class Lib:
    """Pyro5 for wirelog.describe, recording.Recorder and client_calls.Calls."""
    NAME = "Pyro5"
    framing = wirelog.Framing(5)
    config = config
    current_context = current_context
    Daemon = Daemon
    Proxy = Proxy
    SerializedBlob = SerializedBlob
    EchoServer = Pyro5.utils.echoserver.EchoServer
    POOL_DEFAULTS = (80, 4)
    PORTS = PORTS
    ECHO, SPECIAL, DAEMON, NAMESERVER = ECHO, SPECIAL, DAEMON, NAMESERVER

    @staticmethod
    def batch(proxy):
        return BatchProxy(proxy)

    @staticmethod
    def ping(proxy):
        return protocol.SendingMessage.ping(proxy._pyroConnection)

    @staticmethod
    def serializer_name(sid):
        for name, ser in serializers.serializers.items():
            if ser.serializer_id == sid:
                return name
        return None

    @staticmethod
    def describe_payload(entry, header, payload, annotations):
        try:
            serializer = serializers.serializers_by_id[header["serializer_id"]]
        except Exception as e:
            entry["decode_error"] = wirelog.error_text(e)
            return
        wirelog.describe_decoded(entry, header["msg_type"], payload, serializer)


class VectorDaemon(wirelog.VectorHandshake, Daemon):
    """The daemon of the vectors (see wirelog.VectorHandshake)."""


def yplookups(ns):
    return [("list(return_metadata=True)", lambda: ns.list(None, None, True)),
            ("yplookup(meta_all=['meta1'])", lambda: ns.yplookup(["meta1"])),
            ("yplookup(meta_any=['meta2','x'], return_metadata=False)", lambda: ns.yplookup(None, ["meta2", "x"], False))]


def run(rec, calls):
    relay = wirelog.Relay(PORTS["relay"], PORTS["daemon"], Lib.framing)
    ns_relay = wirelog.Relay(PORTS["ns_relay"], PORTS["nameserver"], Lib.framing)

    def scenario(*args, **kwargs):
        rec.scenario(kwargs.pop("relay", relay), *args, **kwargs)

    for ser in SERIALIZERS:
        scenario("echo_" + ser, "connect (CONNECT/CONNECTOK incl. metadata) then echo() calls with many value types using the %s serializer; see client_log for the call order and outcomes" % ser, ser, lambda log, ser=ser: calls.echo(log, ser))
    for ser in SERIALIZERS:
        scenario("exception_" + ser, "exception results (FLAGS_EXCEPTION) using the %s serializer" % ser, ser, lambda log, ser=ser: calls.exception(log, ser))
    for ser in SERIALIZERS:
        scenario("exception_special_" + ser, "exceptions with custom attributes / Pyro error classes (%s)" % ser, ser, lambda log, ser=ser: calls.exception_special(log, ser))
    scenario("oneway_serpent", "oneway call (FLAGS_ONEWAY, no response) followed by a normal call", "serpent", calls.oneway)
    for ser in SERIALIZERS:
        scenario("batch_" + ser, "batched calls (FLAGS_BATCH); the server stops at the first exception and returns an _ExceptionWrapper; then a oneway batch (FLAGS_BATCH|FLAGS_ONEWAY)", ser, lambda log, ser=ser: calls.batch(log, ser))
    for ser in SERIALIZERS:
        scenario("stream_" + ser, "remote generator: ITEMSTREAMRESULT response with STRM annotation, then Pyro.Daemon.get_next_stream_item() until StopIteration (%s)" % ser, ser, lambda log, ser=ser: calls.stream(log, ser))
    scenario("stream_close_serpent", "remote generator: fetch one item, then close_stream() oneway call on Pyro.Daemon", "serpent", calls.stream_close)
    scenario("stream_error_serpent", "remote generator that raises an exception after the first item", "serpent", calls.stream_error)
    scenario("attributes_serpent", "remote property access via __getattr__/__setattr__ pseudo methods", "serpent", calls.attributes)
    scenario("attributes_special_serpent", "property get/set incl. read-only and unknown properties", "serpent", calls.attributes_special)
    scenario("daemon_object_serpent", "calls on the built-in Pyro.Daemon object", "serpent", calls.daemon_object)
    scenario("ping_serpent", "MSG_PING (type 6) request with payload b'ping' and serializer id 42; reply b'pong'", "serpent", calls.ping)
    scenario("correlation_serpent", "client sets current_context.correlation_id before connecting: header corr id + FLAGS_CORR_ID on every request, echoed by the daemon", "serpent", lambda log: calls.correlation(log, CORRELATION_ID))
    scenario("annotations_serpent", "custom request annotations (XREQ, ABCD) and a custom response annotation (XRSP)", "serpent", calls.annotations)
    scenario("compression_serpent", "COMPRESSION=True on both sides: payloads > 100 bytes are zlib compressed (level 4) with FLAGS_COMPRESSED; the CONNECTOK (metadata) is big enough to be compressed too", "serpent", calls.compression)
    scenario("blob_serpent", "SerializedBlob argument: FLAGS_KEEPSERIALIZED + BLBI annotation (marshal of (info, objectid, method))", "serpent", calls.blob)
    scenario("handshake_custom_serpent", "proxy._pyroHandshake = {'user': 'alice'}; daemon.validateHandshake returns {'welcome': 'alice'}", "serpent", calls.handshake_custom)
    scenario("handshake_reject_serpent", "daemon.validateHandshake raises -> MSG_CONNECTFAIL with the error text", "serpent", calls.handshake_reject)
    scenario("connect_unknown_object_serpent", "CONNECT for an object id the daemon doesn't know -> MSG_CONNECTFAIL", "serpent", calls.connect_unknown)
    scenario("seq_wraparound_serpent", "sequence numbers 65534, 65535, 0 (16 bit wraparound)", "serpent", calls.seq_wraparound)
    for ser in ["serpent", "json", "msgpack", "marshal"]:
        scenario("special_values_" + ser, "URI/Proxy/plain class/misc types as return values, kwargs (%s)" % ser, ser, lambda log, ser=ser: calls.special_values(log, ser))
    for ser in SERIALIZERS:
        scenario("nan_inf_" + ser, "float nan and inf results (%s)" % ser, ser, lambda log, ser=ser: calls.nan_inf(log, ser))
    for ser in SERIALIZERS:
        scenario("nameserver_" + ser, "name server API calls (%s)" % ser, ser, lambda log, ser=ser: calls.nameserver(log, ser, yplookups), relay=ns_relay)
    rec.broadcast_discovery(PORTS["broadcast"])
    daemon = PORTS["daemon"]
    rec.invalid_openings("Pyro5", [
        ("invalid_zeros", "6 zero bytes", b"\x00" * 6, daemon),
        ("invalid_http_get", "an HTTP request", b"GET / HTTP/1.0\r\n\r\n", daemon),
        ("invalid_pyro4_connect", "a real Pyro4 (protocol 48) CONNECT message", pyro4_connect(), daemon),
        ("invalid_bad_magic", "protocol 502 header with a wrong magic number (0x0000)", b"PYRO\x01\xf6" + b"\x00" * 34, daemon),
        ("invalid_unknown_serializer", "CONNECT with serializer id 9 (unknown)", message(protocol.MSG_CONNECT, 9, 0, b"xx"), daemon),
        ("invalid_invoke_before_connect", "INVOKE as first message (no CONNECT handshake first)", message(protocol.MSG_INVOKE, 1, 1, serializers.serializers["serpent"].dumpsCall("test.echoserver", "echo", ("x",), {})), daemon),
        ("invalid_connect_missing_object", "CONNECT whose payload lacks the 'object' key", message(protocol.MSG_CONNECT, 1, 0, serpent.dumps({"handshake": "hello"})), daemon),
    ])
    connect = message(protocol.MSG_CONNECT, 1, 0, serpent.dumps({"handshake": "hello", "object": "test.echoserver"}))
    rec.sessions([
        ("session_second_connect", "CONNECT, then a second CONNECT on the same connection", [connect, connect], daemon),
        ("session_garbage_payload", "CONNECT, then an INVOKE whose serpent payload is not a valid literal", [connect, message(protocol.MSG_INVOKE, 1, 5, b"# serpent utf-8 python3.2\n(((garbage")], daemon),
        ("session_too_large_invoke", "CONNECT, then an INVOKE header announcing 2 GiB of data", [connect, message(protocol.MSG_INVOKE, 1, 1, b"", data_size=2 ** 31)], daemon),
        ("session_too_large_connect", "a CONNECT header announcing 2 GiB of data", [message(protocol.MSG_CONNECT, 1, 0, b"", data_size=2 ** 31)], daemon),
        ("session_bad_compression", "CONNECT, then an INVOKE flagged COMPRESSED whose payload is not zlib data", [connect, message(protocol.MSG_INVOKE, 1, 6, b"xxxxx", flags=protocol.FLAGS_COMPRESSED)], daemon),
        ("session_unknown_serializer_invoke", "CONNECT, then an INVOKE with serializer id 9", [connect, message(protocol.MSG_INVOKE, 9, 1, b"xx")], daemon),
        ("session_ping_seq_serializer", "CONNECT, then PING with seq 1234 and serializer id 42", [connect, message(protocol.MSG_PING, 42, 1234, b"ping")], daemon),
    ])
    rec.pool_exhausted(POOL_PORT, connect)
    rec.idle_connection(daemon)


def message(msgtype, serializer_id, seq, payload, flags=0, data_size=None):
    """A Pyro5 message with a hand-set header (no correlation id)."""
    size = len(payload) if data_size is None else data_size
    return struct.pack("!4sHBBHHII16sHH", b"PYRO", 502, msgtype, serializer_id, flags, seq, size,
                       0, b"\0" * 16, 0, 0x4dc5) + payload


def pyro4_connect():
    """Pyro4's CONNECT as a Pyro4 4.82 proxy sends it (serpent, META_ON_CONNECT), framed the
    way Pyro4's message module frames it."""
    payload = serpent.dumps({"handshake": "hello", "object": "test.echoserver"}, module_in_classname=True)
    flags = 0x10
    checksum = (1 + 48 + len(payload) + 0 + flags + 1 + 0 + 0x34E9) & 0xffff
    return struct.pack("!4sHHHHiHHHH", b"PYRO", 48, 1, flags, 0, len(payload), 1, 0, 0, checksum) + payload


def main():
    outdir = os.path.join(sys.argv[1], "pyro5")
    os.makedirs(outdir, exist_ok=True)
    config.SERVERTYPE = "thread"
    config.POLLTIMEOUT = 0.1
    daemon = VectorDaemon(host="127.0.0.1", port=PORTS["daemon"])
    daemon.register(Pyro5.utils.echoserver.EchoServer(), "test.echoserver")
    daemon.register(objects5.Special(), "test.special")
    threading.Thread(target=daemon.requestLoop, daemon=True).start()
    # start_ns() starts no broadcast responder on loopback: it is made here, on 127.0.0.1.
    _, ns_daemon, _ = Pyro5.nameserver.start_ns(host="127.0.0.1", port=PORTS["nameserver"])
    threading.Thread(target=ns_daemon.requestLoop, daemon=True).start()
    bc_server = Pyro5.nameserver.BroadcastServer(
        ns_daemon.uriFor(ns_daemon.nameserver, nat=False), "127.0.0.1", PORTS["broadcast"])
    bc_server.runInThread()
    wirelog.seed_uuid4()
    rec = Recorder(outdir, Lib, CLIENT, SERVER)
    run(rec, Calls(Lib, ECHO_VALUES))
    wirelog.write_index(os.path.join(outdir, "index.json"), HEADER,
                        {"scenarios": rec.scenarios, "messages": rec.messages})
    daemon.shutdown()
    ns_daemon.shutdown()
    print("pyro5: %d scenarios, %d messages" % (len(rec.scenarios), len(rec.messages)))


if __name__ == "__main__":
    main()

"""Captures the Pyro4 wire vectors: python capture_pyro4.py OUTDIR (writes OUTDIR/pyro4/).

A real Pyro4 4.82 proxy talks to real Pyro4 daemons (Pyro4's echo server and objects4.Special;
one with a HMAC key, one with the default accepted serializers) and name server through
recording relays (wirelog.Relay), scenario after scenario; raw scenarios send hand-made bytes
straight to a daemon. Run through scripts/capture-vectors.sh,
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
from client_calls import Calls, outcome  # noqa: E402
from recording import Recorder  # noqa: E402

import Pyro4  # noqa: E402
from Pyro4 import message, util  # noqa: E402
from Pyro4.configuration import config  # noqa: E402
from Pyro4.core import Daemon, Proxy, SerializedBlob, current_context  # noqa: E402
import Pyro4.naming  # noqa: E402
import Pyro4.test.echoserver  # noqa: E402
import serpent  # noqa: E402

import objects4  # noqa: E402

PORTS = {"daemon": 45401, "relay": 45402, "hmac_daemon": 45411, "hmac_relay": 45412,
         "default_daemon": 45421, "nameserver": 45490, "ns_relay": 45491, "broadcast": 45492}
POOL_PORT = 45403   # the one-worker daemon of pool_exhausted (not named in any payload)
HMAC_KEY = b"pyro-hmac-key"
SERIALIZERS = ["serpent", "json", "marshal", "msgpack", "pickle"]
CLIENT = "Pyro4 4.82 core.Proxy"
SERVER = "Pyro4 4.82 core.Daemon"
ECHO = "PYRO:test.echoserver@127.0.0.1:%d" % PORTS["relay"]
SPECIAL = "PYRO:test.special@127.0.0.1:%d" % PORTS["relay"]
DAEMON = "PYRO:Pyro.Daemon@127.0.0.1:%d" % PORTS["relay"]
NAMESERVER = "PYRO:Pyro.NameServer@127.0.0.1:%d" % PORTS["ns_relay"]
HMAC_URI = "PYRO:test.echoserver@127.0.0.1:%d" % PORTS["hmac_relay"]
CORRELATION_ID = uuid.UUID("11112222-3333-4444-5555-666677778888")

HEADER = {
    "library": "Pyro4 4.82",
    "protocol_version": 48,
    "python": "3.11.7",
    "serpent": "1.43",
    "msgpack": "1.2.4",
    "pickle_protocol": 5,
    "generated_by": "capture script capture_pyro4.py driving the real Python libraries",
    "determinism": "PYTHONHASHSEED=0, TZ=UTC, uuid.uuid4 replaced by a seeded generator (seed 20240601) in the capturing process (daemons and clients run in the same process). In real traffic correlation ids (CORR annotation), stream ids and generated object ids are random uuid4 values. Set ordering of str elements depends on the hash seed; marshal FLAG_REF bits depend on CPython reference counts.",
    "hmac_key": "pyro-hmac-key",
    "layout": "<scenario>.c2s.bin / <scenario>.s2c.bin hold the complete TCP byte stream per direction (<scenario>.conn<k>.* when a scenario used several connections). Every wire message is listed in 'messages' with its file, offset and length; 'order' is the position on the wire within the scenario (requests and replies interleaved).",
    "ports": PORTS,
    "fields": "header fields decoded; annotations = chunks in wire order; payload_offset = offset of the payload relative to the message start; payload_text for text serializers (clipped); call/payload_repr = the payload as decoded by Pyro4 itself (Python repr, clipped)",
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
    """Pyro4 for wirelog.describe, recording.Recorder and client_calls.Calls."""
    NAME = "Pyro4"
    framing = wirelog.Framing(4)
    config = config
    current_context = current_context
    Daemon = Daemon
    Proxy = Proxy
    SerializedBlob = SerializedBlob
    EchoServer = Pyro4.test.echoserver.EchoServer
    POOL_DEFAULTS = (40, 4)
    PORTS = PORTS
    ECHO, SPECIAL, DAEMON, NAMESERVER = ECHO, SPECIAL, DAEMON, NAMESERVER

    @staticmethod
    def batch(proxy):
        return Pyro4.batch(proxy)

    @staticmethod
    def ping(proxy):
        return message.Message.ping(proxy._pyroConnection)

    @staticmethod
    def serializer_name(sid):
        for name in ("serpent", "json", "marshal", "pickle", "dill", "msgpack", "cloudpickle"):
            try:
                if util.get_serializer(name).serializer_id == sid:
                    return name
            except Exception:
                pass  # a serializer this installation lacks (dill, cloudpickle)
        return None

    @staticmethod
    def describe_payload(entry, header, payload, annotations):
        try:
            serializer = util.get_serializer_by_id(header["serializer_id"])
        except Exception as e:
            entry["decode_error"] = wirelog.error_text(e)
            return
        wirelog.describe_decoded(entry, header["msg_type"], payload, serializer)


class VectorDaemon(wirelog.VectorHandshake, Daemon):
    """The daemon of the vectors (see wirelog.VectorHandshake)."""


def serve(daemon):
    threading.Thread(target=daemon.requestLoop, daemon=True).start()
    return daemon


class Pyro4Calls(Calls):
    """What only Pyro4 has: HMAC keys and METADATA=False."""

    def hmac(self, log):
        with self.proxy(HMAC_URI, "serpent", HMAC_KEY) as p:
            outcome(log, "echo('signed message')", lambda: p.echo("signed message"))
            outcome(log, "error()", p.error)
            # Pyro4 signs the ping but reads the pong without the key: a SecurityError
            outcome(log, "protocol ping message", lambda: message.Message.ping(p._pyroConnection, hmac_key=HMAC_KEY))

    def hmac_echo(self, log, ser):
        with self.proxy(HMAC_URI, ser, HMAC_KEY) as p:
            outcome(log, "echo('signed message')", lambda: p.echo("signed message"))

    def hmac_bind(self, log, uri, key):
        with self.proxy(uri, "serpent", key) as p:
            outcome(log, "_pyroBind()", p._pyroBind)

    def no_metadata(self, log):
        config.METADATA = False
        try:
            with self.proxy(ECHO, "serpent") as p:
                outcome(log, "echo('no metadata')", lambda: p.echo("no metadata"))
        finally:
            config.METADATA = True

    def explicit_metadata(self, log):
        config.METADATA = False
        try:
            with self.proxy(ECHO, "serpent") as p:
                p._pyroBind()
                outcome(log, "_pyroGetMetadata() -> Pyro.Daemon.get_metadata(objectid)", p._pyroGetMetadata)
                outcome(log, "echo('after explicit metadata')", lambda: p.echo("after explicit metadata"))
        finally:
            config.METADATA = True


def metadata_listings(ns):
    return [("list(return_metadata=True)", lambda: ns.list(None, None, None, None, True)),
            ("list(metadata_all=['meta1'])", lambda: ns.list(None, None, ["meta1"])),
            ("list(metadata_any=['meta2','x'], return_metadata=True)", lambda: ns.list(None, None, None, ["meta2", "x"], True))]


def run(rec, calls):
    relay = wirelog.Relay(PORTS["relay"], PORTS["daemon"], Lib.framing)
    hmac_relay = wirelog.Relay(PORTS["hmac_relay"], PORTS["hmac_daemon"], Lib.framing)
    ns_relay = wirelog.Relay(PORTS["ns_relay"], PORTS["nameserver"], Lib.framing)

    def scenario(*args, **kwargs):
        rec.scenario(kwargs.pop("relay", relay), *args, **kwargs)

    for ser in SERIALIZERS:
        scenario("echo_" + ser, "connect (CONNECT with FLAGS_META_ON_CONNECT / CONNECTOK incl. metadata) then echo() calls with many value types using the %s serializer; see client_log for the call order and outcomes" % ser, ser, lambda log, ser=ser: calls.echo(log, ser))
    for ser in SERIALIZERS:
        scenario("exception_" + ser, "exception results (FLAGS_EXCEPTION) using the %s serializer" % ser, ser, lambda log, ser=ser: calls.exception(log, ser))
    for ser in SERIALIZERS:
        scenario("exception_special_" + ser, "exceptions with custom attributes / Pyro error classes (%s)" % ser, ser, lambda log, ser=ser: calls.exception_special(log, ser))
    scenario("oneway_serpent", "oneway call (FLAGS_ONEWAY, no response) followed by a normal call", "serpent", calls.oneway)
    for ser in ["serpent", "json", "marshal", "msgpack"]:
        scenario("batch_" + ser, "batched calls (FLAGS_BATCH); the server stops at the first exception and returns a Pyro4.futures._ExceptionWrapper; then a oneway batch (FLAGS_BATCH|FLAGS_ONEWAY)", ser, lambda log, ser=ser: calls.batch(log, ser))
    for ser in ["serpent", "json", "marshal", "msgpack"]:
        scenario("stream_" + ser, "remote generator: ITEMSTREAMRESULT response with STRM annotation, then Pyro.Daemon.get_next_stream_item() until StopIteration (%s)" % ser, ser, lambda log, ser=ser: calls.stream(log, ser))
    scenario("stream_close_serpent", "remote generator: fetch one item, then close_stream() oneway call on Pyro.Daemon", "serpent", calls.stream_close)
    scenario("stream_error_serpent", "remote generator that raises an exception after the first item", "serpent", calls.stream_error)
    scenario("attributes_serpent", "remote property access via __getattr__/__setattr__ pseudo methods", "serpent", calls.attributes)
    scenario("attributes_special_serpent", "property get/set incl. read-only and unknown properties", "serpent", calls.attributes_special)
    scenario("daemon_object_serpent", "calls on the built-in Pyro.Daemon object", "serpent", lambda log: calls.daemon_object(log, as_lists=True))
    scenario("ping_serpent", "MSG_PING (type 6) request with payload b'ping' and serializer id 42; reply b'pong'", "serpent", calls.ping)
    scenario("no_metadata_serpent", "client config METADATA=False: CONNECT without FLAGS_META_ON_CONNECT and without the 'object' key; CONNECTOK carries only the handshake response; no get_metadata call", "serpent", calls.no_metadata)
    scenario("explicit_metadata_serpent", "connect without metadata, then the proxy fetches it with an INVOKE of Pyro.Daemon.get_metadata", "serpent", calls.explicit_metadata)
    scenario("correlation_serpent", "client sets current_context.correlation_id: CORR annotation (16 raw uuid bytes) on every request, echoed by the daemon", "serpent", lambda log: calls.correlation(log, CORRELATION_ID))
    scenario("annotations_serpent", "custom request annotations (XREQ, ABCD) and a custom response annotation (XRSP)", "serpent", lambda log: calls.annotations(log, again=True))
    scenario("compression_serpent", "COMPRESSION=True on both sides: serialized data >= 200 bytes is zlib compressed (default level) when that makes it smaller; FLAGS_COMPRESSED", "serpent", calls.compression)
    scenario("blob_serpent", "SerializedBlob argument: FLAGS_KEEPSERIALIZED + BLBI annotation (marshal of (info, objectid, method))", "serpent", calls.blob)
    scenario("handshake_custom_serpent", "proxy._pyroHandshake = {'user': 'alice'}; daemon.validateHandshake returns {'welcome': 'alice'}", "serpent", calls.handshake_custom)
    scenario("handshake_reject_serpent", "daemon.validateHandshake raises -> MSG_CONNECTFAIL with the error text", "serpent", calls.handshake_reject)
    scenario("connect_unknown_object_serpent", "CONNECT for an object id the daemon doesn't know -> MSG_CONNECTFAIL", "serpent", calls.connect_unknown)
    scenario("seq_wraparound_serpent", "sequence numbers 65534, 65535, 0 (16 bit wraparound)", "serpent", calls.seq_wraparound)
    for ser in ["serpent", "json", "msgpack", "pickle", "marshal"]:
        scenario("special_values_" + ser, "URI/Proxy/plain class/misc types as return values, kwargs (%s)" % ser, ser, lambda log, ser=ser: calls.special_values(log, ser))
    for ser in ["serpent", "json", "marshal", "msgpack"]:
        scenario("nan_inf_" + ser, "float nan and inf results (%s)" % ser, ser, lambda log, ser=ser: calls.nan_inf(log, ser))
    key = HMAC_KEY.decode()
    both = {"client_hmac_key": key, "daemon_hmac_key": key}
    scenario("hmac_serpent", "daemon and proxy share the HMAC key 'pyro-hmac-key': every message carries a HMAC annotation (HMAC-SHA1 over payload + the other annotation values in sorted key order)", "serpent", calls.hmac, relay=hmac_relay, keys=both)
    for ser in ["json", "marshal", "msgpack"]:
        scenario("hmac_" + ser, "HMAC signed connect + echo (%s)" % ser, ser, lambda log, ser=ser: calls.hmac_echo(log, ser), relay=hmac_relay, keys=both)
    scenario("hmac_client_without_key", "proxy without key connects to a daemon that has a HMAC key", "serpent", lambda log: calls.hmac_bind(log, HMAC_URI, None), relay=hmac_relay, keys={"daemon_hmac_key": key})
    scenario("hmac_wrong_key", "proxy with a different HMAC key (b'wrong-key')", "serpent", lambda log: calls.hmac_bind(log, HMAC_URI, b"wrong-key"), relay=hmac_relay, keys={"client_hmac_key": "wrong-key", "daemon_hmac_key": key})
    scenario("hmac_key_to_plain_daemon", "proxy with a HMAC key connects to a daemon without key", "serpent", lambda log: calls.hmac_bind(log, ECHO, HMAC_KEY), keys={"client_hmac_key": key})
    for ser in ["serpent", "json", "marshal", "msgpack"]:
        scenario("nameserver_" + ser, "name server API calls (%s)" % ser, ser, lambda log, ser=ser: calls.nameserver(log, ser, metadata_listings), relay=ns_relay)
    rec.broadcast_discovery(PORTS["broadcast"])
    daemon = PORTS["daemon"]
    connect = connect_message()
    bad_checksum = bytearray(connect)
    bad_checksum[22] ^= 0xff
    rec.invalid_openings("Pyro4", [
        ("invalid_zeros6", "6 zero bytes (less than a header)", b"\x00" * 6, daemon),
        ("invalid_zeros24", "24 zero bytes", b"\x00" * 24, daemon),
        ("invalid_http_get", "an HTTP request (>= 24 bytes)", b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n", daemon),
        ("invalid_pyro5_connect", "a real Pyro5 (protocol 502) CONNECT message", pyro5_connect(), daemon),
        ("invalid_bad_checksum", "protocol 48 CONNECT with a corrupted header checksum", bytes(bad_checksum), daemon),
        ("invalid_unknown_serializer", "CONNECT with serializer id 9 (unknown)", message.Message(message.MSG_CONNECT, b"xx", 9, 0, 0).to_bytes(), daemon),
        ("invalid_serializer_not_accepted", "msgpack CONNECT to a daemon with the default SERIALIZERS_ACCEPTED (serpent,marshal,json)", connect_message("msgpack"), PORTS["default_daemon"]),
        ("invalid_invoke_before_connect", "INVOKE as first message (no CONNECT handshake first)", invoke_message(), daemon),
        ("invalid_ping_before_connect", "PING as first message", message.Message(message.MSG_PING, b"ping", 42, 0, 7).to_bytes(), daemon),
        ("invalid_connect_without_hmac_to_hmac_daemon", "unsigned CONNECT to a daemon with a HMAC key", connect, PORTS["hmac_daemon"]),
    ])
    raw_connect_then_ping(rec)
    rec.sessions([
        ("session_second_connect", "CONNECT, then a second CONNECT on the same connection", [connect, connect], daemon),
        ("session_garbage_payload", "CONNECT, then an INVOKE whose serpent payload is not a valid literal", [connect, message.Message(message.MSG_INVOKE, b"# serpent utf-8 python3.2\n(((garbage", 1, 0, 5).to_bytes()], daemon),
        ("session_bad_compression", "CONNECT, then an INVOKE flagged COMPRESSED whose payload is not zlib data", [connect, message.Message(message.MSG_INVOKE, b"xxxxx", 1, message.FLAGS_COMPRESSED, 6).to_bytes()], daemon),
        ("session_unknown_serializer_invoke", "CONNECT, then an INVOKE with serializer id 9", [connect, message.Message(message.MSG_INVOKE, b"xx", 9, 0, 1).to_bytes()], daemon),
        ("session_ping_seq_serializer", "CONNECT, then PING with seq 1234 and serializer id 42", [connect, message.Message(message.MSG_PING, b"ping", 42, 0, 1234).to_bytes()], daemon),
        ("session_hmac_unsigned_invoke", "signed CONNECT to the HMAC daemon, then an unsigned INVOKE", [connect_message(hmac_key=HMAC_KEY), invoke_message()], PORTS["hmac_daemon"]),
    ])
    rec.pool_exhausted(POOL_PORT, connect)
    rec.idle_connection(daemon)


def raw_connect_then_ping(rec):
    name = "raw_connect_then_ping"
    connect = connect_message()
    ping = message.Message(message.MSG_PING, b"ping", 42, 0, 7).to_bytes()
    (connectok, _), (pong, _) = rec.exchange([connect, ping], PORTS["daemon"])
    files = [name + ".c2s-connect.bin", name + ".s2c-connectok.bin", name + ".c2s-ping.bin", name + ".s2c-pong.bin"]
    for file, data, direction, note in zip(files, [connect, connectok, ping, pong], ["client->server", "server->client"] * 2, ["CONNECT", "CONNECTOK", "PING seq 7", "PING reply"]):
        rec.write(file, data)
        rec.raw_message(name, file, data, direction, note)
    rec.raw(name, "raw CONNECT (serpent, FLAGS_META_ON_CONNECT), CONNECTOK, then a PING with seq 7 and serializer id 42 -> PING reply 'pong' with the same seq and serializer id", files)


def connect_message(ser="serpent", hmac_key=None):
    """The CONNECT a Pyro4 proxy sends (META_ON_CONNECT, handshake 'hello')."""
    serializer = util.get_serializer(ser)
    data, _ = serializer.serializeData({"handshake": "hello", "object": "test.echoserver"})
    return message.Message(message.MSG_CONNECT, data, serializer.serializer_id,
                           message.FLAGS_META_ON_CONNECT, 0, hmac_key=hmac_key).to_bytes()


def invoke_message():
    data, _ = util.get_serializer("serpent").serializeCall("test.echoserver", "echo", ("x",), {})
    return message.Message(message.MSG_INVOKE, data, 1, 0, 1).to_bytes()


def pyro5_connect():
    """Pyro5's CONNECT as a Pyro5 5.17 proxy sends it (serpent, no correlation id)."""
    payload = serpent.dumps({"handshake": "hello", "object": "test.echoserver"}, module_in_classname=True)
    return struct.pack("!4sHBBHHII16sHH", b"PYRO", 502, 1, 1, 0, 0, len(payload), 0, b"\0" * 16,
                       0, 0x4dc5) + payload


def main():
    outdir = os.path.join(sys.argv[1], "pyro4")
    os.makedirs(outdir, exist_ok=True)
    config.SERVERTYPE = "thread"
    config.POLLTIMEOUT = 0.1
    config.COMMTIMEOUT = 5.0  # a bound on every wait; autoproxied Proxy states carry it
    # The default daemon keeps Pyro4's default SERIALIZERS_ACCEPTED; the others take all five.
    default_daemon = serve(VectorDaemon(host="127.0.0.1", port=PORTS["default_daemon"]))
    default_daemon.register(Pyro4.test.echoserver.EchoServer(), "test.echoserver")
    config.SERIALIZERS_ACCEPTED = {"serpent", "json", "marshal", "msgpack", "pickle"}
    daemon = serve(VectorDaemon(host="127.0.0.1", port=PORTS["daemon"]))
    daemon.register(Pyro4.test.echoserver.EchoServer(), "test.echoserver")
    daemon.register(objects4.Special(), "test.special")
    hmac_daemon = VectorDaemon(host="127.0.0.1", port=PORTS["hmac_daemon"])
    hmac_daemon._pyroHmacKey = HMAC_KEY
    hmac_daemon.register(Pyro4.test.echoserver.EchoServer(), "test.echoserver")
    serve(hmac_daemon)
    # startNS() starts no broadcast responder on loopback: it is made here, on 127.0.0.1.
    _, ns_daemon, _ = Pyro4.naming.startNS(host="127.0.0.1", port=PORTS["nameserver"])
    serve(ns_daemon)
    bc_server = Pyro4.naming.BroadcastServer(
        ns_daemon.uriFor(ns_daemon.nameserver, nat=False), "127.0.0.1", PORTS["broadcast"])
    bc_server.runInThread()
    wirelog.seed_uuid4()
    rec = Recorder(outdir, Lib, CLIENT, SERVER)
    run(rec, Pyro4Calls(Lib, ECHO_VALUES))
    wirelog.write_index(os.path.join(outdir, "index.json"), HEADER,
                        {"scenarios": rec.scenarios, "messages": rec.messages})
    for d in (daemon, hmac_daemon, default_daemon, ns_daemon):
        d.shutdown()
    print("pyro4: %d scenarios, %d messages" % (len(rec.scenarios), len(rec.messages)))


if __name__ == "__main__":
    main()

"""Shared plumbing of the vector capture scripts (see scripts/capture-vectors.sh).

- `seed_uuid4()`: uuid.uuid4 replaced by a seeded generator, so correlation ids, stream ids
  and generated object ids are the same on every run.
- `Relay`: a recording TCP relay on 127.0.0.1 between a real proxy and a real daemon; it keeps
  the complete byte stream of every connection per direction and notes the wire order of the
  messages in them.
- `describe()`: the index entry of one wire message (decoded header, annotations, payload text
  and the payload as the Pyro library itself decodes it).
- `write_index()`: the index.json layout of the vectors (one line per scenario and message).

Everything binds to 127.0.0.1 only.
"""
import json
import random
import re
import socket
import struct
import threading
import time
import uuid
import zlib

UUID_SEED = 20240601
CLIP = 400


def seed_uuid4(seed=UUID_SEED):
    """Makes uuid.uuid4 deterministic for this process (all threads share one generator)."""
    rng = random.Random(seed)
    lock = threading.Lock()

    def uuid4():
        with lock:
            return uuid.UUID(int=rng.getrandbits(128), version=4)

    uuid.uuid4 = uuid4


def clip(text):
    if len(text) > CLIP:
        return text[:CLIP] + "...<%d more chars>" % (len(text) - CLIP)
    return text


def plain_repr(value):
    """repr() without what differs per process: object addresses and proxy owner threads."""
    return re.sub(r" at 0x[0-9a-f]+|; owner \d+", "", repr(value))


def error_text(e):
    return "%s: %s" % (type(e).__name__, e)


# ---------------------------------------------------------------------------------------------
# wire message framing (both protocol generations), without any Pyro import

class Framing:
    """Header layout of one protocol generation."""

    def __init__(self, generation):
        self.generation = generation
        if generation == 5:
            self.version = 502
            self.header_size = 40
            self.flag_names = [(1, "EXCEPTION"), (2, "COMPRESSED"), (4, "ONEWAY"), (8, "BATCH"),
                               (16, "ITEMSTREAMRESULT"), (32, "KEEPSERIALIZED"), (64, "CORR_ID")]
        else:
            self.version = 48
            self.header_size = 24
            self.flag_names = [(1, "EXCEPTION"), (2, "COMPRESSED"), (4, "ONEWAY"), (8, "BATCH"),
                               (16, "META_ON_CONNECT"), (32, "ITEMSTREAMRESULT"),
                               (64, "KEEPSERIALIZED")]

    def header(self, data):
        """The header fields of `data` (which starts a message), or None."""
        if len(data) < self.header_size or data[:4] != b"PYRO":
            return None
        if self.generation == 5:
            (_, ver, mtype, ser, flags, seq, dsize, asize, corr, _, magic) = struct.unpack(
                "!4sHBBHHII16sHH", data[:40])
            fields = dict(version=ver, msg_type=mtype, serializer_id=ser, flags=flags, seq=seq,
                          data_size=dsize, annotations_size=asize,
                          correlation_id=str(uuid.UUID(bytes=corr)), magic=magic)
        else:
            (_, ver, mtype, flags, seq, dsize, ser, asize, _, checksum) = struct.unpack(
                "!4sHHHHiHHHH", data[:24])
            fields = dict(version=ver, msg_type=mtype, serializer_id=ser, flags=flags, seq=seq,
                          data_size=dsize, annotations_size=asize, checksum=checksum)
        if fields["version"] != self.version:
            return None
        return fields

    def message_length(self, data):
        """Length of the complete message at the start of `data`, or None if incomplete."""
        h = self.header(data)
        if h is None:
            return None
        total = self.header_size + h["annotations_size"] + h["data_size"]
        return total if len(data) >= total else None

    def annotations(self, msg, h):
        out = []
        i = self.header_size
        end = self.header_size + h["annotations_size"]
        size = 8 if self.generation == 5 else 6
        while i < end:
            key = msg[i:i + 4].decode("ascii", "replace")
            if self.generation == 5:
                length = struct.unpack("!I", msg[i + 4:i + 8])[0]
            else:
                length = struct.unpack("!H", msg[i + 4:i + 6])[0]
            out.append((key, msg[i + size:i + size + length]))
            i += size + length
        return out

    def split(self, stream):
        """The complete messages at the start of a byte stream, and the undecodable rest."""
        messages = []
        offset = 0
        while True:
            n = self.message_length(stream[offset:])
            if n is None:
                break
            messages.append((offset, stream[offset:offset + n]))
            offset += n
        return messages, stream[offset:]


TYPE_NAMES = {1: "CONNECT", 2: "CONNECTOK", 3: "CONNECTFAIL", 4: "INVOKE", 5: "RESULT", 6: "PING"}


def describe(lib, msg, extra=None):
    """Index entry fields of one complete message `msg` (bytes); `lib` is the generation's
    adapter (Pyro4 or Pyro5 serializers, see capture_pyro4/5.py)."""
    framing = lib.framing
    h = framing.header(msg)
    entry = dict(extra or {})
    entry["type"] = TYPE_NAMES.get(h["msg_type"], "?")
    entry["msg_type"] = h["msg_type"]
    entry["serializer_id"] = h["serializer_id"]
    entry["serializer"] = lib.serializer_name(h["serializer_id"]) or "?"
    entry["flags"] = h["flags"]
    entry["flag_names"] = [name for bit, name in framing.flag_names if h["flags"] & bit]
    entry["seq"] = h["seq"]
    entry["data_size"] = h["data_size"]
    entry["annotations_size"] = h["annotations_size"]
    if framing.generation == 5:
        entry["correlation_id"] = h["correlation_id"]
    else:
        entry["checksum"] = h["checksum"]
    annotations = framing.annotations(msg, h)
    if annotations:
        entry["annotations"] = [{"key": k, "length": len(v), "value_hex": v.hex()}
                                for k, v in annotations]
    payload_offset = framing.header_size + h["annotations_size"]
    entry["payload_offset"] = payload_offset
    payload = msg[payload_offset:]
    compressed = bool(h["flags"] & 2)
    if compressed:
        entry["payload_compressed_size"] = len(payload)
        payload = zlib.decompress(payload)  # raises on junk: the caller decides
        entry["payload_decompressed_size"] = len(payload)
    name = entry["serializer"]
    if name in ("serpent", "json"):
        entry["payload_text"] = clip(payload.decode("utf-8", "replace"))
    if h["msg_type"] == 6:
        entry["payload_repr"] = clip(repr(payload))
        return entry
    lib.describe_payload(entry, h, payload, dict(annotations))
    return entry


def describe_decoded(entry, msg_type, payload, serializer):
    """The payload as the library's own `serializer` decodes it: the call of an INVOKE, the
    value (and exception details) of anything else, or the decoding error."""
    try:
        if msg_type == 4:
            obj, method, vargs, kwargs = serializer.loadsCall(payload)
            entry["call"] = {"object": repr(obj), "method": repr(method),
                             "vargs": repr(vargs), "kwargs": repr(kwargs)}
            return
        value = serializer.loads(payload)
    except Exception as e:
        entry["decode_error"] = error_text(e)
        return
    entry["payload_repr"] = clip(plain_repr(value))
    if isinstance(value, BaseException):
        entry["exception_type"] = "%s.%s" % (type(value).__module__, type(value).__name__)
        entry["exception_args"] = repr(value.args)
        entry["exception_has_pyroTraceback"] = hasattr(value, "_pyroTraceback")


class VectorHandshake:
    """Mixed into the vectors' daemons: a handshake that greets 'alice', refuses 'reject-me'."""

    def validateHandshake(self, conn, data):
        if data == "reject-me":
            raise ValueError("handshake rejected: go away")
        if isinstance(data, dict) and "user" in data:
            return {"welcome": data["user"]}
        return super().validateHandshake(conn, data)


# ---------------------------------------------------------------------------------------------
# recording relay

class Relay:
    """Listens on 127.0.0.1:port and forwards each connection to 127.0.0.1:target, recording
    both directions. `begin(scenario)` starts a new recording; `end()` waits until the
    scenario's connections are closed and returns their streams and the wire order."""

    def __init__(self, port, target, framing):
        self.target = target
        self.framing = framing
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(20)
        self.lock = threading.Lock()
        self.connections = []
        self.order = []
        self.threads = []
        threading.Thread(target=self._accept, daemon=True).start()

    def begin(self):
        with self.lock:
            self.connections = []
            self.order = []
            self.threads = []

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                index = len(self.connections)
                record = {"c2s": bytearray(), "s2c": bytearray(), "seen": {"c2s": 0, "s2c": 0}}
                self.connections.append(record)
                for direction, src, dst in (("c2s", client, upstream), ("s2c", upstream, client)):
                    t = threading.Thread(target=self._pump,
                                         args=(index, record, direction, src, dst), daemon=True)
                    self.threads.append(t)
                    t.start()

    def _pump(self, index, record, direction, src, dst):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                for s in (dst, src):
                    try:
                        s.shutdown(socket.SHUT_WR if s is dst else socket.SHUT_RD)
                    except OSError:
                        pass
                return
            with self.lock:
                record[direction] += data
                # note every message completed by these bytes, in wire order
                stream = bytes(record[direction])
                offset = record["seen"][direction]
                while True:
                    n = self.framing.message_length(stream[offset:])
                    if n is None:
                        break
                    self.order.append((index, direction, offset))
                    offset += n
                record["seen"][direction] = offset
            try:
                dst.sendall(data)
            except OSError:
                pass

    def end(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                threads = list(self.threads)
            alive = [t for t in threads if t.is_alive()]
            if not alive:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("relay: connections still open after %.0f s" % timeout)
            alive[0].join(0.05)
        with self.lock:
            return [(bytes(c["c2s"]), bytes(c["s2c"])) for c in self.connections], list(self.order)


# ---------------------------------------------------------------------------------------------
# index files

def dump_line(value):
    return json.dumps(value, ensure_ascii=False)


def write_index(path, header, lists):
    """The vectors' index layout: one key a line, list items one a line."""
    lines = []
    items = list(header.items()) + list(lists.items())
    for i, (key, value) in enumerate(items):
        end = "," if i < len(items) - 1 else ""
        if isinstance(value, list):
            lines.append(' %s: [' % dump_line(key))
            for j, item in enumerate(value):
                lines.append("  " + dump_line(item) + ("," if j < len(value) - 1 else ""))
            lines.append(" ]" + end)
        else:
            lines.append(" %s: %s%s" % (dump_line(key), dump_line(value), end))
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n" + "\n".join(lines) + "\n}\n")

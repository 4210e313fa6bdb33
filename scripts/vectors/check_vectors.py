"""Compares a re-capture with the reference vectors: python check_vectors.py REF NEW.

Every file of REF is compared with the same file of NEW:
- identical: the bytes are equal;
- decoded-equal: the bytes differ only where the README says they may, checked by decoding:
  tracebacks inside exception payloads (they name the capturing machine's install paths, so
  message sizes, offsets and HMACs over those payloads follow), and marshal reference flags
  (FLAG_REF bits depend on CPython reference counts). Wire streams are compared message by
  message (header fields, annotations, the payload decoded to plain data with traceback paths
  normalized); index files entry by entry, without the fields that follow from the bytes;
  HTTP transcripts with their JSON bodies decoded the same way;
- DIFFERENT: anything else (the details are printed).

Prints one line per file and a summary; exits 1 when a file differs or is missing.
"""
import hashlib
import hmac as hmac_module
import json
import marshal
import os
import pickle
import re
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import wirelog  # noqa: E402

import msgpack  # noqa: E402
import serpent  # noqa: E402

HMAC_KEY = b"pyro-hmac-key"
# The parts of a traceback that name the capturing machine.
PATHS = [
    (re.compile(r'File "[^"]*/site-packages/'), 'File "<site-packages>/'),
    (re.compile(r'File "[^"]*/lib/python3\.\d+/'), 'File "<stdlib>/'),
    (re.compile(r'File "[^"]*/(objects[45]\.py)"'), r'File "<capture>/\1"'),
]
CONNECTFAIL = 3
# A CONNECTFAIL sent before the daemon read a request carries the correlation id its worker
# thread handled last: which worker takes a connection is up to the thread scheduler.
STALE = "a worker thread's previous correlation id in a CONNECTFAIL"
# Index fields that follow from the bytes of a message (sizes, offsets, clipped texts).
DERIVED = {"offset", "length", "data_size", "payload_text", "payload_compressed_size",
           "payload_decompressed_size", "checksum"}


def normalize_text(s):
    for pattern, replacement in PATHS:
        s = pattern.sub(replacement, s)
    return s


class Opaque:
    """A pickled object of a class this process doesn't import, kept as its state."""

    def __init__(self, name):
        self.name = name

    def __setstate__(self, state):
        self.state = state


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        try:
            return super().find_class(module, name)
        except Exception:
            return lambda *a, **k: Opaque("%s.%s" % (module, name))


def plain(value, paths=True):
    """Decoded payload data in a comparable form: containers kept, objects as their class and
    state, exceptions as class, args and attributes, text with traceback paths normalized
    (unless `paths` is False)."""
    if not paths:
        return _plain(value, lambda s: s)
    return _plain(value, normalize_text)


def _plain(value, text):
    plain = lambda v: _plain(v, text)  # noqa: E731
    if isinstance(value, str):
        return text(value)
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, complex):
        return ("complex", repr(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ("bytes", bytes(value))
    if isinstance(value, dict):
        return ("dict", [(plain(k), plain(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(v) for v in value])
    if isinstance(value, (set, frozenset)):
        return (type(value).__name__, sorted(repr(plain(v)) for v in value))
    if isinstance(value, BaseException):
        return ("exception", type(value).__module__, type(value).__name__, plain(value.args),
                plain(dict(vars(value))))
    if value is None or isinstance(value, (bool, int)):
        return value
    state = getattr(value, "__dict__", None)
    if state is None and hasattr(value, "__getstate__"):
        try:
            state = value.__getstate__()
        except Exception:
            state = repr(value)
    return ("object", type(value).__module__, type(value).__name__, plain(state))


def decode(serializer, payload):
    """The payload as plain data, without any Pyro class reconstruction."""
    if serializer == "serpent":
        return serpent.loads(payload)
    if serializer == "json":
        return json.loads(payload.decode("utf-8"))
    if serializer == "marshal":
        return marshal.loads(payload)
    if serializer == "msgpack":
        return msgpack.unpackb(payload, raw=False, strict_map_key=False,
                               ext_hook=lambda code, data: ("ext", code, data))
    if serializer == "pickle":
        import io
        return SafeUnpickler(io.BytesIO(payload)).load()
    return payload


class Lib:
    """Serializer names by id, without importing Pyro (wirelog.Framing does the framing)."""

    def __init__(self, generation):
        self.framing = wirelog.Framing(generation)
        if generation == 5:
            self.names = {1: "serpent", 2: "marshal", 3: "json", 4: "msgpack"}
        else:
            self.names = {1: "serpent", 2: "json", 3: "marshal", 4: "pickle", 6: "msgpack"}


def compare_message(lib, a, b):
    """None when equal after decoding, else what differs; plus the reasons it was allowed."""
    reasons = set()
    ha, hb = lib.framing.header(a), lib.framing.header(b)
    for key in ha:
        if key in ("data_size", "checksum", "annotations_size"):
            continue
        if key == "correlation_id" and ha["msg_type"] == CONNECTFAIL and ha[key] != hb.get(key):
            reasons.add(STALE)
            continue
        if ha[key] != hb.get(key):
            return "header %s: %r vs %r" % (key, ha[key], hb.get(key)), reasons
    pa = a[lib.framing.header_size + ha["annotations_size"]:]
    pb = b[lib.framing.header_size + hb["annotations_size"]:]
    if ha["flags"] & 2:
        pa, pb = zlib.decompress(pa), zlib.decompress(pb)
    name = lib.names.get(ha["serializer_id"])
    if pa != pb:
        try:
            da, db = plain(decode(name, pa)), plain(decode(name, pb))
        except Exception as e:
            return "payload differs and does not decode (%s)" % wirelog.error_text(e), reasons
        if da != db:
            return "payload differs when decoded", reasons
        if plain(decode(name, pa), paths=False) != plain(decode(name, pb), paths=False):
            reasons.add("traceback paths")
        else:
            reasons.add("marshal reference flags")  # equal values, other bytes
    anns_a = lib.framing.annotations(a, ha)
    anns_b = lib.framing.annotations(b, hb)
    if [k for k, _ in anns_a] != [k for k, _ in anns_b]:
        return "annotation keys %s vs %s" % ([k for k, _ in anns_a], [k for k, _ in anns_b]), reasons
    for (k, va), (_, vb) in zip(anns_a, anns_b):
        if va == vb:
            continue
        if k == "HMAC" and pa != pb and valid_hmac(b, anns_b, pb):
            reasons.add("HMAC over that payload")
            continue
        if k == "CORR" and ha["msg_type"] == CONNECTFAIL:
            reasons.add(STALE)
            continue
        if k == "HMAC" and ha["msg_type"] == CONNECTFAIL and valid_hmac(b, anns_b, pb):
            continue  # signs the CORR annotation above
        return "annotation %s differs" % k, reasons
    return None, reasons


def valid_hmac(msg, annotations, payload):
    mac = hmac_module.new(HMAC_KEY, payload, digestmod=hashlib.sha1)
    for k, v in sorted(annotations):
        if k != "HMAC":
            mac.update(v)
    return mac.digest() == dict(annotations)["HMAC"]


def compare_stream(lib, a, b):
    ma, rest_a = lib.framing.split(a)
    mb, rest_b = lib.framing.split(b)
    if rest_a or rest_b or len(ma) != len(mb):
        return "different bytes (not a stream of whole messages, or another count)", set()
    reasons = set()
    for i, ((_, x), (_, y)) in enumerate(zip(ma, mb)):
        if x == y:
            continue
        problem, why = compare_message(lib, x, y)
        if problem:
            return "message %d: %s" % (i + 1, problem), reasons
        reasons |= why
    return None, reasons


def compare_wire_index(a, b):
    """Index entries equal, except the fields that follow from the bytes; free texts with
    traceback paths normalized. What differs, or None; and why it may."""
    reasons = set()
    problem = _compare_wire_index(a, b, reasons)
    return problem, reasons


def _compare_wire_index(a, b, reasons):
    def strip(entry):
        return json.loads(normalize_text(json.dumps({k: v for k, v in entry.items()
                                                     if k not in DERIVED})))
    for key in a:
        if key in ("scenarios", "messages"):
            continue
        if a[key] != b.get(key):
            return "header field %s" % key
    if [strip(s) for s in a["scenarios"]] != [strip(s) for s in b["scenarios"]]:
        for s, t in zip(a["scenarios"], b["scenarios"]):
            if strip(s) != strip(t):
                return "scenario %s" % s["scenario"]
        return "scenario count"
    if len(a["messages"]) != len(b["messages"]):
        return "message count %d vs %d" % (len(a["messages"]), len(b["messages"]))
    for m, n in zip(a["messages"], b["messages"]):
        if m != n:
            reasons.add("entries of messages with traceback paths" if m.get("type") != "CONNECTFAIL" else STALE)
        x, y = strip(m), strip(n)
        stale = x.get("type") == "CONNECTFAIL"
        for entry in (x, y):
            if stale:
                entry.pop("correlation_id", None)
            for ann in entry.get("annotations") or []:
                if ann.get("key") == "HMAC" or (stale and ann.get("key") == "CORR"):
                    ann.pop("value_hex")
        if x != y:
            keys = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
            return "message %s #%s: %s" % (m["scenario"], m.get("order"), ", ".join(keys))
    return None


def compare_http(a, b):
    for key in a:
        if key != "transcripts" and a[key] != b.get(key):
            return "header field %s" % key
    if len(a["transcripts"]) != len(b["transcripts"]):
        return "transcript count"
    for x, y in zip(a["transcripts"], b["transcripts"]):
        x, y = dict(x), dict(y)
        if x.get("body") != y.get("body"):
            try:
                bx, by = json.loads(x.pop("body")), json.loads(y.pop("body"))
            except ValueError:
                return "%s: body" % x["label"]
            if plain(bx) != plain(by):
                return "%s: body differs when decoded" % x["label"]
            drop = lambda h: [p for p in h if p[0] != "Content-Length"]  # noqa: E731
            x["response_headers"] = drop(x["response_headers"])
            y["response_headers"] = drop(y["response_headers"])
        if x != y:
            return "%s: %s" % (x["label"], ", ".join(k for k in x if x[k] != y.get(k)))
    return None


def compare_serializers(ref, new, name, a, b):
    """A serializer .bin file: each value's bytes identical, or marshal-decoded equal."""
    index_a = json.load(open(os.path.join(ref, "serializers", "index.json")))
    index_b = json.load(open(os.path.join(new, "serializers", "index.json")))
    reasons = set()
    for ea, eb in zip(index_a["values"] + index_a["calls"], index_b["values"] + index_b["calls"]):
        for key, ra in ea["results"].items():
            rb = eb["results"].get(key, {})
            if ra.get("file") != name:
                continue
            xa = a[ra["offset"]:ra["offset"] + ra["length"]]
            xb = b[rb["offset"]:rb["offset"] + rb["length"]]
            if xa == xb:
                continue
            if "marshal" in name and repr(marshal.loads(xa)) == repr(marshal.loads(xb)):
                reasons.add("marshal reference flags")
                continue
            return "%s %s differs" % (ea["name"], key), reasons
    return None, reasons


def check(ref, new):
    results = []
    for folder in ["", "pyro4", "pyro5", "serializers", "http"]:
        for name in sorted(os.listdir(os.path.join(ref, folder))):
            path = os.path.join(folder, name)
            if os.path.isdir(os.path.join(ref, path)) or name == "README.md":
                continue
            a = open(os.path.join(ref, path), "rb").read()
            if not os.path.exists(os.path.join(new, path)):
                results.append((path, "MISSING", ""))
                continue
            b = open(os.path.join(new, path), "rb").read()
            if a == b:
                results.append((path, "identical", ""))
                continue
            problem, reasons = None, set()
            if folder in ("pyro4", "pyro5") and name.endswith(".bin"):
                problem, reasons = compare_stream(Lib(int(folder[-1])), a, b)
            elif folder in ("pyro4", "pyro5") and name == "index.json":
                problem, reasons = compare_wire_index(json.loads(a), json.loads(b))
            elif folder == "http":
                problem = compare_http(json.loads(a), json.loads(b))
                reasons = {"traceback paths in bodies"}
            elif folder == "serializers" and name.endswith(".bin"):
                problem, reasons = compare_serializers(ref, new, name, a, b)
            elif name == "index.json" and folder == "":
                problem = None if json.loads(a) == json.loads(b) else "content"
                reasons = {"formatting"}
            else:
                problem = "different bytes"
            if problem:
                results.append((path, "DIFFERENT", problem))
            else:
                results.append((path, "decoded-equal", ", ".join(sorted(reasons))))
    for folder in ["", "pyro4", "pyro5", "serializers", "http"]:
        for name in sorted(os.listdir(os.path.join(new, folder))):
            if not os.path.exists(os.path.join(ref, folder, name)):
                results.append((os.path.join(folder, name), "EXTRA", ""))
    return results


def main():
    ref, new = sys.argv[1], sys.argv[2]
    results = check(ref, new)
    counts = {}
    for path, status, detail in results:
        counts[status] = counts.get(status, 0) + 1
        if status != "identical" or "-v" in sys.argv[3:]:
            print("%-13s %s%s" % (status, path, ("  (" + detail + ")") if detail else ""))
    print("%d files: %s" % (len(results), ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items()))))
    bad = sum(n for s, n in counts.items() if s in ("DIFFERENT", "MISSING", "EXTRA"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

"""Captures the serializer vectors: python serializer_vectors.py OUTDIR (writes
OUTDIR/serializers/).

Every value goes through each library's own serializer wrapper (Pyro5.serializers /
Pyro4.util.get_serializer): the bytes of dumps(value), then what the same library's loads()
makes of them (or the error). Call payloads go through dumpsCall/loadsCall. Run through
scripts/capture-vectors.sh (PYTHONHASHSEED=0, TZ=UTC: set orders and msgpack's local-time
datetime depend on them).
"""
import array
import collections
import datetime
import decimal
import enum
import math
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import wirelog  # noqa: E402

import Pyro4.core  # noqa: E402
import Pyro4.errors  # noqa: E402
import Pyro4.futures  # noqa: E402
import Pyro4.util  # noqa: E402
import Pyro5.client  # noqa: E402
import Pyro5.core  # noqa: E402
import Pyro5.errors  # noqa: E402
import Pyro5.serializers  # noqa: E402
import serpent  # noqa: E402

import objects5  # noqa: E402

SERIALIZERS = ["serpent", "json", "marshal", "msgpack"]


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


def exception_with_attrs():
    e = ValueError("with attrs")
    e.custom = 42
    return e


def naming_error(errors):
    e = errors.NamingError("naming error")
    e._pyroTraceback = ["Traceback (most recent call last):\n", "  line 2\n",
                        "NamingError: naming error\n"]
    return e


def proxy(cls):
    p = cls("PYRO:some.object@localhost:9999")
    p._pyroOneway = {"fire"}
    p._pyroMethods = {"echo"}
    p._pyroAttrs = {"attr"}
    return p


def values(lib):
    """(name, value) for `lib` ("pyro5" or "pyro4"): Pyro objects are that library's own."""
    if lib == "pyro5":
        errors, URI, Proxy = Pyro5.errors, Pyro5.core.URI, Pyro5.client.Proxy
        wrapper = Pyro5.core._ExceptionWrapper
    else:
        errors, URI, Proxy = Pyro4.errors, Pyro4.core.URI, Pyro4.core.Proxy
        wrapper = Pyro4.futures._ExceptionWrapper
    return [
        ("none", None), ("true", True), ("false", False), ("int_zero", 0), ("int_small", 42),
        ("int_negative", -1), ("int_2pow31", 2 ** 31), ("int_i64_max", 2 ** 63 - 1),
        ("int_2pow64", 2 ** 64), ("int_big_negative", -2 ** 100), ("float", 3.14),
        ("float_one", 1.0), ("float_negzero", -0.0), ("float_big", 1e300),
        ("float_small", 5e-324), ("float_inf", math.inf), ("float_neginf", -math.inf),
        ("float_nan", math.nan), ("str_empty", ""), ("str", "hello"),
        ("str_single_quote", "it's"), ("str_double_quote", 'say "hi"'),
        ("str_both_quotes", "it's \"quoted\""),
        ("str_unicode", "unicode \u00e9\u20ac\u2603 \U0001f600"),
        ("str_control_chars", "ctrl \x00\x01\t\n\r\\ end"),
        ("str_nonprintable_unicode", "zero\u200bwidth \u2028 \ufeff"),
        ("bytes_empty", b""), ("bytes", b"\x00\x01\x02binary\xff"),
        ("bytearray", bytearray(b"bytearray")), ("tuple_empty", ()), ("tuple_single", (1,)),
        ("tuple", (1, "a", None)), ("list_empty", []), ("list_nested", [1, [2, [3]]]),
        ("set_empty", set()), ("set_ints", {1, 2, 3}), ("frozenset", frozenset({"a"})),
        ("dict_empty", {}), ("dict", {"a": 1, "b": 2}), ("dict_int_keys", {1: "one", 2: "two"}),
        ("dict_tuple_key", {(1, 2): "tuple key"}),
        ("dict_nested", {"nested": {"list": [1, 2, {"x": None}], "tuple": (1.5, True)}}),
        ("complex", 1 + 2j), ("complex_negimag", complex(0, -1.5)),
        ("decimal", decimal.Decimal("3.14159265358979323846")),
        ("uuid", uuid.UUID("12345678-1234-5678-1234-567812345678")),
        ("datetime", datetime.datetime(2024, 1, 2, 3, 4, 5, 678901)),
        ("datetime_tz", datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)),
        ("date", datetime.date(2024, 1, 2)), ("time", datetime.time(13, 14, 15)),
        ("timedelta", datetime.timedelta(days=1, seconds=2, microseconds=500000)),
        ("array_int", array.array("i", [1, 2, 3])),
        ("ordereddict", collections.OrderedDict([("z", 1), ("a", 2)])), ("enum", Color.GREEN),
        ("exception_valueerror", ValueError("an error")), ("exception_keyerror", KeyError("key")),
        ("exception_with_attrs", exception_with_attrs()),
        ("exception_pyro_namingerror_tb", naming_error(errors)),
        ("exception_wrapper", wrapper(ValueError("in batch"))),
        ("uri_pyro", URI("PYRO:obj@localhost:9999")), ("uri_pyroname", URI("PYRONAME:some.name")),
        ("uri_pyrometa", URI("PYROMETA:meta1")), ("uri_unixsock", URI("PYRO:obj@./u:/tmp/pyro.sock")),
        ("uri_ipv6", URI("PYRO:obj@[::1]:9999")), ("proxy", proxy(Proxy)),
        ("custom_class", objects5.PlainThing()),
    ]


CALLS = [
    ("echo_str", ("test.echoserver", "echo", ("hello",), {})),
    ("no_args", ("test.echoserver", "error", (), {})),
    ("args_kwargs", ("obj_1234", "method", (1, 2.5, "three", None), {"key": "value", "flag": True})),
    ("getattr", ("test.echoserver", "__getattr__", ("verbose",), {})),
    ("setattr", ("test.echoserver", "__setattr__", ("verbose", True), {})),
    ("daemon_get_metadata", ("Pyro.Daemon", "get_metadata", ["test.echoserver"], {})),
    ("daemon_get_next_stream_item", ("Pyro.Daemon", "get_next_stream_item", ["a3f4e7e0-1c2b-4d5e-8f90-123456789abc"], {})),
    ("ns_lookup", ("Pyro.NameServer", "lookup", ("test.echoserver",), {})),
    ("ns_register", ("Pyro.NameServer", "register", ("my.name", "PYRO:obj@localhost:9999", False, {"meta1"}), {})),
    ("batch", ("test.echoserver", "<batch>", [("echo", (1,), {}), ("echo", ("two",), {"x": 1})], None)),
]

BYTES_REPR = [("bytes", b"\x00\x01\x02binary\xff'\""), ("bytes_empty", b""),
              ("bytearray", bytearray(b"ba")), ("nested", {"data": b"\x80abc"})]

HEADER = {
    "generated_by": "capture script serializer_vectors.py driving the real Python libraries",
    "libraries": {"pyro4": "4.82", "pyro5": "5.17", "serpent": "1.43", "msgpack": "1.2.4", "python": "3.11.7"},
    "serializer_ids": {"pyro4": {"serpent": 1, "json": 2, "marshal": 3, "pickle": 4, "dill": 5, "msgpack": 6, "cloudpickle": 7}, "pyro5": {"serpent": 1, "marshal": 2, "json": 3, "msgpack": 4}},
    "notes": [
        "results[<lib>-<serializer>] gives file/offset/length of the bytes produced by that library's serializer dumps(value) (or dumps_error), text = utf-8 text for serpent/json, loads_repr/loads_type = what the same library returns when it deserializes those bytes (or loads_error).",
        "The serializer objects used are Pyro's own wrappers (Pyro5.serializers.serializers[name] / Pyro4.util.get_serializer(name)), so class-to-dict conversion, URI/Proxy handling, exception dicts, msgpack ext types etc. are exactly what goes into a wire payload.",
        "marshal: CPython sets the FLAG_REF bit (0x80) on a type byte when the object has more than one reference, and emits TYPE_REF ('r' + u32 index) for repeated objects; those bits depend on interpreter state. A decoder must accept both forms; an encoder may always leave FLAG_REF clear.",
        "msgpack: datetime uses ext type 0x32 with a native-endian double (timestamp(), local time: TZ=UTC here); date uses ext 0x33 with a native 'l' (8 bytes little-endian on Linux x86-64); complex ext 0x30 two native doubles; ints that don't fit 64 bits ext 0x31 with the decimal ASCII text.",
        "Sets of str and dicts keyed by str are ordered by the hash seed (PYTHONHASHSEED=0 here).",
        "calls: dumpsCall(object_id, method, vargs, kwargs) = the INVOKE payload; loadsCall_repr shows the (object, method, vargs, kwargs) the receiving daemon sees.",
        "serpent_bytes_repr: serpent.dumps(value, module_in_classname=True, bytes_repr=True) as Pyro5 does when config.SERPENT_BYTES_REPR is True.",
    ],
}


def serializer(lib, name):
    if lib == "pyro5":
        return Pyro5.serializers.serializers[name]
    return Pyro4.util.get_serializer(name)


def qualified(t):
    return "%s.%s" % (t.__module__, t.__name__)


def error_text(e):
    return "%s: %s" % (qualified(type(e)), e)


class Files:
    """The .bin files, appended to; where each piece went."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.data = {}

    def add(self, name, data):
        buf = self.data.setdefault(name, bytearray())
        offset = len(buf)
        buf += data
        return {"file": name, "offset": offset, "length": len(data)}

    def write(self):
        for name, data in self.data.items():
            with open(os.path.join(self.outdir, name), "wb") as f:
                f.write(data)


FAILED = object()


def run(files, file, ser, dump, load):
    """The bytes of dump() (appended to `file`; the text of serpent and json), and what
    load() makes of them, or FAILED (the result then holds the error)."""
    try:
        data = dump()
    except Exception as e:
        return {"dumps_error": error_text(e)}, FAILED
    result = files.add(file, data)
    if ser in ("serpent", "json"):
        result["text"] = data.decode("utf-8")
    try:
        return result, load(data)
    except Exception as e:
        result["loads_error"] = error_text(e)
        return result, FAILED


def main():
    outdir = os.path.join(sys.argv[1], "serializers")
    os.makedirs(outdir, exist_ok=True)
    files = Files(outdir)
    per_lib = {lib: values(lib) for lib in ("pyro5", "pyro4")}
    entries = []
    for i, (name, value) in enumerate(per_lib["pyro5"]):
        entry = {"name": name, "python_repr": wirelog.plain_repr(value),
                 "python_type": qualified(type(value)), "results": {}}
        for lib in ("pyro5", "pyro4"):
            v = per_lib[lib][i][1]
            for ser in SERIALIZERS:
                s = serializer(lib, ser)
                result, back = run(files, "%s-%s.bin" % (lib, ser), ser,
                                   lambda: s.dumps(v), s.loads)
                if back is not FAILED:
                    result["loads_repr"] = wirelog.plain_repr(back)
                    result["loads_type"] = qualified(type(back))
                entry["results"]["%s-%s" % (lib, ser)] = result
            if lib == "pyro4" and wirelog.plain_repr(v) != entry["python_repr"]:
                entry["python_repr_pyro4"] = wirelog.plain_repr(v)
        entries.append(entry)
    calls = []
    for name, call in CALLS:
        entry = {"name": name, "python_repr": repr(call), "results": {}}
        for lib in ("pyro5", "pyro4"):
            for ser in SERIALIZERS:
                s = serializer(lib, ser)
                result, back = run(files, "%s-%s-calls.bin" % (lib, ser), ser,
                                   lambda: s.dumpsCall(*call), s.loadsCall)
                if back is not FAILED:
                    result["loadsCall_repr"] = repr(back)
                entry["results"]["%s-%s" % (lib, ser)] = result
        calls.append(entry)
    bytes_repr = []
    for name, value in BYTES_REPR:
        data = serpent.dumps(value, module_in_classname=True, bytes_repr=True)
        entry = {"name": name, "python_repr": repr(value)}
        entry.update(files.add("serpent-bytes_repr.bin", data))
        entry["text"] = data.decode("utf-8")
        entry["loads_repr"] = repr(serpent.loads(data))
        bytes_repr.append(entry)
    files.write()
    wirelog.write_index(os.path.join(outdir, "index.json"), HEADER,
                        {"values": entries, "calls": calls, "serpent_bytes_repr": bytes_repr})
    print("serializers: %d values, %d calls" % (len(entries), len(calls)))


if __name__ == "__main__":
    main()

"""Sends the same values through two echo servers, Python's and pyroxene's, and compares what
comes back: the type (module and name) and repr() of the result, or the class and text of the
exception a call raised.

Usage: python echo_values_client.py {pyro4|pyro5} PYTHON_ECHO_URI OUR_ECHO_URI [SERIALIZERS]

For each serializer of that Pyro generation (Pyro5: serpent, json, marshal, msgpack; Pyro4:
the same and pickle; or the comma-separated SERIALIZERS) and each value below, prints one line

    CELL <gen> <serializer> <value name> | python: <outcome> | ours: <outcome> | same|DIFF

then "N passed, M failed" (harness.finish), exit status 0 only when every cell is the same.
A value the client itself can't serialize is reported as such (it never reaches a server).
"""
import datetime
import decimal
import math
import sys
import uuid

from harness import check, finish

gen, python_uri, our_uri = sys.argv[1], sys.argv[2], sys.argv[3]

import msgpack  # noqa: E402

if gen == "pyro5":
    import Pyro5.api as pyro  # noqa: E402
    from Pyro5 import config  # noqa: E402
    serializers = ["serpent", "json", "marshal", "msgpack"]
else:
    import Pyro4 as pyro  # noqa: E402
    config = pyro.config
    serializers = ["serpent", "json", "marshal", "msgpack", "pickle"]
if len(sys.argv) > 4:
    serializers = sys.argv[4].split(",")

tz = datetime.timezone(datetime.timedelta(hours=2, minutes=30))
named = datetime.timezone(datetime.timedelta(hours=-5), "EST")
VALUES = [
    # What issue 12 is about.
    ("frozenset", frozenset({1, 2})),
    ("frozenset_empty", frozenset()),
    ("frozenset_in_dict_key", {frozenset({1, 2}): "fs key"}),
    ("set", {1, 2, 3}),
    ("set_empty", set()),
    ("datetime_naive", datetime.datetime(2020, 1, 2, 3, 4, 5, 6789)),
    ("datetime_naive_summer", datetime.datetime(2021, 7, 1, 12, 0, 0, 1)),
    ("datetime_aware", datetime.datetime(2020, 1, 2, 3, 4, 5, 6789, tzinfo=tz)),
    ("datetime_utc", datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)),
    ("datetime_named_tz_fold", datetime.datetime(2021, 10, 31, 2, 30, fold=1, tzinfo=named)),
    ("date", datetime.date(2021, 12, 31)),
    ("time_naive", datetime.time(3, 4, 5, 6789)),
    ("time_aware", datetime.time(3, 4, 5, tzinfo=tz)),
    ("decimal", decimal.Decimal("1.5")),
    ("decimal_exponent", decimal.Decimal("-1.230E+50")),
    ("decimal_nan", decimal.Decimal("NaN")),
    ("uuid", uuid.UUID("12345678-1234-5678-1234-567812345678")),
    ("msgpack_ext_unknown", msgpack.ExtType(0x40, b"abc")),
    ("msgpack_timestamp", msgpack.Timestamp(1577934245, 6789000)),
    ("mixed_list", [frozenset({1}), datetime.date(2000, 2, 29), decimal.Decimal("0.10")]),
    # The values the echo interop tests already send.
    ("none", None),
    ("true", True),
    ("false", False),
    ("int_0", 0),
    ("int_42", 42),
    ("int_minus_1", -1),
    ("int_2_31", 2 ** 31),
    ("int_i64_max", 2 ** 63 - 1),
    ("int_i64_min", -2 ** 63),
    ("int_2_64", 2 ** 64),
    ("int_big_negative", -(10 ** 30)),
    ("float", 3.14),
    ("float_minus_zero", -0.0),
    ("float_big", 1e300),
    ("float_subnormal", 5e-324),
    ("float_inf", float("inf")),
    ("float_minus_inf", float("-inf")),
    ("float_nan", float("nan")),
    ("str_empty", ""),
    ("str", "hello"),
    ("str_quotes", "it's \"quoted\""),
    ("str_unicode", "unicode é€☃ 😀"),
    ("str_control", "ctrl \x00\x01\t\n"),
    ("list_empty", []),
    ("list_nested", [1, [2, [3]]]),
    ("dict", {"a": 1, "b": [1, 2, {"x": None}]}),
    ("tuple", (1, "a", None)),
    ("complex", 1 + 2j),
    ("bytes", b"\x00\x01binary"),
    ("dict_tuple_and_int_keys", {(1, 2): "tuple key", 3: "int key"}),
]


def describe(value):
    """type and repr, with NaN made comparable."""
    t = type(value)
    text = repr(value)
    if isinstance(value, float) and math.isnan(value):
        text = "nan"
    return "%s.%s %s" % (t.__module__, t.__qualname__, text)


def outcome(uri, serializer, value):
    config.SERIALIZER = serializer
    try:
        with pyro.Proxy(uri) as proxy:
            proxy._pyroTimeout = 10
            return "-> " + describe(proxy.echo(value))
    except Exception as e:  # the outcome under test: class and text
        return "raised %s: %s" % (type(e).__name__, e)


def sendable(serializer, value):
    """None, or why the client's own serializer refuses the value."""
    if gen == "pyro5":
        from Pyro5 import serializers as sers
        ser = sers.serializers[serializer]
    else:
        from Pyro4 import util
        ser = util.get_serializer(serializer)
    try:
        ser.dumpsCall("test.echoserver", "echo", (value,), {})
        return None
    except Exception as e:
        return "client can't send it: %s: %s" % (type(e).__name__, e)


for serializer in serializers:
    for name, value in VALUES:
        refused = sendable(serializer, value)
        if refused:
            print("CELL %s %s %s | %s" % (gen, serializer, name, refused))
            continue
        theirs = outcome(python_uri, serializer, value)
        ours = outcome(our_uri, serializer, value)
        same = theirs == ours
        print("CELL %s %s %s | python: %s | ours: %s | %s"
              % (gen, serializer, name, theirs, ours, "same" if same else "DIFF"))
        check("%s %s %s" % (gen, serializer, name), same, "python %s, ours %s" % (theirs, ours))

finish()

"""The test.special object the Pyro4 vectors call besides Pyro4's own echo server
(Pyro4.test.echoserver.EchoServer, registered as test.echoserver).

Keep every line where it is: exception payloads carry tracebacks that name this module's line
numbers (custom_exception 38, naming_error 41, key_error 44, generator_then_error 67).
Pyro4's current_context and expose live in Pyro4.core."""
import datetime
import decimal
import uuid

from Pyro4 import errors
from Pyro4.core import current_context, expose
from Pyro4.core import URI


class PlainThing(object):
    """A class no serializer knows: it travels as a dict with its class name."""

    def __init__(self):
        self.name = "thing"
        self.number = 42


@expose
class Special(object):
    """Special values, special exceptions, properties, annotations and a blob."""

    def __init__(self):
        self._value = 42

    def get_uri(self):
        return URI("PYRO:some.object@127.0.0.1:12345")

    def custom_exception(self):
        e = ValueError("exception with attributes")
        e.custom_attr = 42
        e.other = ["a", 1]
        raise e

    def naming_error(self):
        raise errors.NamingError("a pyro naming error")

    def key_error(self):
        return {}["missing"]

    def get_self(self):
        return self

    def plain_object(self):
        return PlainThing()

    def types(self):
        return {"int": 1, "bigint": 2 ** 80, "negbig": -2 ** 70, "float": 1.5, "str": "text",
                "unicode": "\u20ac\u00e9\u2603", "bytes": b"\x00\x01\xff", "tuple": (1, 2),
                "list": [1, 2], "set": {1, 2}, "none": None, "bool": True, "complex": 1 + 2j,
                "decimal": decimal.Decimal("3.14"),
                "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
                "datetime": datetime.datetime(2024, 1, 2, 3, 4, 5, 678000),
                "date": datetime.date(2024, 1, 2)}

    def kwargs_call(self, a, b=2, *args, **kwargs):
        # positional, default, varargs and keyword arguments as the daemon bound them
        return [a, b, list(args), kwargs]

    def generator_then_error(self):
        yield 1
        raise ValueError("error inside generator")

    def with_annotations(self):
        current_context.response_annotations = {"XRSP": b"response-annotation"}
        return dict(current_context.annotations)

    def blob(self, blob):
        return blob.info, blob.deserialized()

    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, v):
        self._value = v

    @property
    def readonly(self):
        return "read-only"

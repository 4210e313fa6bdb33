"""Calls every method of a Pyro4 name server and prints a canonical transcript.

Usage:
    python ns4_api_client.py PYRO:Pyro.NameServer@127.0.0.1:PORT
        runs the calls against that name server and prints the transcript;
    python ns4_api_client.py --dump-calls
        prints the calls, one a line: "label<TAB>hex of the INVOKE payload" (Pyro4's
        dumpsCall for object Pyro.NameServer), for a test to run them without a network;
    python ns4_api_client.py --render FILE PYRO:Pyro.NameServer@127.0.0.1:PORT
        reads the replies of such a run, one a line "label<TAB>ok|exc<TAB>hex of the reply
        payload", decodes them as a Pyro4 proxy does and prints the same transcript (the URI
        gives the port to hide, as in the first form).

The serializer is Pyro4's configured one (PYRO_SERIALIZER). The transcript shows the type and
value of every result (sets and lists of str sorted, dicts sorted by key, URIs as URI(...)) or
the exception's module, class and text, with the name server's port replaced by NSPORT, so
the transcripts of two name servers compare equal exactly when Pyro4 clients can't tell them
apart. The detail after "invalid regex: " is elided (it is Python's re module's text, which
another regex engine words differently). The calls remove what they registered.
"""

import sys

import Pyro4
import Pyro4.core
import Pyro4.errors
import Pyro4.util
from Pyro4.configuration import config

NS_OBJECT = "Pyro.NameServer"
URI = Pyro4.core.URI

# (label, method, args, kwargs): every method with positional and keyword arguments, and
# every error Pyro4's name server raises.
CALLS = [
    ("ping", "ping", (), {}),
    ("count", "count", (), {}),
    ("list fresh", "list", (), {"return_metadata": True}),
    # register: str and URI objects, metadata as set/list/tuple, odd but valid URIs, kwargs
    ("register a", "register", ("example.a", "PYRO:a@127.0.0.1:1111"), {}),
    ("register b", "register", ("example.b", URI("PYRO:b@127.0.0.1:2222")),
     {"metadata": {"tag1", "tag2"}}),
    ("register c", "register", ("example.c", "PYRO:c@./u:/tmp/c.sock", False, ["tag2", "tag3"]), {}),
    ("register lowercase", "register", ("other.d", "pyroname:other.name"), {}),
    ("register meta", "register", ("other.meta", "PYROMETA:m1,m2"), {}),
    ("register kwargs", "register", (),
     {"name": "kw.name", "uri": "PYRO:kw@127.0.0.1:3", "safe": True, "metadata": ("k",)}),
    ("register safe again", "register", ("example.a", "PYRO:a2@127.0.0.1:1", True), {}),
    ("register safe new", "register", ("example.safe", "PYRO:s@127.0.0.1:4"), {"safe": True}),
    ("register overwrite", "register", ("example.safe", "PYRO:s2@127.0.0.1:5"), {}),
    ("register empty metadata", "register", ("example.empty", "PYRO:e@127.0.0.1:6"), {"metadata": []}),
    ("register falsy metadata", "register", ("example.zero", "PYRO:z@127.0.0.1:7"), {"metadata": 0}),
    ("register bad uri", "register", ("x", "not a uri"), {}),
    ("register no port", "register", ("x", "PYRO:x@localhost"), {}),
    ("register bad protocol", "register", ("x", "HTTP:x@localhost:1"), {}),
    ("register name int", "register", (5, "PYRO:x@h:1"), {}),
    ("register uri int", "register", ("x", 5), {}),
    ("register metadata str", "register", ("x", "PYRO:x@h:1"), {"metadata": "abc"}),
    ("register metadata empty str", "register", ("x", "PYRO:x@h:1"), {"metadata": ""}),
    ("register metadata int", "register", ("x", "PYRO:x@h:1"), {"metadata": 5}),
    ("register metadata unhashable", "register", ("x", "PYRO:x@h:1"), {"metadata": [[1]]}),
    ("register missing uri", "register", ("x",), {}),
    ("register unknown kw", "register", ("x", "PYRO:x@h:1"), {"colour": "red"}),
    ("register twice", "register", ("x", "PYRO:x@h:1"), {"name": "y"}),
    ("count too many", "count", (1,), {}),
    ("count", "count", (), {}),
    # lookup: a URI object, or (URI, list of tags)
    ("lookup a", "lookup", ("example.a",), {}),
    ("lookup b meta", "lookup", ("example.b", True), {}),
    ("lookup c meta kw", "lookup", ("example.c",), {"return_metadata": True}),
    ("lookup lowercase", "lookup", ("other.d",), {}),
    ("lookup meta", "lookup", ("other.meta", True), {}),
    ("lookup empty meta", "lookup", ("example.empty", True), {}),
    ("lookup falsy meta", "lookup", ("example.zero", True), {}),
    ("lookup self", "lookup", (NS_OBJECT, True), {}),
    ("lookup unknown", "lookup", ("no.such.name",), {}),
    ("lookup int", "lookup", (5,), {}),
    ("lookup list", "lookup", ([1],), {}),
    # list: prefix, regex and the metadata filters (one at a time)
    ("list", "list", (), {}),
    ("list meta", "list", (None, None, None, None, True), {}),
    ("list prefix", "list", (), {"prefix": "example."}),
    ("list prefix meta", "list", (), {"prefix": "example.", "return_metadata": True}),
    ("list prefix none", "list", (), {"prefix": "nothing"}),
    ("list regex", "list", (), {"regex": r"ex.*\.[ab]"}),
    ("list regex anchored", "list", (), {"regex": "ample"}),
    ("list regex alternatives", "list", (), {"regex": "kw|other"}),
    ("list regex meta", "list", (), {"regex": "kw", "return_metadata": True}),
    ("list regex invalid", "list", (), {"regex": "(unclosed"}),
    ("list two filters", "list", (), {"prefix": "a", "regex": "b"}),
    ("list empty filters", "list", (), {"prefix": "", "regex": ""}),
    ("list empty prefix", "list", (), {"prefix": ""}),
    ("list prefix and meta", "list", (), {"prefix": "example.", "metadata_any": ["tag1"]}),
    ("list meta filters both", "list", (), {"metadata_all": ["a"], "metadata_any": ["b"]}),
    ("list empty meta filters", "list", (), {"metadata_all": [], "metadata_any": []}),
    ("list prefix int", "list", (), {"prefix": 5}),
    ("list regex int", "list", (), {"regex": 5}),
    ("list all", "list", (), {"metadata_all": ["tag2"]}),
    ("list all two", "list", (), {"metadata_all": {"tag1", "tag2"}}),
    ("list all meta", "list", (), {"metadata_all": ["tag2"], "return_metadata": True}),
    ("list all positional", "list", (None, None, ["tag2"], None, True), {}),
    ("list all empty", "list", (), {"metadata_all": []}),
    ("list all zero", "list", (), {"metadata_all": 0}),
    ("list any", "list", (), {"metadata_any": ("tag1", "tag3", "k")}),
    ("list any meta", "list", (), {"metadata_any": ["tag3"], "return_metadata": True}),
    ("list any self", "list", (), {"metadata_any": ["class:Pyro4.naming.NameServer"]}),
    ("list any pyro5 self", "list", (), {"metadata_any": ["class:Pyro5.nameserver.NameServer"]}),
    ("list any missing", "list", (), {"metadata_any": ["nope"]}),
    ("list all str", "list", (), {"metadata_all": "tag2"}),
    ("list any str", "list", (), {"metadata_any": "tag2"}),
    ("list all int", "list", (), {"metadata_all": 5}),
    ("list any float", "list", (), {"metadata_any": 1.5}),
    ("list all unhashable", "list", (), {"metadata_all": [[1]]}),
    ("list all int item", "list", (), {"metadata_all": [1]}),
    ("list any int item", "list", (), {"metadata_any": [1, "tag1"]}),
    ("list unknown kw", "list", (), {"meta_all": ["tag1"]}),
    # Pyro4's name server has no yplookup (a Pyro4 proxy refuses it locally; sent anyway here)
    ("yplookup", "yplookup", (), {"meta_all": ["tag1"]}),
    # set_metadata
    ("setmeta", "set_metadata", ("example.a", ["new1", "new2"]), {}),
    ("setmeta lookup", "lookup", ("example.a", True), {}),
    ("setmeta set kw", "set_metadata", (), {"name": "example.a", "metadata": {"only"}}),
    ("setmeta list", "list", (), {"metadata_any": ["only"]}),
    ("setmeta clear", "set_metadata", ("example.a", None), {}),
    ("setmeta cleared", "lookup", ("example.a", True), {}),
    ("setmeta falsy", "set_metadata", ("example.b", 0), {}),
    ("setmeta falsy cleared", "lookup", ("example.b", True), {}),
    ("setmeta unknown", "set_metadata", ("no.such.name", ["x"]), {}),
    ("setmeta unknown unhashable", "set_metadata", ("no.such.name", [[1]]), {}),
    ("setmeta unhashable", "set_metadata", ("example.a", [[1]]), {}),
    ("setmeta name int", "set_metadata", (5, ["x"]), {}),
    ("setmeta str", "set_metadata", ("example.a", "abc"), {}),
    ("setmeta int", "set_metadata", ("example.a", 5), {}),
    ("setmeta missing", "set_metadata", ("example.a",), {}),
    # remove: a name that isn't registered falls through to prefix / regex in Pyro4
    ("remove a", "remove", ("example.a",), {}),
    ("remove a again", "remove", ("example.a",), {}),
    ("remove self", "remove", (NS_OBJECT,), {}),
    ("remove name int", "remove", (5,), {}),
    ("remove name list", "remove", ([1],), {}),
    ("remove nothing", "remove", (), {}),
    ("remove unknown name with prefix", "remove", ("no.such.name",), {"prefix": "kw."}),
    ("remove int name with regex", "remove", (5, None, "other.d"), {}),
    ("remove empty name with prefix", "remove", (), {"name": "", "prefix": "example.z"}),
    ("remove regex invalid", "remove", (), {"regex": "["}),
    ("remove prefix int", "remove", (), {"prefix": 5}),
    ("remove regex", "remove", (), {"regex": "other"}),
    ("remove prefix", "remove", (), {"prefix": "example."}),
    ("remove prefix self", "remove", (), {"prefix": "Pyro."}),
    ("remove regex all", "remove", (), {"regex": ".*"}),
    ("count end", "count", (), {}),
    ("list end", "list", (), {"return_metadata": True}),
]


def canon(v):
    if isinstance(v, URI):
        if v.protocol == "PYROMETA":  # the tags are a set: str() order varies per process
            return "URI(PYROMETA:%s)" % ",".join(sorted(v.object))
        return "URI(%s)" % v
    if isinstance(v, dict):
        return "{" + ", ".join("%s: %s" % (canon(k), canon(v[k])) for k in sorted(v)) + "}"
    if isinstance(v, (set, frozenset)):
        return "set{" + ", ".join(sorted(canon(x) for x in v)) + "}"
    if isinstance(v, tuple):
        return "(" + ", ".join(canon(x) for x in v) + ")"
    if isinstance(v, list):
        items = [canon(x) for x in v]
        if all(isinstance(x, str) for x in v):
            # Pyro4's name server sends its tag sets as lists in set order; json and msgpack
            # send tuples as lists too: a list of only str is always such a tag list here.
            items.sort()
        return "[" + ", ".join(items) + "]"
    return repr(v)


def outcome(run):
    """The transcript text of one call: '-> result' or '!! module.Class: text'."""
    try:
        return "-> " + canon(run())
    except Exception as e:  # the transcript records every exception the same way
        text = str(e)
        if text.startswith("invalid regex: "):
            text = "invalid regex: ..."
        return "!! %s.%s: %s" % (type(e).__module__, type(e).__name__, text)


def transcript(lines, ns_uri):
    port = str(URI(ns_uri).port)
    return "\n".join(lines).replace(":" + port, ":NSPORT")


def live(ns_uri):
    lines = []
    with Pyro4.core.Proxy(ns_uri) as ns:
        ns._pyroBind()
        for label, method, args, kwargs in CALLS:
            if method in ns._pyroMethods:
                run = lambda: getattr(ns, method)(*args, **kwargs)  # noqa: E731
            else:
                # The proxy would refuse an unexposed method without asking the server.
                run = lambda: ns._pyroInvoke(method, args, kwargs)  # noqa: E731
            lines.append("%s %s" % (label, outcome(run)))
    print(transcript(lines, ns_uri))


def dump_calls():
    ser = Pyro4.util.get_serializer(config.SERIALIZER)
    for label, method, args, kwargs in CALLS:
        payload = ser.dumpsCall(NS_OBJECT, method, args, kwargs)
        print("%s\t%s" % (label, payload.hex()))


def render(path, ns_uri):
    ser = Pyro4.util.get_serializer(config.SERIALIZER)
    lines = []
    with open(path, encoding="utf-8") as replies:
        for line in replies:
            label, kind, payload = line.rstrip("\n").split("\t")
            data = ser.deserializeData(bytes.fromhex(payload))

            def run(data=data, kind=kind):
                if kind == "exc":
                    raise data  # what Pyro4's proxy does with an exception reply
                return data

            lines.append("%s %s" % (label, outcome(run)))
    print(transcript(lines, ns_uri))


def main():
    args = sys.argv[1:]
    if args == ["--dump-calls"]:
        dump_calls()
    elif len(args) == 3 and args[0] == "--render":
        render(args[1], args[2])
    elif len(args) == 1:
        live(args[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

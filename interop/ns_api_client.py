"""Calls every method of a Pyro5 name server and prints a canonical transcript.

Usage:
    python ns_api_client.py PYRO:Pyro.NameServer@127.0.0.1:PORT
        runs the calls against that name server and prints the transcript;
    python ns_api_client.py --dump-calls
        prints the calls, one a line: "label<TAB>hex of the INVOKE payload" (Pyro5's
        dumpsCall for object Pyro.NameServer, as its proxy sends it), for a test to run them
        without a network;
    python ns_api_client.py --render FILE PYRO:Pyro.NameServer@127.0.0.1:PORT
        reads the replies of such a run, one a line "label<TAB>ok|exc<TAB>hex of the reply
        payload", decodes them as a Pyro5 proxy does and prints the same transcript (the URI
        gives the port to hide, as in the first form).

The serializer is Pyro5's configured one (PYRO_SERIALIZER). The transcript shows the type and
value of every result (sets and lists of str sorted, dicts sorted by key, URIs as URI(...)) or the exception
class and text, with the name server's port replaced by NSPORT, so the transcripts of two name
servers compare equal exactly when Python clients can't tell them apart. The detail after
"invalid regex: " is elided (it is Python's re module's text, which another regex engine
words differently). The script removes what it registered and ends with the fresh state.
"""

import sys

import Pyro5.api
import Pyro5.core
import Pyro5.errors
import Pyro5.serializers
from Pyro5 import config

NS_OBJECT = "Pyro.NameServer"

lines = []
# Without a network: "dump" (--dump-calls) or "render" (--render, with the replies to read).
offline = None
replies = None


class Offline:
    """Stands in for the proxy without a network: ns.NAME is just the method's name."""

    def __getattr__(self, name):
        return name


def serializer():
    return Pyro5.serializers.serializers[config.SERIALIZER]


def reply(label):
    """The next reply of --render's file, as a Pyro5 proxy makes of it (raised if an error)."""
    got, kind, payload = next(replies).rstrip("\n").split("\t")
    if got != label:
        sys.exit("reply for %r where %r was expected" % (got, label))
    data = serializer().loads(bytes.fromhex(payload))
    if kind == "exc":
        raise data  # what Pyro5's proxy does with an exception reply
    return data


def canon(v):
    if isinstance(v, Pyro5.core.URI):
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
            # json and msgpack send sets as lists, in the sender's set order; in this API a list
            # of only str is always such a set (tuples hold a URI next to the tags).
            items.sort()
        return "[" + ", ".join(items) + "]"
    return repr(v)


def call(label, method, *args, **kwargs):
    if offline == "dump":
        payload = serializer().dumpsCall(NS_OBJECT, method, args, kwargs)
        lines.append("%s\t%s" % (label, payload.hex()))
        return
    try:
        result = "-> " + canon(reply(label) if offline else method(*args, **kwargs))
    except Exception as e:  # the transcript records every exception the same way
        text = str(e)
        if text.startswith("invalid regex: "):
            text = "invalid regex: ..."
        result = "!! %s: %s" % (type(e).__name__, text)
    lines.append("%s %s" % (label, result))


def main():
    global offline, replies
    args = sys.argv[1:]
    if args == ["--dump-calls"]:
        offline, ns, port = "dump", Offline(), None
    elif len(args) == 3 and args[0] == "--render":
        offline, ns, port = "render", Offline(), str(Pyro5.core.URI(args[2]).port)
        with open(args[1], encoding="utf-8") as file:
            replies = iter(file.readlines())
    elif len(args) == 1:
        ns = Pyro5.api.Proxy(args[0])
        port = str(Pyro5.core.URI(args[0]).port)
    else:
        sys.exit(__doc__)

    call("ping", ns.ping)
    call("count", ns.count)
    call("list fresh", ns.list, return_metadata=True)

    # register: str and URI objects, metadata as set/list, odd but valid URIs, kwargs
    call("register a", ns.register, "example.a", "PYRO:a@127.0.0.1:1111")
    call("register b", ns.register, "example.b", Pyro5.core.URI("PYRO:b@127.0.0.1:2222"),
         metadata={"tag1", "tag2"})
    call("register c", ns.register, "example.c", "PYRO:c@./u:/tmp/c.sock", False, ["tag2", "tag3"])
    call("register lowercase", ns.register, "other.d", "pyroname:other.name")
    call("register meta", ns.register, "other.meta", "PYROMETA:m1,m2")
    call("register kwargs", ns.register, name="kw.name", uri="PYRO:kw@127.0.0.1:3", safe=True,
         metadata=("k",))
    call("register safe again", ns.register, "example.a", "PYRO:a2@127.0.0.1:1", True)
    call("register safe new", ns.register, "example.safe", "PYRO:s@127.0.0.1:4", safe=True)
    call("register overwrite", ns.register, "example.safe", "PYRO:s2@127.0.0.1:5")
    call("register empty metadata", ns.register, "example.empty", "PYRO:e@127.0.0.1:6", metadata=[])
    call("register bad uri", ns.register, "x", "not a uri")
    call("register no port", ns.register, "x", "PYRO:x@localhost")
    call("register bad protocol", ns.register, "x", "HTTP:x@localhost:1")
    call("register name int", ns.register, 5, "PYRO:x@h:1")
    call("register uri int", ns.register, "x", 5)
    call("register metadata str", ns.register, "x", "PYRO:x@h:1", metadata="abc")
    call("register metadata int", ns.register, "x", "PYRO:x@h:1", metadata=5)
    call("register metadata unhashable", ns.register, "x", "PYRO:x@h:1", metadata=[[1]])
    call("register missing uri", ns.register, "x")
    call("register unknown kw", ns.register, "x", "PYRO:x@h:1", colour="red")
    call("register twice", ns.register, "x", "PYRO:x@h:1", name="y")
    call("count too many", ns.count, 1)
    call("count", ns.count)

    # lookup
    call("lookup a", ns.lookup, "example.a")
    call("lookup b meta", ns.lookup, "example.b", True)
    call("lookup c meta kw", ns.lookup, "example.c", return_metadata=True)
    call("lookup lowercase", ns.lookup, "other.d")
    call("lookup meta", ns.lookup, "other.meta", True)
    call("lookup empty meta", ns.lookup, "example.empty", True)
    call("lookup self", ns.lookup, "Pyro.NameServer", True)
    call("lookup unknown", ns.lookup, "no.such.name")
    call("lookup int", ns.lookup, 5)

    # list
    call("list", ns.list)
    call("list meta", ns.list, None, None, True)
    call("list prefix", ns.list, prefix="example.")
    call("list prefix meta", ns.list, prefix="example.", return_metadata=True)
    call("list prefix none", ns.list, prefix="nothing")
    call("list regex", ns.list, regex=r"ex.*\.[ab]")
    call("list regex anchored", ns.list, regex="ample")
    call("list regex prefix only", ns.list, regex="other")
    call("list regex alternatives", ns.list, regex="kw|other")
    call("list regex meta", ns.list, regex="kw", return_metadata=True)
    call("list regex invalid", ns.list, regex="(unclosed")
    call("list two filters", ns.list, prefix="a", regex="b")
    call("list empty filters", ns.list, prefix="", regex="")
    call("list prefix int", ns.list, prefix=5)
    call("list regex int", ns.list, regex=5)

    # yplookup
    call("yp all", ns.yplookup, meta_all=["tag2"])
    call("yp all two", ns.yplookup, meta_all={"tag1", "tag2"})
    call("yp all no meta", ns.yplookup, meta_all=["tag2"], return_metadata=False)
    call("yp all none meta", ns.yplookup, ["tag2"], None, None)
    call("yp any", ns.yplookup, meta_any=("tag1", "tag3", "k"))
    call("yp any self", ns.yplookup, meta_any=["class:Pyro5.nameserver.NameServer"])
    call("yp any missing", ns.yplookup, meta_any=["nope"])
    call("yp none", ns.yplookup)
    call("yp empty", ns.yplookup, meta_all=[], meta_any=[])
    call("yp both", ns.yplookup, meta_all=["a"], meta_any=["b"])
    call("yp all str", ns.yplookup, meta_all="tag2")
    call("yp any str", ns.yplookup, meta_any="tag2")
    call("yp all int", ns.yplookup, meta_all=5)
    call("yp all int item", ns.yplookup, meta_all=[1])
    call("yp any int item", ns.yplookup, meta_any=[1, "tag1"])

    # set_metadata
    call("setmeta", ns.set_metadata, "example.a", ["new1", "new2"])
    call("setmeta lookup", ns.lookup, "example.a", True)
    call("setmeta set", ns.set_metadata, "example.a", {"only"})
    call("setmeta yp", ns.yplookup, meta_any=["only"])
    call("setmeta clear", ns.set_metadata, "example.a", None)
    call("setmeta cleared", ns.lookup, "example.a", True)
    call("setmeta unknown", ns.set_metadata, "no.such.name", ["x"])
    call("setmeta name int", ns.set_metadata, 5, ["x"])
    call("setmeta str", ns.set_metadata, "example.a", "abc")
    call("setmeta missing", ns.set_metadata, "example.a")

    # remove
    call("remove a", ns.remove, "example.a")
    call("remove a again", ns.remove, "example.a")
    call("remove self", ns.remove, "Pyro.NameServer")
    call("remove name int", ns.remove, 5)
    call("remove nothing", ns.remove)
    call("remove empty name with prefix", ns.remove, name="", prefix="kw.")
    call("remove regex invalid", ns.remove, regex="[")
    call("remove regex", ns.remove, regex="other")
    call("remove prefix", ns.remove, prefix="example.")
    call("remove prefix self", ns.remove, prefix="Pyro.")
    call("remove regex all", ns.remove, regex=".*")
    call("count end", ns.count)
    call("list end", ns.list, return_metadata=True)

    text = "\n".join(lines)
    if port is not None:
        text = text.replace(":" + port, ":NSPORT")
    print(text)


if __name__ == "__main__":
    main()

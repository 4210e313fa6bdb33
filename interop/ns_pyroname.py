"""Python Pyro5 (or, with --pyro4, Pyro4) server and client meeting through a name server on
127.0.0.1. Both generations print the same lines, so one test table checks them.

Usage:
  python ns_pyroname.py [--pyro4] serve NSPORT   register an adder object as test.ns.adder
                                       (metadata 'adder', 'math'), print "registered <uri>", serve
  python ns_pyroname.py [--pyro4] call NSPORT    call it through PYRONAME: and PYROMETA: URIs
  python ns_pyroname.py [--pyro4] locate         locate_ns() (Pyro4: locateNS()) without a host
                                       (broadcast discovery; run with PYRO_BROADCAST_ADDRS=127.0.0.1
                                       and PYRO_NS_BCPORT)
  python ns_pyroname.py [--pyro4] ns NSPORT      ping, register, lookup, list, remove: the checks
                                       of `pyro4_client.py ns`, printing "ok <check>" each and
                                       "done", exiting 1 on the first failure
"""

import sys

PYRO4 = sys.argv[1] == "--pyro4"
if PYRO4:
    del sys.argv[1]
    import Pyro4 as pyro

    locate_ns = pyro.locateNS
else:
    import Pyro5.api as pyro

    locate_ns = pyro.locate_ns


@pyro.expose
class Adder:
    def add(self, a, b):
        return a + b


def serve(ns_port):
    with pyro.Daemon(host="127.0.0.1") as daemon:
        uri = daemon.register(Adder)
        ns = locate_ns("127.0.0.1", ns_port)
        ns.register("test.ns.adder", uri, metadata={"adder", "math"})
        print("registered", uri, flush=True)
        daemon.requestLoop()


def call(ns_port):
    with pyro.Proxy("PYRONAME:test.ns.adder@127.0.0.1:%d" % ns_port) as adder:
        print("PYRONAME add", adder.add(2, 3))
    with pyro.Proxy("PYROMETA:adder@127.0.0.1:%d" % ns_port) as adder:
        print("PYROMETA add", adder.add(3, 4))
    with locate_ns("127.0.0.1", ns_port) as ns:
        print("locate_ns count", ns.count())


def locate():
    with locate_ns() as ns:
        print("located", ns._pyroUri, "count", ns.count())


def check(label, got, want):
    if got != want:
        print("FAIL %s: got %r, want %r" % (label, got, want))
        sys.exit(1)
    print("ok %s" % label)


def ns_checks(ns_port):
    with locate_ns("127.0.0.1", ns_port) as ns:
        check("ns ping", ns.ping(), None)
        ns.register("py.test.x", "PYRO:x@127.0.0.1:5555", metadata={"m1"})
        check("ns lookup", str(ns.lookup("py.test.x")), "PYRO:x@127.0.0.1:5555")
        uri, meta = ns.lookup("py.test.x", return_metadata=True)
        check("ns lookup metadata", set(meta), {"m1"})
        check("ns list", sorted(ns.list(prefix="py.test.")), ["py.test.x"])
        check("ns remove", ns.remove("py.test.x"), 1)
        check("ns list after", ns.list(prefix="py.test."), {})
    print("done")


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    elif sys.argv[1] == "call":
        call(int(sys.argv[2]))
    elif sys.argv[1] == "ns":
        ns_checks(int(sys.argv[2]))
    else:
        locate()

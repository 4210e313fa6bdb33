"""Python Pyro5 server and client meeting through a name server on 127.0.0.1.

Usage:
  python ns_pyroname.py serve NSPORT   register an adder object as test.ns.adder (metadata
                                       'adder', 'math'), print "registered <uri>", serve
  python ns_pyroname.py call NSPORT    call it through PYRONAME: and PYROMETA: URIs
  python ns_pyroname.py locate         locate_ns() without a host (broadcast discovery; run
                                       with PYRO_BROADCAST_ADDRS=127.0.0.1 and PYRO_NS_BCPORT)
"""

import sys

import Pyro5.api


@Pyro5.api.expose
class Adder:
    def add(self, a, b):
        return a + b


def serve(ns_port):
    with Pyro5.api.Daemon(host="127.0.0.1") as daemon:
        uri = daemon.register(Adder)
        ns = Pyro5.api.locate_ns("127.0.0.1", ns_port)
        ns.register("test.ns.adder", uri, metadata={"adder", "math"})
        print("registered", uri, flush=True)
        daemon.requestLoop()


def call(ns_port):
    with Pyro5.api.Proxy("PYRONAME:test.ns.adder@127.0.0.1:%d" % ns_port) as adder:
        print("PYRONAME add", adder.add(2, 3))
    with Pyro5.api.Proxy("PYROMETA:adder@127.0.0.1:%d" % ns_port) as adder:
        print("PYROMETA add", adder.add(3, 4))
    with Pyro5.api.locate_ns("127.0.0.1", ns_port) as ns:
        print("locate_ns count", ns.count())


def locate():
    with Pyro5.api.locate_ns() as ns:
        print("located", ns._pyroUri, "count", ns.count())


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    elif sys.argv[1] == "call":
        call(int(sys.argv[2]))
    else:
        locate()

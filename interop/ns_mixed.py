"""The Python half of a mixed Rust/Python deployment sharing one name server (pyroxene's).

Usage:
  python ns_mixed.py serve NSPORT   register a Greeter as example.python (metadata 'example',
                                    'python') in the name server on 127.0.0.1:NSPORT, print
                                    "registered <uri>", serve until killed
  python ns_mixed.py call NSPORT    call example.rust and example.python through PYRONAME:
                                    URIs at 127.0.0.1:NSPORT, list example.*, print each result
"""

import sys

import Pyro5.api


@Pyro5.api.expose
class Greeter:
    def greet(self, name):
        return "hello %s, from python" % name

    def add(self, a, b):
        return a + b


def serve(ns_port):
    with Pyro5.api.Daemon(host="127.0.0.1") as daemon:
        uri = daemon.register(Greeter)
        with Pyro5.api.locate_ns("127.0.0.1", ns_port) as ns:
            ns.register("example.python", uri, metadata={"example", "python"})
        print("registered", uri, flush=True)
        daemon.requestLoop()


def call(ns_port):
    for name in ("example.rust", "example.python"):
        with Pyro5.api.Proxy("PYRONAME:%s@127.0.0.1:%d" % (name, ns_port)) as obj:
            print(name, "greet", obj.greet("python client"))
            print(name, "add", obj.add(2, 3))
    with Pyro5.api.locate_ns("127.0.0.1", ns_port) as ns:
        print("list", sorted(ns.list(prefix="example.")))
        print("yplookup", sorted(ns.yplookup(meta_all=["example"], return_metadata=False)))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        call(int(sys.argv[2]))

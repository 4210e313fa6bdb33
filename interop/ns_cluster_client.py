"""Python Pyro clients on a pyroxene name-server cluster (several name servers on one etcd).

Usage:
  python ns_cluster_client.py register GEN PORT NAME   register NAME -> PYRO:pyGEN@127.0.0.1:1
                                                       through the name server at PORT; prints
                                                       "registered NAME"
  python ns_cluster_client.py lookup GEN PORT NAME     look NAME up through the name server at
                                                       PORT (retried for at most 5 s while
                                                       unknown); prints "found URI"
  python ns_cluster_client.py leased PORT NAME TTL     a Pyro5 daemon registering its object as
                                                       NAME with metadata lease:TTL, registering
                                                       again every TTL/3 s; prints "registered
                                                       URI", then serves until killed

GEN is 4 or 5 (Pyro4 or Pyro5).
"""

import sys
import threading
import time


def pyro(generation):
    if generation == "4":
        import Pyro4
        return Pyro4.locateNS, Pyro4.errors.NamingError
    import Pyro5.api
    import Pyro5.errors
    return Pyro5.api.locate_ns, Pyro5.errors.NamingError


def register(generation, port, name):
    locate, _ = pyro(generation)
    ns = locate("127.0.0.1", port)
    ns.register(name, "PYRO:py%s@127.0.0.1:1" % generation)
    print("registered", name)


def lookup(generation, port, name):
    locate, naming_error = pyro(generation)
    ns = locate("127.0.0.1", port)
    deadline = time.time() + 5
    while True:
        try:
            print("found", ns.lookup(name))
            return
        except naming_error:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def leased(port, name, ttl):
    import Pyro5.api

    @Pyro5.api.expose
    class Thing:
        def ping(self):
            return "pong"

    daemon = Pyro5.api.Daemon(host="127.0.0.1")
    uri = daemon.register(Thing)
    tags = {"lease:%d" % ttl}
    Pyro5.api.locate_ns("127.0.0.1", port).register(name, uri, metadata=tags)

    def renew():
        ns = Pyro5.api.locate_ns("127.0.0.1", port)
        while True:
            time.sleep(ttl / 3)
            ns.register(name, uri, metadata=tags)

    threading.Thread(target=renew, daemon=True).start()
    print("registered", uri, flush=True)
    daemon.requestLoop()


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "register":
        register(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif mode == "lookup":
        lookup(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        leased(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))

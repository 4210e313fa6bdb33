"""The "remote" side of the tunnel tests (crates/pyroxene-tunnel/tests): Python Pyro5 peers on
the far end of an ssh tunnel, which the Rust side reaches only through it.

  server NS_HOST NS_PORT BIND_HOST   a worker in one daemon (registered as lab.worker) whose
                                     make_child() returns an autoproxy of an object in a
                                     second daemon (another port), and whose integrate() is
                                     the old async_method pattern: oneway, reporting progress
                                     and the result through the caller's cb_info handler.
                                     Prints "READY <uri>" and serves until killed.
  client NS_HOST NS_PORT NAME N      looks NAME up, prints "SQUARE <square(7)>", then passes a
                                     callback object of its own daemon to the oneway count(N,
                                     callback) and prints "PROGRESS [...]" and "DONE <total>"
                                     once the server called back.
"""

import sys
import threading

import Pyro5.api


class Child:
    def __init__(self, tag):
        self.tag = tag

    @Pyro5.api.expose
    def name(self):
        return "child " + self.tag


class Worker:
    def __init__(self, children):
        self.children = children

    @Pyro5.api.expose
    def square(self, x):
        return x * x

    @Pyro5.api.expose
    def make_child(self, tag):
        child = Child(tag)
        self.children.register(child)
        return child  # autoproxied: a proxy for the object in the other daemon

    @Pyro5.api.expose
    @Pyro5.api.oneway
    def integrate(self, n, cb_info=None):
        # The support_pyro async_method pattern: callbacks named in cb_info on cb_handler.
        cb_info = cb_info or {}
        handler = cb_info.get("cb_handler")
        if isinstance(handler, Pyro5.api.URI) or isinstance(handler, str):
            handler = Pyro5.api.Proxy(handler)
        else:
            # a oneway call runs in a thread of its own; Pyro5 proxies belong to one thread
            handler._pyroClaimOwnership()
        updates = getattr(handler, cb_info.get("cb_updates", "progress"))
        done = getattr(handler, cb_info.get("cb", "done"))
        total = 0
        for i in range(1, n + 1):
            total += i
            updates(i)
        done(total)


def server(ns_host, ns_port, bind_host):
    children = Pyro5.api.Daemon(host="127.0.0.1")
    daemon = Pyro5.api.Daemon(host=bind_host)
    uri = daemon.register(Worker(children), "lab.worker")
    ns = Pyro5.api.locate_ns(ns_host, int(ns_port))
    ns.register("lab.worker", uri)
    threading.Thread(target=children.requestLoop, daemon=True).start()
    print("READY", uri, flush=True)
    daemon.requestLoop()


class Callback:
    def __init__(self):
        self.progress = []
        self.total = None
        self.finished = threading.Event()

    @Pyro5.api.expose
    def report(self, value):
        self.progress.append(value)

    @Pyro5.api.expose
    def done(self, total):
        self.total = total
        self.finished.set()


def client(ns_host, ns_port, name, n):
    ns = Pyro5.api.locate_ns(ns_host, int(ns_port))
    uri = ns.lookup(name)
    with Pyro5.api.Proxy(uri) as target:
        print("SQUARE", target.square(7), flush=True)
        daemon = Pyro5.api.Daemon(host="127.0.0.1")
        callback = Callback()
        daemon.register(callback)
        threading.Thread(target=daemon.requestLoop, daemon=True).start()
        target.count(int(n), callback)
        if not callback.finished.wait(30):
            print("TIMEOUT", callback.progress, flush=True)
            sys.exit(1)
        print("PROGRESS", callback.progress, flush=True)
        print("DONE", callback.total, flush=True)
        daemon.shutdown()


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    {"server": server, "client": client}[mode](*args)

"""A Python Pyro5 user's first minutes with the pyroxene wheel (run by scripts/test-wheel.sh in
the fresh venv the wheel was installed into, against `pyroxene ns` started from that venv):
serve an object, register it in the name server, look it up, list, call it by PYRONAME:, remove.

    python wheel_client.py NS_PORT

Ends with "N passed, M failed" (interop/harness.py) and a non-zero status on any failure."""
import sys
import threading

from harness import check, finish
from Pyro5.api import Daemon, Proxy, expose, locate_ns


@expose
class Greeter:
    def hello(self, name):
        return "hello " + name


def main():
    port = int(sys.argv[1])
    daemon = Daemon(host="127.0.0.1")
    uri = daemon.register(Greeter(), "wheel.greeter")
    threading.Thread(target=daemon.requestLoop, daemon=True).start()
    try:
        ns = locate_ns("127.0.0.1", port)
        check("ping", ns.ping() is None)
        ns.register("example.wheel.greeter", uri, metadata={"class:Greeter"})
        check("lookup", str(ns.lookup("example.wheel.greeter")) == str(uri), ns.lookup("example.wheel.greeter"))
        listed = ns.list()
        check("list", set(listed) == {"Pyro.NameServer", "example.wheel.greeter"}, listed)
        check("list prefix", list(ns.list(prefix="example.")) == ["example.wheel.greeter"])
        check("yplookup", list(ns.yplookup(meta_all={"class:Greeter"})) == ["example.wheel.greeter"])
        with Proxy("PYRONAME:example.wheel.greeter@127.0.0.1:%d" % port) as greeter:
            check("call via PYRONAME", greeter.hello("wheel") == "hello wheel")
        check("remove", ns.remove("example.wheel.greeter") == 1)
        check("count after remove", ns.count() == 1)
    finally:
        daemon.shutdown()
    finish()


if __name__ == "__main__":
    main()

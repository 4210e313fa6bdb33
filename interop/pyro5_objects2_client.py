"""A Python Pyro5 client of the Rust daemon in the instance-mode, proxy-value, callback and
blob tests (crates/pyroxene/tests/objects2_interop.rs).

Usage: python pyro5_objects2_client.py MODE URI SERIALIZER [ARG]
  instances LOCATION   tally.single / tally.session / tally.percall at LOCATION (host:port)
  proxies URI          the factory: autoproxied items, proxies and URIs as arguments
  callbacks URI        the notifier calls back an object of this client's own daemon
  blob URI WORKER      a SerializedBlob through the Rust dispatcher; WORKER says who answers
Prints "N passed, M failed".
"""
import os
import sys
import threading

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import Pyro5.api  # noqa: E402
import Pyro5.client  # noqa: E402
import Pyro5.core  # noqa: E402
from harness import check, finish  # noqa: E402

mode, target, serializer = sys.argv[1], sys.argv[2], sys.argv[3]
arg = sys.argv[4] if len(sys.argv) > 4 else None
Pyro5.config.SERIALIZER = serializer


def proxy(uri):
    return Pyro5.api.Proxy(uri)


def instances(location):
    with proxy("PYRO:tally.session@" + location) as a, proxy("PYRO:tally.session@" + location) as b:
        check("session same instance", a.serial() == a.serial())
        check("session counts per connection", [a.bump()[1], a.bump()[1], b.bump()[1]] == [1, 2, 1])
        check("session distinct per proxy", a.serial() != b.serial(), (a.serial(), b.serial()))
    with proxy("PYRO:tally.percall@" + location) as p:
        serials = [p.serial() for _ in range(3)]
        check("percall new per call", len(set(serials)) == 3, serials)
        check("percall count always 1", p.bump()[1] == 1 and p.bump()[1] == 1)
    with proxy("PYRO:tally.single@" + location) as a, proxy("PYRO:tally.single@" + location) as b:
        check("single shared", a.serial() == b.serial() == 1, (a.serial(), b.serial()))
        check("single counts across proxies", [a.bump()[1], b.bump()[1], a.bump()[1]] == [1, 2, 3])


def proxies(uri):
    with proxy(uri) as factory:
        for make in ("make", "make_here"):
            item = getattr(factory, make)("apple")
            check(make + " gives a Proxy", isinstance(item, Pyro5.client.Proxy), repr(item))
            check(make + " metadata preset", "name" in item._pyroMethods, item._pyroMethods)
            check(make + " proxy works", item.name() == "apple")
            # The proxy back to the server: a Rust Proxy parameter.
            check(make + " proxy as argument", factory.name_of(item) == "apple")
            uri_text, methods = factory.inspect(item)
            check(make + " proxy state read", uri_text == str(item._pyroUri) and methods == ["name"],
                  (uri_text, methods))
            returned = factory.uri_of(item)
            check(make + " URI value", isinstance(returned, Pyro5.core.URI) and returned == item._pyroUri,
                  repr(returned))
            item._pyroRelease()
        check("URI object argument", factory.uri_text(Pyro5.core.URI("PYRO:x@127.0.0.1:1")) == "PYRO:x@127.0.0.1:1")


class Callback(object):
    def __init__(self):
        self.pings = []
        self.pinged = threading.Event()

    @Pyro5.api.expose
    def done(self, n):
        return "python callback done %d" % n

    @Pyro5.api.expose
    @Pyro5.api.oneway
    def ping(self, n):
        self.pings.append(n)
        self.pinged.set()

    @Pyro5.api.expose
    @Pyro5.api.callback
    def fail(self):
        raise ValueError("python callback refuses")


def callbacks(uri):
    daemon = Pyro5.api.Daemon(host="127.0.0.1", port=0)
    cb = Callback()
    daemon.register(cb)
    thread = threading.Thread(target=daemon.requestLoop, daemon=True)
    thread.start()
    try:
        with proxy(uri) as notifier:
            # The registered object itself as argument: Python's autoproxy sends a Proxy.
            check("callback result", notifier.call_back(cb, 7) == "python callback done 7")
            answer = notifier.call_oneway(cb, 8)
            check("oneway callback returns None at once", answer == "sent, got None", answer)
            check("oneway callback arrives", cb.pinged.wait(10) and cb.pings == [8], cb.pings)
            failed = notifier.call_failing(cb)
            check("failing callback seen by the server",
                  failed == "builtins.ValueError: python callback refuses", failed)
    finally:
        daemon.shutdown()
        thread.join(10)
        daemon.close()


def blob(uri, worker):
    with proxy(uri) as dispatcher:
        data = {"numbers": [1, 2, 3], "text": "blob é", "pad": "p" * 300}  # > 100 bytes: compressible
        answer = dispatcher.process(Pyro5.api.SerializedBlob("blob-info", data))
        check("blob answered by " + worker, list(answer) == ["blob-info", data, worker], answer)


{"instances": instances, "proxies": proxies, "callbacks": callbacks,
 "blob": lambda uri: blob(uri, arg)}[mode](target)
finish()

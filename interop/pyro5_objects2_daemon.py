"""A Python Pyro5 daemon for the Rust proxy in the proxy-value, callback and blob tests
(crates/pyroxene/tests/objects2_interop.rs).

Prints "caller uri: ...", "factory uri: ..." and "worker uri: ..." once serving:
- caller: calls back the callback object (a proxy) it is given: done(n), the oneway ping(n),
  and fail() (reporting the exception it raised);
- factory: make(name) registers an Item and returns it (autoproxy sends a Proxy);
- worker: process(blob) answers (blob.info, blob.deserialized(), "python").
"""
import os
import sys

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
import Pyro5.api  # noqa: E402


@Pyro5.api.expose
class Caller(object):
    def run(self, cb, n):
        return cb.done(n)

    def run_oneway(self, cb, n):
        return "sent, got %r" % (cb.ping(n),)

    def run_failing(self, cb):
        try:
            cb.fail()
        except Exception as e:
            return "%s.%s: %s" % (type(e).__module__, type(e).__name__, e)
        return "no exception"


@Pyro5.api.expose
class Item(object):
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


@Pyro5.api.expose
class Factory(object):
    def make(self, name):
        item = Item(name)
        self._pyroDaemon.register(item)
        return item

    def name_of(self, item):
        return item.name()


@Pyro5.api.expose
class Worker(object):
    def process(self, blob):
        return blob.info, blob.deserialized(), "python"


host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
with Pyro5.api.Daemon(host=host, port=0) as daemon:
    print("caller uri:", daemon.register(Caller(), "test.caller"), flush=True)
    print("factory uri:", daemon.register(Factory(), "test.factory"), flush=True)
    print("worker uri:", daemon.register(Worker(), "test.worker"), flush=True)
    daemon.requestLoop()

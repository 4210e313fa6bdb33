"""The `Library` interface of crates/pyroxene/tests/support/library.rs, implemented in Python,
for the typed Rust client (crates/pyroxene/tests/interface_interop.rs).

Usage: python library_daemon.py pyro5|pyro4

Prints "library uri: PYRO:..." once serving on 127.0.0.1 (a random port). `ping` is NOT marked
oneway here: the typed client must send it oneway because the Rust trait says so, and
`onewayPings` counts the pings that arrived with the ONEWAY flag.
"""
import os
import sys
import threading

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
generation = sys.argv[1]
if generation == "pyro5":
    import Pyro5.api as pyro  # noqa: E402
    from Pyro5.api import current_context  # noqa: E402
    from Pyro5.protocol import FLAGS_ONEWAY  # noqa: E402
else:
    import Pyro4 as pyro  # noqa: E402
    from Pyro4 import current_context  # noqa: E402
    from Pyro4.message import FLAGS_ONEWAY  # noqa: E402

BOOKS = [{"id": 1, "title": "Dune"}, {"id": 2, "title": "Emma"}, {"id": 3, "title": "Evelina"}]


@pyro.expose
class Library(object):
    def __init__(self):
        self._lock = threading.Lock()
        self._pings = 0
        self._title = "town library"

    def get(self, id):
        for book in BOOKS:
            if book["id"] == id:
                return book
        raise KeyError("no book %d" % id)

    def ping(self):
        if current_context.msg_flags & FLAGS_ONEWAY:
            with self._lock:
                self._pings += 1

    def onewayPings(self):
        with self._lock:
            return self._pings

    def listBooks(self, prefix="", maxCount=None):
        if maxCount == 0:
            raise RuntimeError("limit must be positive")
        found = [b for b in BOOKS if b["title"].startswith(prefix)]
        return found if maxCount is None else found[:maxCount]

    def numbers(self, n):
        for i in range(n):
            yield i

    def read(self, path):
        with open(path) as f:
            return f.read()

    def fail_os(self, errno):
        raise OSError(errno, os.strerror(errno))

    @property
    def title(self):
        return self._title

    @title.setter
    def title(self, value):
        self._title = value


with pyro.Daemon(host="127.0.0.1", port=0) as daemon:
    uri = daemon.register(Library(), "library")
    print("library uri: %s" % uri, flush=True)
    daemon.requestLoop()

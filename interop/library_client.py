"""A Python client of the Rust daemon serving `#[expose] impl Library for Shelf`
(crates/pyroxene/tests/support/library.rs), for crates/pyroxene/tests/interface_interop.rs.

Usage: python library_client.py pyro5|pyro4 URI SERIALIZER

Checks what a Python user of the object sees: results, keyword arguments, Python's TypeError
texts, the oneway method from the metadata, streams, the property, and the exceptions of the
Rust error types (`Result<_, String>` -> RuntimeError, `io::Error` -> the OSError subclass
with errno and strerror). Prints "N passed, M failed".
"""
import errno as errnos
import os
import sys
import time

from harness import check, finish

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
generation, uri, serializer = sys.argv[1], sys.argv[2], sys.argv[3]
if generation == "pyro5":
    import Pyro5.api as pyro  # noqa: E402
else:
    import Pyro4 as pyro  # noqa: E402
pyro.config.SERIALIZER = serializer


def raised(fn):
    try:
        fn()
    except Exception as e:  # the test looks at whatever was raised
        return e
    return None


with pyro.Proxy(uri) as lib:
    check("get", lib.get(1) == {"id": 1, "title": "Dune"}, repr(lib.get(1)))
    e = raised(lambda: lib.get(9))
    check("KeyError", type(e) is KeyError and e.args == ("no book 9",), repr(e))

    check("listBooks()", [b["id"] for b in lib.listBooks()] == [1, 2, 3])
    check("prefix=", [b["id"] for b in lib.listBooks(prefix="E")] == [2, 3])
    check("maxCount=", [b["id"] for b in lib.listBooks(maxCount=1)] == [1])
    check("positional", [b["id"] for b in lib.listBooks("Ev", 5)] == [3])
    e = raised(lambda: lib.listBooks(maxCount=0))
    check("String error is RuntimeError", type(e) is RuntimeError and str(e) == "limit must be positive", repr(e))

    e = raised(lambda: lib.get())
    check("missing", type(e) is TypeError and str(e) == "Shelf.get() missing 1 required positional argument: 'id'", repr(e))
    e = raised(lambda: lib.listBooks(max_count=1))
    check("unexpected kw", type(e) is TypeError and str(e) == "Shelf.listBooks() got an unexpected keyword argument 'max_count'", repr(e))
    e = raised(lambda: lib.list_books())
    check("rust name unknown", type(e) is AttributeError, repr(e))

    check("numbers", list(lib.numbers(3)) == [0, 1, 2])

    e = raised(lambda: lib.read("/no/such/file"))
    check("FileNotFoundError", type(e) is FileNotFoundError and e.errno == 2
          and e.strerror == "No such file or directory", repr(e))
    check("FileNotFoundError str", str(e) == "[Errno 2] No such file or directory", str(e))
    e = raised(lambda: lib.read("/"))
    check("IsADirectoryError", type(e) is IsADirectoryError and e.errno == errnos.EISDIR, repr(e))
    # Errors Rust has no kind for reach Python as OSError(errno, strerror): its constructor
    # picks the subclass.
    for number, cls in [(errnos.ESRCH, ProcessLookupError), (errnos.ECHILD, ChildProcessError),
                        (errnos.EACCES, PermissionError), (errnos.EPIPE, BrokenPipeError),
                        (errnos.EIO, OSError)]:
        e = raised(lambda: lib.fail_os(number))
        check("errno %d" % number, type(e) is cls and e.errno == number
              and e.strerror == os.strerror(number), repr(e))

    # Python's own marshal serializer (Pyro4 and Pyro5) can't send attribute access: its
    # dumpsCall reads the kwargs None that `__getattr__` passes. The other serializers can.
    if serializer != "marshal":
        check("title", lib.title == "town library", repr(lib.title))
        lib.title = "python library"
        check("title set", lib.title == "python library", repr(lib.title))

    check("ping is oneway in the metadata", "ping" in lib._pyroOneway, repr(lib._pyroOneway))
    before = lib.onewayPings()
    check("oneway returns None", lib.ping() is None)
    deadline = time.monotonic() + 10
    while lib.onewayPings() == before and time.monotonic() < deadline:
        time.sleep(0.005)
    check("ping came oneway", lib.onewayPings() == before + 1, repr(lib.onewayPings()))

finish()

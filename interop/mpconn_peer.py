"""A CPython multiprocessing.connection peer for pyroxene-connection's interop tests
(crates/pyroxene-connection/tests/interop.rs). Standard library only.

    mpconn_peer.py listen  ADDRESS KEY    Listener; prints "listening on ADDRESS"
    mpconn_peer.py connect ADDRESS KEY    Client

ADDRESS: host:port, a socket path, or @name (an abstract name, '\\0name' in Python).
KEY: the authkey in hex, or '-' for None. After the handshake the peer runs SCENARIO in
step with the Rust side; a failed handshake prints "AuthenticationError: <text>" and exits 0.
Every check that fails raises, so the exit status is non-zero and the traceback says why.
"""

import datetime
import decimal
import sys
import time
import uuid
from multiprocessing import AuthenticationError, BufferTooShort
from multiprocessing import connection as mpc

OBJECTS = [
    None, True, False, 0, -1, 255, 65536, -2**31, 2**31, 2**63, -2**100, 3**300,
    1.5, -0.0, float("inf"), 1e300, 1 + 2j,
    "", "text", "naïve ☃ 𝄞", "x" * 300,
    b"", b"bytes\x00\xff", bytes(range(256)),
    [], [1, "a", [2.5]], (), (1,), (1, 2, 3, 4), ((1, 2), [3]),
    {}, {"a": 1, 2: "b", (1, 2): None},
    set(), {1, 2, 3}, {"key": {"nested": [{7, 8}, (None,)]}},
    # Beyond plain containers: the standard-library values pyroxene-wire's pickle keeps.
    frozenset({1, 2}), {frozenset({3}): "frozen key"},
    datetime.datetime(2024, 2, 29, 23, 59, 58, 123456),
    datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    datetime.date(1999, 12, 31), datetime.time(12, 30, 15, 5),
    decimal.Decimal("-1.10"), uuid.UUID("12345678-1234-5678-1234-567812345678"),
]

BIG = bytes(range(256)) * (17 * 4096)  # 17 MiB


def parse_address(text):
    if text.startswith("@"):
        return "\0" + text[1:]
    host, sep, port = text.rpartition(":")
    if sep and "/" not in text and port.isdigit():
        return (host.strip("[]"), int(port))
    return text


def show_address(address):
    if isinstance(address, tuple):
        return "%s:%d" % address[:2]
    if isinstance(address, bytes):  # an abstract name comes back as bytes
        return "@" + address[1:].decode()
    return address


def check(what, ok):
    if not ok:
        raise AssertionError(what)


def same(a, b):
    # repr() tells -0.0 from 0.0; big bytes need no repr.
    return type(a) is type(b) and a == b and (isinstance(a, bytes) and len(a) > 1000 or repr(a) == repr(b))


def scenario(c):
    # 1. Python's objects to Rust: Rust answers with its repr() of what it read, then sends
    #    the value back pickled by Rust.
    c.send(len(OBJECTS))
    for obj in OBJECTS:
        c.send(obj)
        rust_repr = c.recv_bytes().decode()
        check("Rust read %r as %s" % (obj, rust_repr), rust_repr == repr(obj))
        back = c.recv()
        check("Rust sent %r back as %r" % (obj, back), same(back, obj))
    # 2. Typed values through serde on the Rust side.
    c.send(("square", 7))
    check("typed reply", same(c.recv(), ("square", 49)))
    check("a Rust struct", same(c.recv(), {"name": "sum", "args": [1, 2, 3], "weight": None}))
    # 3. Bytes with offset and size, and empty messages.
    c.send_bytes(b"0123456789", 2, 5)
    check("send_bytes from Rust", c.recv_bytes() == b"3456")
    c.send_bytes(b"")
    check("an empty message from Rust", c.recv_bytes() == b"")
    # 4. recv_bytes_into, and BufferTooShort carrying the message, both ways.
    c.send_bytes(b"hello")
    c.send_bytes(b"x" * 20)
    buf = bytearray(10)
    check("recv_bytes_into", c.recv_bytes_into(buf, 3) == 5 and buf[3:8] == b"world")
    try:
        c.recv_bytes_into(buf)
        check("BufferTooShort", False)
    except BufferTooShort as e:
        check("BufferTooShort's message", e.args[0] == b"y" * 20)
    # 5. poll: Rust polls while we wait for its "go"; then we poll, then we send late.
    check("go", c.recv_bytes() == b"go")
    check("nothing to read yet", c.poll() is False)
    time.sleep(0.2)
    c.send_bytes(b"ping")
    check("poll sees Rust's pong", c.poll(30) is True)
    check("pong", c.recv_bytes() == b"pong")
    # 6. A 17 MiB message both ways, as bytes and as a pickled object.
    c.send_bytes(BIG)
    check("17 MiB back", c.recv_bytes() == BIG)
    c.send(BIG)
    check("17 MiB object back", same(c.recv(), BIG))
    # 7. maxlength: a longer message is refused before its payload is read, both ways.
    c.send_bytes(b"z" * 300)
    try:
        c.recv_bytes(256)
        check("bad message length", False)
    except OSError as e:
        print("OSError: %s" % e, flush=True)
    try:
        c.recv_bytes()
        check("write-only", False)
    except OSError as e:
        print("OSError: %s" % e, flush=True)


def main():
    mode, address, key = sys.argv[1:4]
    authkey = None if key == "-" else bytes.fromhex(key)
    try:
        if mode == "listen":
            with mpc.Listener(parse_address(address), backlog=1, authkey=authkey) as listener:
                print("listening on %s" % show_address(listener.address), flush=True)
                c = listener.accept()
        else:
            c = mpc.Client(parse_address(address), authkey=authkey)
    except AuthenticationError as e:
        print("AuthenticationError: %s" % e, flush=True)
        return
    with c:
        scenario(c)
    print("done %d.%d" % sys.version_info[:2], flush=True)


if __name__ == "__main__":
    main()

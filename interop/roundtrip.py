"""Round-trip helper for pyroxene's interop tests.

Usage: python roundtrip.py {pyro4|pyro5} {serpent|json|marshal|msgpack}

Reads frames from stdin (1 tag byte, u32 big-endian length, payload). For each 'D' frame it
decodes the payload with the real Pyro serializer wrapper, re-encodes the result with the same
serializer and answers two frames: 'O' + the new bytes, then 'R' + repr() of the decoded value
(UTF-8). A failure answers one 'E' frame with "ExceptionClass: message". EOF ends the script.
"""
import os
import struct
import sys

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")


def serializer(lib, name):
    if lib == "pyro5":
        from Pyro5 import serializers
        return serializers.serializers[name]
    if lib == "pyro4":
        from Pyro4 import util
        return util.get_serializer(name)
    raise SystemExit("unknown library " + lib)


def read_exact(stream, n):
    data = stream.read(n)
    if len(data) != n:
        return None
    return data


def send(out, tag, payload):
    out.write(tag + struct.pack(">I", len(payload)) + payload)


def main():
    lib, name = sys.argv[1], sys.argv[2]
    ser = serializer(lib, name)
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = read_exact(inp, 5)
        if head is None:
            return
        tag, length = head[:1], struct.unpack(">I", head[1:])[0]
        payload = read_exact(inp, length)
        if payload is None:
            return
        if tag != b"D":
            send(out, b"E", b"ValueError: unknown request tag")
            out.flush()
            continue
        try:
            value = ser.loads(payload)
            again = ser.dumps(value)
            send(out, b"O", bytes(again))
            send(out, b"R", repr(value).encode("utf-8", "surrogatepass"))
        except Exception as e:  # report every failure to the Rust side
            send(out, b"E", ("%s: %s" % (type(e).__name__, e)).encode("utf-8", "surrogatepass"))
        out.flush()


if __name__ == "__main__":
    main()

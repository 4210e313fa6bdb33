"""Round-trip helper for pyroxene's interop tests.

Usage: python roundtrip.py {pyro4|pyro5} {serpent|json|marshal|msgpack}

Reads frames from stdin (1 tag byte, u32 big-endian length, payload). For each 'D' frame it
decodes the payload with the real Pyro serializer wrapper, re-encodes the result with the same
serializer and answers two frames: 'O' + the new bytes, then 'R' + repr() of the decoded value
(UTF-8). A failure answers one 'E' frame with "ExceptionClass: message". EOF ends the script.
"""
import os
import sys
import time

from harness import serve_frames, text

# Pyro's msgpack carries a naive datetime as a POSIX timestamp that Python reads as *local*
# time; pyroxene reads it in UTC. In UTC both mean the same wall clock, so reprs compare.
os.environ["TZ"] = "UTC"
time.tzset()


def serializer(lib, name):
    if lib == "pyro5":
        from Pyro5 import serializers
        return serializers.serializers[name]
    if lib == "pyro4":
        from Pyro4 import util
        return util.get_serializer(name)
    raise SystemExit("unknown library " + lib)


def main():
    ser = serializer(sys.argv[1], sys.argv[2])

    def handle(tag, payload):
        if tag != b"D":
            raise ValueError("unknown request tag")
        value = ser.loads(payload)
        return [(b"O", bytes(ser.dumps(value))), (b"R", text(repr(value)))]

    serve_frames(handle)


if __name__ == "__main__":
    main()

"""Shared plumbing of the interop helper scripts (imported by the scripts in this folder).

- Frames: the Rust tests talk to a helper over stdin/stdout in frames of 1 tag byte, a u32
  big-endian length and the payload (`pyroxene_testkit::PythonScript`). `serve_frames(handler)`
  runs that loop: `handler(tag, payload)` returns a list of `(tag, payload_bytes)` answers; an
  exception answers one 'E' frame "ExceptionClass: message".
- Checks: the client scripts count `check(name, condition, detail)` results and end with
  `finish()`, which prints "N passed, M failed" and sets the exit status.
"""
import os
import struct
import sys

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")


def _read_exact(stream, n):
    data = stream.read(n)
    return data if len(data) == n else None


def _send(out, tag, payload):
    out.write(tag + struct.pack(">I", len(payload)) + payload)


def text(s):
    """A str as frame payload bytes (lone surrogates survive)."""
    return s.encode("utf-8", "surrogatepass")


def serve_frames(handler):
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = _read_exact(inp, 5)
        if head is None:
            return
        tag, length = head[:1], struct.unpack(">I", head[1:])[0]
        payload = _read_exact(inp, length)
        if payload is None:
            return
        try:
            answers = handler(tag, payload)
        except Exception as e:  # report every failure to the Rust side
            answers = [(b"E", text("%s: %s" % (type(e).__name__, e)))]
        for answer_tag, answer_payload in answers:
            _send(out, answer_tag, answer_payload)
        out.flush()


_results = {"passed": 0, "failed": 0}


def check(name, condition, detail=""):
    if condition:
        _results["passed"] += 1
    else:
        _results["failed"] += 1
        print("FAIL %s %s" % (name, detail))


def finish():
    print("%d passed, %d failed" % (_results["passed"], _results["failed"]))
    sys.exit(1 if _results["failed"] else 0)

"""Pickle helper for pyroxene's interop tests (Pyro4's pickle serializer is plain `pickle`).

Usage: python pickle_protocols.py

Reads frames from stdin (see harness.py). For each 'D' frame it unpickles the payload with
Python's own pickle, then answers 'R' + repr() of the value (UTF-8) and four 'P' frames: the
value pickled with protocols 2, 3, 4 and 5. A failure answers one 'E' frame. EOF ends it.
"""
import pickle

from harness import serve_frames, text


def main():
    def handle(tag, payload):
        if tag != b"D":
            raise ValueError("unknown request tag")
        value = pickle.loads(payload)
        answers = [(b"R", text(repr(value)))]
        for protocol in (2, 3, 4, 5):
            answers.append((b"P", pickle.dumps(value, protocol)))
        return answers

    serve_frames(handle)


if __name__ == "__main__":
    main()

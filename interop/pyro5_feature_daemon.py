"""A Python Pyro5 daemon for the Rust proxy's interop tests: a handshake validator and an
object that reports the call context.

Usage: python pyro5_feature_daemon.py [HOST]

Prints "context uri: PYRO:test.context@HOST:PORT" once serving. The daemon's validateHandshake
accepts Pyro's default "hello" (answering "hello") and {"token": "secret", "user": U}
(answering {"welcome": U, "token_ok": True}); anything else is refused with
"access denied: <repr of the data>".
"""
import os
import sys

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
import Pyro5.api  # noqa: E402
from Pyro5.api import current_context  # noqa: E402


class CheckingDaemon(Pyro5.api.Daemon):
    def validateHandshake(self, conn, data):
        if data == "hello":
            return "hello"
        if isinstance(data, dict) and data.get("token") == "secret":
            return {"welcome": data.get("user"), "token_ok": True}
        raise ValueError("access denied: %r" % (data,))


@Pyro5.api.expose
class ContextObject(object):
    def echo(self, value):
        return value

    def echo_annotations(self):
        """Returns the request's annotations and correlation id; each annotation comes back as a
        response annotation of the same id with b"re:" in front."""
        received = {k: bytes(v) for k, v in current_context.annotations.items()}
        current_context.response_annotations = {k: b"re:" + v for k, v in received.items()}
        return {"annotations": {k: v.decode() for k, v in received.items()},
                "correlation_id": current_context.correlation_id.hex}


host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
with CheckingDaemon(host=host, port=0) as daemon:
    uri = daemon.register(ContextObject(), "test.context")
    print("context uri:", uri, flush=True)
    daemon.requestLoop()

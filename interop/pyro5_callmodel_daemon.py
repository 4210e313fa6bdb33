"""A Python Pyro5 daemon for the call-model interop tests: generators, batchable methods and
the correlation id of a call.

Usage: python pyro5_callmodel_daemon.py

Prints "callmodel uri: PYRO:test.callmodel@127.0.0.1:PORT" once serving. Config comes from
the environment as usual (e.g. PYRO_ITER_STREAMING=false).
"""
import os

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
import Pyro5.api  # noqa: E402
from Pyro5.api import current_context  # noqa: E402


@Pyro5.api.expose
class CallModel(object):
    def __init__(self):
        self.log = []

    def count(self, n):
        for i in range(n):
            yield i

    def failing(self):
        yield 1
        raise ValueError("bad item")

    def open_streams(self):
        return len(self._pyroDaemon.streaming_responses)

    def add(self, a, b):
        return a + b

    def fail(self):
        raise ValueError("boom")

    def remember(self, value):
        self.log.append(value)

    def remembered(self):
        return self.log

    def correlation(self):
        return current_context.correlation_id.hex


with Pyro5.api.Daemon(host="127.0.0.1", port=0) as daemon:
    uri = daemon.register(CallModel(), "test.callmodel")
    print("callmodel uri:", uri, flush=True)
    daemon.requestLoop()

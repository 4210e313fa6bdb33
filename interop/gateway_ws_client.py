"""A Python `websockets` client of pyroxene's gateway WebSocket (/pyro/ws).

Usage: gateway_ws_client.py ws://127.0.0.1:PORT/pyro/ws

Sends five calls at once on one socket (echo with a keyword argument, echo of a nested value,
the echo server's generator, a method raising ValueError, an attribute), reads replies until
each call has its last one, and prints one line: REPLIES <json list>, ordered by id and
arrival, an error reduced to its exception class.
"""

import json
import sys

from websockets.sync.client import connect

FRAMES = [
    {"id": 1, "object": "test.echoserver", "method": "echo", "kwargs": {"message": "hello from python"}},
    {"id": 2, "object": "test.echoserver", "method": "echo", "args": [[1, 2.5, None, {"nested": ["list"]}]]},
    {"id": 3, "object": "test.echoserver", "method": "generator"},
    {"id": 4, "object": "test.echoserver", "method": "error"},
    {"id": 5, "object": "test.echoserver", "method": "verbose"},
]


def main(url):
    replies = []
    with connect(url, open_timeout=20, close_timeout=5) as ws:
        for frame in FRAMES:
            ws.send(json.dumps(frame))
        open_ids = {f["id"] for f in FRAMES}
        while open_ids:
            reply = json.loads(ws.recv(timeout=20))
            if "error" in reply:
                reply["error"] = reply["error"]["__class__"]
            if "item" not in reply:
                open_ids.discard(reply["id"])
            replies.append(reply)
    replies.sort(key=lambda r: r["id"])  # stable: a stream's replies keep their order
    print("REPLIES", json.dumps(replies))


if __name__ == "__main__":
    main(sys.argv[1])

"""A Python coordinator for pyroxene-connection's `connection_worker` example (and the mirror
of its `connection_coordinator`): sends the same tasks and prints each `task -> reply` line.

    mpconn_coordinator.py ADDRESS KEY      ADDRESS: host:port, a path or @name; KEY: text or '-'
"""

import sys
from multiprocessing.connection import Client

from mpconn_peer import parse_address

TASKS = [
    ("square", 7),
    ("sum", [1, 2, 3, 4]),
    ("sort", {3, 1, 2}),
    ("upper", "naïve"),
    ("divide", 1),
    ("stop", None),
]


def main():
    address, key = sys.argv[1:3]
    authkey = None if key == "-" else key.encode()
    with Client(parse_address(address), authkey=authkey) as conn:
        for task in TASKS:
            conn.send(task)
            print("%r -> %r" % (task, conn.recv()), flush=True)


if __name__ == "__main__":
    main()

"""A Python worker for pyroxene-connection's `connection_coordinator` example (and the
mirror of its `connection_worker`): a multiprocessing.connection Listener that answers
(name, argument) tasks with ('ok', value) or ('error', text) and exits after 'stop'.

    mpconn_worker.py ADDRESS KEY      ADDRESS: host:port, a path or @name; KEY: text or '-'
"""

import sys
from multiprocessing.connection import Listener

from mpconn_peer import parse_address, show_address

TASKS = {
    "square": lambda n: n * n,
    "sum": sum,
    "sort": sorted,
    "upper": str.upper,
    "stop": lambda _: "bye",
}


def main():
    address, key = sys.argv[1:3]
    authkey = None if key == "-" else key.encode()
    with Listener(parse_address(address), authkey=authkey) as listener:
        print("listening on %s" % show_address(listener.address), flush=True)
        with listener.accept() as conn:
            while True:
                name, arg = conn.recv()
                task = TASKS.get(name)
                conn.send(("ok", task(arg)) if task else ("error", "unknown task %r" % name))
                if name == "stop":
                    return


if __name__ == "__main__":
    main()

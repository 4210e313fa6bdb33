"""The Python sides of scripts/bench-connection.sh (standard library only).

    mpconn_bench.py serve  ADDRESS KEY              echo listener; prints "listening on ADDRESS"
    mpconn_bench.py client ADDRESS KEY SIZE COUNT   ping-pong; prints one JSON line like
                                                    connection_bench's
KEY: text, or '-' for None.
"""

import json
import sys
import threading
import time
from multiprocessing.connection import Client, Listener

from mpconn_peer import parse_address, show_address

WARM_UP = 10


def echo(conn):
    with conn:
        try:
            while True:
                conn.send_bytes(conn.recv_bytes())
        except EOFError:
            pass


def serve(address, authkey):
    with Listener(parse_address(address), backlog=16, authkey=authkey) as listener:
        print("listening on %s" % show_address(listener.address), flush=True)
        while True:
            threading.Thread(target=echo, args=(listener.accept(),), daemon=True).start()


def client(address, authkey, size, count):
    message = bytes([7]) * size
    with Client(parse_address(address), authkey=authkey) as conn:
        for i in range(WARM_UP + count):
            if i == WARM_UP:
                started = time.perf_counter()
            conn.send_bytes(message)
            if len(conn.recv_bytes()) != size:
                raise SystemExit("short echo")
        seconds = time.perf_counter() - started
    rate = count / seconds
    print(json.dumps({"messages": count, "size": size, "seconds": round(seconds, 6),
                      "messages_per_second": round(rate, 1),
                      "mb_per_second": round(rate * size / 1e6, 1)}))


def main():
    mode, address, key = sys.argv[1:4]
    authkey = None if key == "-" else key.encode()
    if mode == "serve":
        serve(address, authkey)
    else:
        client(address, authkey, int(sys.argv[4]), int(sys.argv[5]))


if __name__ == "__main__":
    main()

"""The Python sides of scripts/bench-connection.sh (standard library only).

    mpconn_bench.py serve  ADDRESS KEY [nodelay]    echo listener; prints "listening on ADDRESS"
    mpconn_bench.py client ADDRESS KEY SIZE COUNT [WINDOW]
                                                    ping-pong; prints one JSON line like
                                                    connection_bench's; WINDOW messages go
                                                    out before their echoes are read
KEY: text, or '-' for None.

CPython's module leaves Nagle's algorithm on (pyroxene-connection turns it off): pipelined
small messages then wait for a delayed ACK, ~40 ms per window. With "nodelay" (the server) and
WINDOW > 1 (the client) the sockets get TCP_NODELAY, as ours, so the pipelined figures show
the cost per message rather than that wait.
"""

import json
import socket
import sys
import threading
import time
from multiprocessing.connection import Client, Listener

from mpconn_peer import parse_address, show_address

WARM_UP = 10


def no_delay(conn):
    # The Connection owns the descriptor; a socket object over a dup sets the option.
    with socket.socket(fileno=socket.dup(conn.fileno())) as s:
        if s.family in (socket.AF_INET, socket.AF_INET6):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def echo(conn, nodelay):
    if nodelay:
        no_delay(conn)
    with conn:
        try:
            while True:
                conn.send_bytes(conn.recv_bytes())
        except EOFError:
            pass


def serve(address, authkey, nodelay=False):
    with Listener(parse_address(address), backlog=16, authkey=authkey) as listener:
        print("listening on %s" % show_address(listener.address), flush=True)
        while True:
            threading.Thread(target=echo, args=(listener.accept(), nodelay), daemon=True).start()


def client(address, authkey, size, count, window=1):
    message = bytes([7]) * size
    windows = -(-count // window)
    count = windows * window
    with Client(parse_address(address), authkey=authkey) as conn:
        if window > 1:
            no_delay(conn)
        for i in range(WARM_UP + windows):
            if i == WARM_UP:
                started = time.perf_counter()
            for _ in range(window):
                conn.send_bytes(message)
            for _ in range(window):
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
        serve(address, authkey, sys.argv[4:5] == ["nodelay"])
    else:
        client(address, authkey, *map(int, sys.argv[4:7]))


if __name__ == "__main__":
    main()

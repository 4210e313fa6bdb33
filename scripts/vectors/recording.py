"""The recorder both wire captures share (capture_pyro4.py, capture_pyro5.py): scenarios
through a relay, raw byte exchanges straight to a daemon, and the index entries of both.

`lib` is the generation's adapter (`Lib` in the capture script): its `framing`, serializer names
and payload decoder (for wirelog.describe), and `Daemon`, `EchoServer`, `config` and the
thread pool defaults for the pool_exhausted scenario.
"""
import os
import socket
import threading
import time

import wirelog

# Pyro4 and Pyro5 daemons answer some failures (CONNECTFAIL before a request is read) with the
# correlation id their worker thread handled last. Which worker takes a connection is up to the
# thread scheduler; letting the workers settle back into the pool between scenarios makes it
# the same on every run as far as it can be (check_vectors.py still allows a different one).
SETTLE = 0.05


def read_reply(sock, framing, until_close=False, timeout=2.0):
    """Reads one whole message (or, `until_close`, everything until the daemon closes): the
    bytes and how it ended."""
    sock.settimeout(timeout)
    data = b""
    while True:
        if not until_close and framing.message_length(data) is not None:
            return data, "reply received"
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data, ("timeout (server kept connection open)" if until_close or not data else "timeout")
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            if data and not until_close:
                return data, "reply received"
            return data, ("closed by server" if until_close else "connection closed by server without reply")
        data += chunk


class Recorder:
    def __init__(self, outdir, lib, client, server):
        self.outdir = outdir
        self.lib = lib
        self.client = client
        self.server = server
        self.scenarios = []
        self.messages = []

    def write(self, name, data):
        with open(os.path.join(self.outdir, name), "wb") as f:
            f.write(data)

    def scenario(self, relay, name, description, serializer, run, keys=None):
        """Runs `run(log)` (a real proxy's calls) while `relay` records the connections."""
        relay.begin()
        log = []
        run(log)
        streams, order = relay.end()
        time.sleep(SETTLE)
        files = []
        for k, (c2s, s2c) in enumerate(streams):
            stem = name if len(streams) == 1 else "%s.conn%d" % (name, k)
            files.append({"c2s": stem + ".c2s.bin", "s2c": stem + ".s2c.bin"})
            self.write(files[-1]["c2s"], c2s)
            self.write(files[-1]["s2c"], s2c)
        for n, (k, direction, offset) in enumerate(order, 1):
            data = streams[k][0 if direction == "c2s" else 1]
            length = self.lib.framing.message_length(data[offset:])
            extra = {"scenario": name, "file": files[k][direction], "offset": offset,
                     "length": length, "order": n,
                     "direction": "client->server" if direction == "c2s" else "server->client"}
            self.messages.append(wirelog.describe(self.lib, data[offset:offset + length], extra))
        entry = {
            "scenario": name, "description": description, "serializer": serializer,
            "client": self.client, "server": self.server,
            "connections": [{"connection": k, "files": f} for k, f in enumerate(files)],
            "client_log": log,
        }
        entry.update(keys or {})
        self.scenarios.append(entry)

    def raw_message(self, name, file, data, direction, note):
        extra = {"scenario": name, "file": file, "offset": 0, "length": len(data),
                 "direction": direction, "note": note}
        if data and self.lib.framing.message_length(data) is not None:
            try:
                extra = wirelog.describe(self.lib, data, extra)
            except Exception:
                pass  # a payload that can't even be decompressed: the note says what it is
        self.messages.append(extra)

    def raw(self, name, description, files):
        self.scenarios.append({"scenario": name, "description": description, "raw": True,
                               "files": files})

    def exchange(self, steps, port):
        """Sends each step's bytes on one connection to a daemon; what came back per step and
        how the step ended."""
        sock = socket.create_connection(("127.0.0.1", port))
        results = []
        for data in steps:
            sock.sendall(data)
            reply, how = read_reply(sock, self.lib.framing)
            results.append((reply, how))
            if how != "reply received":
                break
        sock.close()
        return results

    # -- raw scenarios ----------------------------------------------------------------------

    def broadcast_discovery(self, port):
        name = "broadcast_discovery"
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(2.0)
        request = b"GET_NSURI"
        sock.sendto(request, ("127.0.0.1", port))
        reply, _ = sock.recvfrom(1000)
        sock.sendto(b"SOMETHING_ELSE", ("127.0.0.1", port))
        sock.settimeout(1.0)
        try:
            sock.recvfrom(1000)
            confirmed = "answered (unexpected)"
        except socket.timeout:
            confirmed = "no answer (confirmed)"
        sock.close()
        self.write(name + ".request.bin", request)
        self.write(name + ".reply.bin", reply)
        self.raw(name, "UDP name server discovery: client sends the 9 ASCII bytes GET_NSURI to the broadcast port (9091 by default, %d here); the responder answers with the NS URI string (iso-8859-1). Other datagrams get %s." % (port, confirmed), [name + ".request.bin", name + ".reply.bin"])
        self.messages.append({"scenario": name, "file": name + ".request.bin", "offset": 0, "length": len(request), "direction": "client->server (udp)", "note": "GET_NSURI request datagram"})
        self.messages.append({"scenario": name, "file": name + ".reply.bin", "offset": 0, "length": len(reply), "direction": "server->client (udp)", "note": "reply datagram: %r" % reply.decode("iso-8859-1")})

    def invalid_openings(self, generation, cases):
        """(name, note, bytes, port): what a daemon does with a bad first message."""
        for name, note, data, port in cases:
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(data)
            reply, how = read_reply(sock, self.lib.framing, until_close=True)
            sock.close()
            time.sleep(SETTLE)
            self.write(name + ".c2s.bin", data)
            self.write(name + ".s2c.bin", reply)
            self.raw(name, "raw bytes sent directly to a %s daemon: %s. Daemon reaction: %s; %d bytes returned" % (generation, note, how, len(reply)), [name + ".c2s.bin", name + ".s2c.bin"])
            self.raw_message(name, name + ".c2s.bin", data, "client->server", note)
            self.raw_message(name, name + ".s2c.bin", reply, "server->client", "daemon reply (%s)" % how)

    def sessions(self, cases):
        """(name, what, steps, port): a connection that goes wrong after some steps."""
        for name, what, steps, port in cases:
            results = self.exchange(steps, port)
            time.sleep(SETTLE)
            files = []
            notes = []
            for i, (data, (reply, how)) in enumerate(zip(steps, results), 1):
                c2s = "%s.step%d-c2s.bin" % (name, i)
                s2c = "%s.step%d-s2c.bin" % (name, i)
                self.write(c2s, data)
                self.write(s2c, reply)
                files += [c2s, s2c]
                notes.append("step %d: %s" % (i, how))
                self.raw_message(name, c2s, data, "client->server", "step %d request" % i)
                self.raw_message(name, s2c, reply, "server->client", "step %d: %s" % (i, how))
            self.raw(name, "%s. %s" % (what, "; ".join(notes)), files)

    def pool_exhausted(self, port, connect):
        """A one-worker daemon busy with one connection: what a second CONNECT gets."""
        name = "pool_exhausted"
        config = self.lib.config
        # the pool reads these whenever it would grow: they stay 1 for the whole scenario
        config.THREADPOOL_SIZE = 1
        config.THREADPOOL_SIZE_MIN = 1
        daemon = self.lib.Daemon(host="127.0.0.1", port=port)
        daemon.register(self.lib.EchoServer(), "test.echoserver")
        threading.Thread(target=daemon.requestLoop, daemon=True).start()
        busy = socket.create_connection(("127.0.0.1", port))
        busy.sendall(connect)
        read_reply(busy, self.lib.framing)
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(connect)
        reply, how = read_reply(sock, self.lib.framing)
        sock.close()
        busy.close()
        daemon.shutdown()
        config.THREADPOOL_SIZE, config.THREADPOOL_SIZE_MIN = self.lib.POOL_DEFAULTS
        self.write(name + ".c2s.bin", connect)
        self.write(name + ".s2c.bin", reply)
        self.raw(name, "daemon with THREADPOOL_SIZE=1 whose only worker serves another connection: the CONNECT of a second connection is read and answered with CONNECTFAIL (%s)" % how, [name + ".c2s.bin", name + ".s2c.bin"])
        self.raw_message(name, name + ".c2s.bin", connect, "client->server", "CONNECT")
        self.raw_message(name, name + ".s2c.bin", reply, "server->client", how)

    def idle_connection(self, port):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.settimeout(1.5)
        try:
            got = sock.recv(100)
            what = "received %d bytes" % len(got)
        except socket.timeout:
            what = "nothing received within 1.5 s"
        sock.close()
        self.raw("idle_connection", "connect and send nothing: %s (daemon waits for the client to speak first)" % what, [])

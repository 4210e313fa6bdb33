"""A Python Pyro5 name server bound to 127.0.0.1 WITH its broadcast responder, bound to
127.0.0.1 as well, for the Rust locate_ns broadcast test. (Pyro5's launcher never starts the
responder for a loopback name server, so this builds the two parts itself.)

Usage: python pyro5_ns_broadcast.py

Prints "NS URI = PYRO:Pyro.NameServer@127.0.0.1:PORT" and "BC PORT = PORT" once serving.
"""
import os

os.environ.setdefault("PYRO_BROADCAST_ADDRS", "127.0.0.1")
from Pyro5 import nameserver  # noqa: E402

daemon = nameserver.NameServerDaemon(host="127.0.0.1", port=0)
ns_uri = daemon.uriFor(daemon.nameserver)
bc = nameserver.BroadcastServer(ns_uri, bchost="127.0.0.1", bcport=0)
bc.runInThread()
print("NS URI = %s" % ns_uri)
print("BC PORT = %d" % bc.getPort(), flush=True)
daemon.requestLoop()

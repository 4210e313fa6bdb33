"""A Python Pyro client using pyroxene's name-server leases through the metadata tag.

Usage:
  python ns_lease_client.py GENERATION NSPORT

GENERATION is 4 or 5. Registers "lease.py" with metadata {"lease:2", "class:X"} and
"plain.py" without a lease on the name server at 127.0.0.1:NSPORT, prints what lookup returns,
renews the lease through the undeclared method "renew" (ns._pyroInvoke), registers the name
again (which starts the lease over), and prints "registered again" last.
"""

import sys


def main(generation, port):
    if generation == "4":
        import Pyro4 as pyro
        locate = pyro.locateNS
    else:
        import Pyro5.api as pyro
        locate = pyro.locate_ns
    ns = locate("127.0.0.1", port)
    uri = "PYRO:obj@127.0.0.1:1"
    ns.register("lease.py", uri, metadata={"lease:2", "class:X"})
    ns.register("plain.py", uri)
    found, metadata = ns.lookup("lease.py", return_metadata=True)
    print("lookup", found, sorted(metadata))
    print("renew", ns._pyroInvoke("renew", ("lease.py",), {}))
    try:
        ns.register("bad.py", uri, metadata={"lease:0"})
    except Exception as e:
        print("bad lease", type(e).__name__)
    ns.register("lease.py", uri, metadata={"lease:2", "class:X"})
    print("registered again", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

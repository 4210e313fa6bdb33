"""Captures the HTTP gateway transcripts: python http_gateway_vectors.py OUTDIR pyro5|pyro4
(writes OUTDIR/http/<lib>.json).

Python's own gateway (Pyro5.utils.httpgateway / Pyro4.utils.httpgateway, the WSGI app
pyro_app) is served by wsgiref on 127.0.0.1, in front of a name server and the library's echo
server (registered as test.echoserver and http.echoserver); each request is sent with
http.client and its response recorded. uuid.uuid4 is seeded once setup is done, so the
X-Pyro-Correlation-Id headers the gateway makes up are the same on every run.
"""
import http.client
import io
import os
import sys
import threading
import wsgiref.simple_server

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import wirelog  # noqa: E402

LIB = sys.argv[2]
if LIB == "pyro5":
    from Pyro5 import config  # noqa: E402
    from Pyro5.api import Daemon, Proxy  # noqa: E402
    import Pyro5.nameserver as naming  # noqa: E402
    import Pyro5.utils.echoserver as echoserver  # noqa: E402
    import Pyro5.utils.httpgateway as gateway  # noqa: E402
    PORTS = {"nameserver": 45690, "echo": 45691, "http": 45689}
    LIBRARY = "Pyro5 5.17"
else:
    from Pyro4.configuration import config  # noqa: E402
    from Pyro4.core import Daemon, Proxy  # noqa: E402
    import Pyro4.naming as naming  # noqa: E402
    import Pyro4.test.echoserver as echoserver  # noqa: E402
    import Pyro4.utils.httpgateway as gateway  # noqa: E402
    PORTS = {"nameserver": 45680, "echo": 45681, "http": 45682}
    LIBRARY = "Pyro4 4.82"

DEFAULT = r"http\."
ALL = r"test\.|Pyro\.|http\."
CORR = "11112222-3333-4444-5555-666677778888"

# (label, expose regex, gateway key, method, path, headers, body)
REQUESTS = [
    ("root redirects", DEFAULT, None, "GET", "/", {}, None),
    ("homepage", DEFAULT, None, "GET", "/pyro/", {}, None),
    ("object not matching the default expose regex", DEFAULT, None, "GET", "/pyro/test.echoserver/echo?message=hi", {}, None),
    ("echo via an exposed name (default regex)", DEFAULT, None, "GET", "/pyro/http.echoserver/echo?message=hello", {}, None),
    ("echo, str param", ALL, None, "GET", "/pyro/test.echoserver/echo?message=hello%20world", {}, None),
    ("echo, numeric-looking param stays a string", ALL, None, "GET", "/pyro/test.echoserver/echo?message=42", {}, None),
    ("echo, repeated param becomes a list", ALL, None, "GET", "/pyro/test.echoserver/echo?message=1&message=2", {}, None),
    ("$meta", ALL, None, "GET", "/pyro/test.echoserver/$meta", {}, None),
    ("attribute (property) read", ALL, None, "GET", "/pyro/test.echoserver/verbose", {}, None),
    ("method raising an exception", ALL, None, "GET", "/pyro/test.echoserver/error", {}, None),
    ("missing argument", ALL, None, "GET", "/pyro/test.echoserver/echo", {}, None),
    ("unknown method", ALL, None, "GET", "/pyro/test.echoserver/nonexisting", {}, None),
    ("unknown object name", ALL, None, "GET", "/pyro/test.unknown/echo?message=x", {}, None),
    ("oneway method", ALL, None, "GET", "/pyro/test.echoserver/oneway_echo?message=x", {}, None),
    ("X-Pyro-Options: oneway on a normal method", ALL, None, "GET", "/pyro/test.echoserver/echo?message=x", {"X-Pyro-Options": "oneway"}, None),
    ("X-Pyro-Correlation-Id header", ALL, None, "GET", "/pyro/test.echoserver/echo?message=corr", {"X-Pyro-Correlation-Id": CORR}, None),
    ("generator result", ALL, None, "GET", "/pyro/test.echoserver/generator", {}, None),
    ("nan result", ALL, None, "GET", "/pyro/test.echoserver/nan", {}, None),
    ("name server list", ALL, None, "GET", "/pyro/Pyro.NameServer/list", {}, None),
    ("name server list with prefix", ALL, None, "GET", "/pyro/Pyro.NameServer/list?prefix=test.", {}, None),
    ("name server lookup", ALL, None, "GET", "/pyro/Pyro.NameServer/lookup?name=test.echoserver", {}, None),
    ("POST with form body", ALL, None, "POST", "/pyro/test.echoserver/echo", {"Content-Type": "application/x-www-form-urlencoded"}, "message=posted"),
    ("POST with query string", ALL, None, "POST", "/pyro/test.echoserver/echo?message=posted-qs", {}, None),
    ("gateway key required, none given", ALL, "secret", "GET", "/pyro/test.echoserver/echo?message=x", {}, None),
    ("gateway key via header", ALL, "secret", "GET", "/pyro/test.echoserver/echo?message=x", {"X-Pyro-Gateway-Key": "secret"}, None),
    ("gateway key via $key param", ALL, "secret", "GET", "/pyro/test.echoserver/echo?message=x&$key=secret", {}, None),
    ("PUT not allowed", ALL, None, "PUT", "/pyro/test.echoserver/echo", {}, None),
    ("OPTIONS (CORS preflight)", ALL, None, "OPTIONS", "/pyro/test.echoserver/echo", {}, None),
    ("path without method part", ALL, None, "GET", "/pyro/test.echoserver", {}, None),
    ("path outside /pyro/", ALL, None, "GET", "/other", {}, None),
    ("empty expose regex exposes everything", "", None, "GET", "/pyro/test.echoserver/echo?message=all", {}, None),
]

HEADER = {
    "library": LIBRARY,
    "generated_by": "capture script http_gateway_vectors.py driving the real Python libraries",
    "notes": "pyro_app served by wsgiref on 127.0.0.1; 'Date' and 'Server' response headers omitted. The echo server is registered in the name server as both 'test.echoserver' and 'http.echoserver'. gateway_settings shows pyro_app.ns_regex / gateway_key / cors used for that request. X-Pyro-Correlation-Id values are deterministic only because uuid4 was patched.",
}


class QuietHandler(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass

    def get_stderr(self):
        return io.StringIO()  # the gateway prints its errors (tracebacks) there


def main():
    outdir = os.path.join(sys.argv[1], "http")
    os.makedirs(outdir, exist_ok=True)
    config.NS_HOST = "127.0.0.1"
    config.NS_PORT = PORTS["nameserver"]
    config.SERVERTYPE = "thread"
    config.POLLTIMEOUT = 0.1
    if LIB == "pyro5":
        _, ns_daemon, _ = naming.start_ns(host="127.0.0.1", port=PORTS["nameserver"])
    else:
        _, ns_daemon, _ = naming.startNS(host="127.0.0.1", port=PORTS["nameserver"])
    threading.Thread(target=ns_daemon.requestLoop, daemon=True).start()
    daemon = Daemon(host="127.0.0.1", port=PORTS["echo"])
    uri = daemon.register(echoserver.EchoServer(), "test.echoserver")
    threading.Thread(target=daemon.requestLoop, daemon=True).start()
    with Proxy(ns_daemon.uriFor(ns_daemon.nameserver)) as ns:
        ns.register("test.echoserver", uri)
        ns.register("http.echoserver", uri)
    server = wsgiref.simple_server.make_server("127.0.0.1", PORTS["http"], gateway.pyro_app,
                                               handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    wirelog.seed_uuid4()
    transcripts = []
    for label, regex, key, method, path, headers, body in REQUESTS:
        gateway.pyro_app.ns_regex = regex
        gateway.pyro_app.gateway_key = key.encode("utf-8") if key else None
        if LIB == "pyro5":
            gateway.pyro_app.cors = "*"
        conn = http.client.HTTPConnection("127.0.0.1", PORTS["http"], timeout=30)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        entry = {
            "label": label,
            "gateway_settings": {"expose_regex": regex, "gateway_key": key,
                                 "cors": getattr(gateway.pyro_app, "cors", None)},
            "request": {"method": method, "path": path, "headers": headers, "body": body},
            "status": response.status, "reason": response.reason,
            "response_headers": [[k, v] for k, v in response.getheaders()
                                 if k not in ("Date", "Server")],
        }
        text = data.decode("utf-8")
        if response.getheader("Content-Type") == "text/html":
            entry["body_length"] = len(data)
            entry["body_excerpt"] = text[:120]
        else:
            entry["body"] = text
        transcripts.append(entry)
    server.shutdown()
    daemon.shutdown()
    ns_daemon.shutdown()
    wirelog.write_index(os.path.join(outdir, LIB + ".json"), HEADER, {"transcripts": transcripts})
    print("http %s: %d transcripts" % (LIB, len(transcripts)))


if __name__ == "__main__":
    main()

"""A Pyro5 or Pyro4 TLS peer for crates/pyroxene/tests/tls_interop.rs; TLS set up from
PYRO_SSL_* only (both generations read the same items).

    tls_peer.py 5|4 server     Daemon on 127.0.0.1 serving `tls.echo`; prints "uri: URI".
                               Its validateHandshake answers {"client_cn": CN of the client's
                               certificate, or None} (what conn.getpeercert() showed).
    tls_peer.py 5|4 client URI Calls echo("over tls") once; prints
                               "ok RESULT|HANDSHAKE_CN|SERVER_SERIAL|SERVER_CN", or
                               "refused CLASS: MESSAGE" (exit status 0 either way).
"""
import sys

if sys.argv[1] == "4":
    import Pyro4 as pyro
    Daemon, Proxy, expose = pyro.Daemon, pyro.Proxy, pyro.expose
else:
    import Pyro5.api as pyro
    Daemon, Proxy, expose = pyro.Daemon, pyro.Proxy, pyro.expose


def common_name(cert):
    if not cert:
        return None
    return dict(p[0] for p in cert["subject"]).get("commonName")


class Echo:
    @expose
    def echo(self, value):
        return value


class CertDaemon(Daemon):
    def validateHandshake(self, conn, data):
        super().validateHandshake(conn, data)
        return {"client_cn": common_name(conn.getpeercert())}


HANDSHAKE = {}


class CertProxy(Proxy):
    def _pyroValidateHandshake(self, response):
        HANDSHAKE["response"] = response  # (a proxy's own attributes are remote ones)


def serve():
    daemon = CertDaemon(host="127.0.0.1")
    uri = daemon.register(Echo(), "tls.echo")
    print("uri:", uri, flush=True)
    daemon.requestLoop()


def call(uri):
    try:
        with CertProxy(uri) as p:
            p._pyroTimeout = 10
            result = p.echo("over tls")
            cert = p._pyroConnection.getpeercert()
            print("ok %s|%s|%s|%s" % (result, HANDSHAKE["response"]["client_cn"],
                                      cert["serialNumber"], common_name(cert)))
    except Exception as e:  # refused: a PyroError, or the socket's own error (TLS vs plain)
        print("refused %s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    if sys.argv[2] == "server":
        serve()
    else:
        call(sys.argv[3])

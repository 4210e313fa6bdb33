"""The client side of the wire scenarios both generations share: what a real proxy calls, and
the client_log of outcomes. `api` is the capture script's `Lib`: the library's `Proxy`,
`batch(proxy)`, `ping(proxy)`, `current_context`, `config`, its name ("Pyro4"/"Pyro5") and the
URIs of the objects behind the relay.
"""
import time

import wirelog



def outcome(log, call, run, describe=wirelog.plain_repr):
    """Runs one call; its result (repr) or exception goes to the client log."""
    try:
        value = run()
    except Exception as e:
        log.append({"call": call, "outcome": "exception",
                    "type": "%s.%s" % (type(e).__module__, type(e).__name__), "value": str(e)})
        return None
    log.append({"call": call, "outcome": "result", "value": describe(value)})
    return value


class Calls:
    def __init__(self, api, echo_values):
        self.api = api
        self.echo_values = echo_values

    def proxy(self, uri, ser, hmac_key=None):
        p = self.api.Proxy(uri)
        p._pyroSerializer = ser
        if hmac_key:
            p._pyroHmacKey = hmac_key
        return p

    def echo(self, log, ser):
        with self.proxy(self.api.ECHO, ser) as p:
            for name, value in self.echo_values:
                outcome(log, "echo(%s=%r)" % (name, value), lambda: p.echo(value))

    def exception(self, log, ser):
        with self.proxy(self.api.ECHO, ser) as p:
            outcome(log, "echoserver.error()", p.error)
            outcome(log, "echoserver.error_with_text()", p.error_with_text)
            outcome(log, "invoke non-existing method 'nonexisting'", lambda: p._pyroInvoke("nonexisting", (), {}))
            outcome(log, "invoke private method '_private'", lambda: p._pyroInvoke("_private", (), {}))
            outcome(log, "invoke on unknown object id", lambda: p._pyroInvoke("echo", ("x",), {}, objectId="no.such.object"))

    def exception_special(self, log, ser):
        with self.proxy(self.api.SPECIAL, ser) as p:
            outcome(log, "special.custom_exception()  (ValueError with custom attributes)", p.custom_exception)
            outcome(log, "special.naming_error()  (%s.errors.NamingError)" % self.api.NAME, p.naming_error)
            outcome(log, "special.key_error()  (KeyError)", p.key_error)

    def oneway(self, log):
        with self.proxy(self.api.ECHO, "serpent") as p:
            outcome(log, "oneway_echo('fire and forget')", lambda: p.oneway_echo("fire and forget"))
            outcome(log, "echo('after oneway')", lambda: p.echo("after oneway"))

    def batch(self, log, ser):
        with self.proxy(self.api.ECHO, ser) as p:
            results = []
            try:
                b = self.api.batch(p)
                b.echo(1)
                b.echo("two")
                b.error()
                b.echo(4)
                for r in b():
                    results.append(r)
            except Exception as e:
                results.append("raised %s: %s" % (type(e).__name__, e))
            text = wirelog.plain_repr(results)
            log.append({"call": "batch [echo(1), echo('two'), error(), echo(4)] -> %s" % text,
                        "outcome": "result", "value": text})

            def oneway():
                b = self.api.batch(p)
                b.echo("oneway batch")
                return b(oneway=True)
            outcome(log, "oneway batch [echo('oneway batch')]", oneway)
            time.sleep(0.2)  # the oneway batch runs before the next call's reply is awaited
            outcome(log, "echo('after oneway batch')", lambda: p.echo("after oneway batch"))

    def stream(self, log, ser):
        with self.proxy(self.api.ECHO, ser) as p:
            outcome(log, "list(generator())", lambda: list(p.generator()))

    def stream_close(self, log):
        with self.proxy(self.api.ECHO, "serpent") as p:
            it = p.generator()
            outcome(log, "next(generator())", lambda: next(it))
            outcome(log, "close stream", it.close)
            outcome(log, "echo('after close')", lambda: p.echo("after close"))

    def stream_error(self, log):
        with self.proxy(self.api.SPECIAL, "serpent") as p:
            outcome(log, "list(generator_then_error())", lambda: list(p.generator_then_error()))

    def attributes(self, log):
        with self.proxy(self.api.ECHO, "serpent") as p:
            outcome(log, "get verbose", lambda: p.verbose)
            outcome(log, "set verbose=True", lambda: setattr(p, "verbose", True))
            outcome(log, "get verbose", lambda: p.verbose)
            outcome(log, "set verbose=False", lambda: setattr(p, "verbose", False))

    def attributes_special(self, log):
        with self.proxy(self.api.SPECIAL, "serpent") as p:
            outcome(log, "get value", lambda: p.value)
            outcome(log, "set value=99", lambda: setattr(p, "value", 99))
            outcome(log, "get readonly", lambda: p.readonly)
            outcome(log, "set readonly (not settable)", lambda: setattr(p, "readonly", 1))
            outcome(log, "get unknown attribute via raw __getattr__", lambda: p._pyroInvoke("__getattr__", ("nope",), None))

    def daemon_object(self, log, as_lists=False):
        with self.proxy(self.api.DAEMON, "serpent") as d:
            outcome(log, "Pyro.Daemon.ping()", d.ping)
            outcome(log, "Pyro.Daemon.info()", d.info)
            outcome(log, "Pyro.Daemon.registered()", d.registered)
            outcome(log, "Pyro.Daemon.get_metadata('test.special')", lambda: d.get_metadata("test.special"))
            if as_lists:
                outcome(log, "Pyro.Daemon.get_metadata('test.special', True)", lambda: d.get_metadata("test.special", True))
            outcome(log, "Pyro.Daemon.get_metadata('unknown')", lambda: d.get_metadata("unknown"))

    def ping(self, log):
        with self.proxy(self.api.ECHO, "serpent") as p:
            p._pyroBind()
            outcome(log, "protocol ping message", lambda: self.api.ping(p))
            outcome(log, "echo('after ping')", lambda: p.echo("after ping"))

    def correlation(self, log, correlation_id):
        self.api.current_context.correlation_id = correlation_id
        try:
            with self.proxy(self.api.ECHO, "serpent") as p:
                outcome(log, "echo('with correlation id')", lambda: p.echo("with correlation id"))
        finally:
            self.api.current_context.correlation_id = None

    def annotations(self, log, again=False):
        context = self.api.current_context
        with self.proxy(self.api.SPECIAL, "serpent") as p:
            p._pyroBind()
            context.annotations = {"XREQ": b"request-annotation", "ABCD": b"\x00\x01\x02"}
            try:
                outcome(log, "with_annotations()", p.with_annotations)
                if again:  # Pyro4's proxy clears them after a call
                    outcome(log, "with_annotations() again (annotations were cleared after the previous call)", p.with_annotations)
            finally:
                context.annotations = {}

    def compression(self, log):
        self.api.config.COMPRESSION = True
        try:
            with self.proxy(self.api.ECHO, "serpent") as p:
                outcome(log, "echo('x'*300)", lambda: p.echo("x" * 300))
                outcome(log, "echo('short')", lambda: p.echo("short"))
        finally:
            self.api.config.COMPRESSION = False

    def blob(self, log):
        with self.proxy(self.api.SPECIAL, "serpent") as p:
            blob = self.api.SerializedBlob("blob-info", {"data": [1, 2, 3]})
            try:
                outcome(log, "blob(SerializedBlob('blob-info', {'data': [1,2,3]}))", lambda: p.blob(blob))
            finally:
                self.api.current_context.annotations = {}  # Pyro5's proxy put its BLBI there

    def handshake_custom(self, log):
        with self.proxy(self.api.ECHO, "serpent") as p:
            p._pyroHandshake = {"user": "alice"}
            outcome(log, "_pyroBind() with dict handshake", p._pyroBind)
            outcome(log, "echo('after custom handshake')", lambda: p.echo("after custom handshake"))

    def handshake_reject(self, log):
        with self.proxy(self.api.ECHO, "serpent") as p:
            p._pyroHandshake = "reject-me"
            outcome(log, "_pyroBind() with rejected handshake", p._pyroBind)

    def connect_unknown(self, log):
        with self.proxy("PYRO:no.such.object@127.0.0.1:%d" % self.api.PORTS["relay"], "serpent") as p:
            outcome(log, "_pyroBind() for unknown object", p._pyroBind)

    def seq_wraparound(self, log):
        with self.proxy(self.api.ECHO, "serpent") as p:
            p._pyroBind()
            p._pyroSeq = 65533
            for i in (1, 2, 3):
                outcome(log, "echo(%d)" % i, lambda: p.echo(i))

    def special_values(self, log, ser):
        with self.proxy(self.api.SPECIAL, ser) as p:
            outcome(log, "get_uri()", p.get_uri)
            outcome(log, "get_self()  (autoproxy)", p.get_self)
            outcome(log, "plain_object()", p.plain_object)
            outcome(log, "types()", p.types)
            outcome(log, "kwargs_call(1, b=5, extra='x')", lambda: p.kwargs_call(1, b=5, extra="x"))
            outcome(log, "kwargs_call(1, 2, 3, 4)", lambda: p.kwargs_call(1, 2, 3, 4))

    def nan_inf(self, log, ser):
        with self.proxy(self.api.ECHO, ser) as p:
            outcome(log, "nan()", p.nan)
            outcome(log, "inf()", p.inf)

    def nameserver(self, log, ser, searches):
        """The name server API; `searches(ns)` gives the generation's listings with metadata
        as (label, call) pairs (Pyro5: yplookup; Pyro4: list with metadata filters)."""
        name = "test.echo." + ser
        uri = "PYRO:test.echoserver@127.0.0.1:%d" % self.api.PORTS["daemon"]
        with self.proxy(self.api.NAMESERVER, ser) as ns:
            outcome(log, "ping()", ns.ping)
            outcome(log, "count()", ns.count)
            outcome(log, "lookup('Pyro.NameServer')", lambda: ns.lookup("Pyro.NameServer"))
            outcome(log, "register(%r, uri, safe=False, metadata={'meta1','meta2'})" % name, lambda: ns.register(name, uri, False, {"meta1", "meta2"}))
            outcome(log, "register same name again with safe=True", lambda: ns.register(name, uri, True))
            outcome(log, "lookup(%r, return_metadata=True)" % name, lambda: ns.lookup(name, True))
            outcome(log, "lookup('unknown.name')", lambda: ns.lookup("unknown.name"))
            outcome(log, "list()", ns.list)
            outcome(log, "list(prefix='test.')", lambda: ns.list("test."))
            outcome(log, "list(regex=r'.*echo.*')", lambda: ns.list(None, ".*echo.*"))
            for label, call in searches(ns):
                outcome(log, label, call)
            outcome(log, "set_metadata(%r, {'meta3'})" % name, lambda: ns.set_metadata(name, {"meta3"}))
            outcome(log, "remove(%r)" % name, lambda: ns.remove(name))
            outcome(log, "remove(prefix='nothing.')", lambda: ns.remove(None, "nothing."))
            outcome(log, "count()", ns.count)

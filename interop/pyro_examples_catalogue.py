"""Every example of the Pyro5 5.17 and Pyro4 4.82 sdists: what it uses, and how it is run.

`uses` is "ns", "echo", "ns+echo" or "" (neither: it finds its server by a URI it prints, or
needs no server). An example that uses our servers has `steps(r)`, run once against Python's
servers and once against pyroxene's (pyro_examples.Run is `r`); without steps, `note` says why
it is not run. `normalise` maps a program name ("*" = every program) to the rules that erase
what legitimately differs between two runs: each rule names what it hides. `expect` are
(program, regex) that the run against Python's servers must show (proof the example worked).
`known` marks a difference already reported and owned elsewhere; it is still run and its diff
printed every time.
"""
import os
import re
import socket

from pyro_examples import NotRunnable
from pyro_examples_rules import (ASCTIME, DATETIME, HTTPLOG, LOGTIME, MAIN_THREAD, PID_HOST, PYID,
                                 SECONDS, THREAD, THREAD_IDENT, UUID, counted_prints, interleaved,
                                 remote_frames, repeats, sort_lines, split_at, until)

SRC = {5: "pyro5-5.17/examples", 4: "Pyro4-4.82/examples"}

class Example:
    def __init__(self, gen, folder, uses="", note="", steps=None, expect=(), normalise=None,
                 known=None, ports=(), precheck=None):
        self.gen = gen
        self.folder = folder
        self.name = "pyro%d/%s" % (gen, folder)
        self.path = os.path.join(SRC[gen], folder)
        self.uses, self.note, self.steps = uses, note, steps
        self.expect = list(expect)
        self.normalise = normalise or {}
        self.known = known
        self.ports = ports  # fixed ports the example binds (one example at a time per port)
        self.precheck = precheck  # raises pyro_examples.NotRunnable where it can't run


EXAMPLES = []


def ex(gens, folder, variant=None, **kw):
    for gen in gens:
        EXAMPLES.append(Example(gen, folder, **kw))
        if variant:
            EXAMPLES[-1].name += "/" + variant


BOTH = (5, 4)


def neither(gens, folder, note):
    ex(gens, folder, uses="", note=note)


# ---- examples that use neither of our servers (not run: nothing of ours to compare) ------
neither(BOTH, "attributes", "server prints its URI (serve without NS); client takes it")
neither(BOTH, "autoproxy", "no NS (serve use_ns/ns=False)")
neither(BOTH, "batchedcalls", "no NS (serve without NS)")
neither(BOTH, "benchmark", "no NS; binds the machine's IP address")
neither(BOTH, "callcontext", "no NS (daemon URI)")
neither([5], "custom-serialization", "no NS")
neither(BOTH, "disconnects", "no NS")
neither(BOTH, "filetransfer", "no NS")
neither(BOTH, "gui_eventloop", "no NS; Tk GUI")
neither(BOTH, "handshake", "no NS")
neither(BOTH, "hugetransfer", "no NS")
neither(BOTH, "nonameserver", "no NS by design")
neither([5], "privilege-separation", "no NS; drops root privileges")
neither(BOTH, "resourcetracking", "no NS")
neither(BOTH, "socketpair", "no network server at all")
neither([5], "ssl", "no NS; run unchanged against our daemon and proxy by "
        "crates/pyroxene/tests/tls_example.rs (with fresh certificates: the sdist's expired)")
neither([4], "ssl", "no NS; TLS certificates (Pyro4 over TLS not run)")
neither(BOTH, "streaming", "no NS")
neither(BOTH, "thirdpartylib", "no NS")
neither(BOTH, "timezones", "no NS")
neither(BOTH, "unixdomainsock", "no NS; unix sockets")
neither(BOTH, "eventloop", "embeds its own Python name server (start_ns) on the machine's IP")
neither([4], "async", "no NS")
neither([4], "extended-pickle", "no NS; needs dill/cloudpickle")
neither([4], "flame", "no NS; Pyro Flame server")
neither([4], "futures", "no server")
neither([4], "itunes", "no NS; macOS iTunes")
neither([4], "ser_custom", "no NS")


# ---- the name server --------------------------------------------------------------------
SERVE_READY = r"^Pyro daemon running"  # the last line serve()/serveSimple() print


def autoreconnect(r):
    # serverNS registers once; the client calls through PYRONAME; the server is killed and
    # restarted, finds its old registration in the NS and takes the old id and port back.
    r.start("serverNS.py", ready=r"^Server started")
    r.start("clientNS.py")
    r.wait("clientNS.py", r"^Sleeping 1 second", count=2)
    r.kill("serverNS.py")
    r.wait("clientNS.py", r"^Connection lost")
    r.start("serverNS.py", ready=r"^Server started")
    r.wait("serverNS.py'", r"^Method called", timeout=30)
    r.wait("clientNS.py", r"^Sleeping 1 second", count=3, timeout=30)
    r.kill("clientNS.py")


CALLS = repeats("call...\nSleeping 1 second\n")
SERVER_CALLS = repeats("Method called with 42\nYou can now try to stop this server with ctrl-C/ctrl-Break\n")
ex(BOTH, "autoreconnect", uses="ns", steps=autoreconnect,
   note="serverNS/clientNS (client.py/server.py use a fixed URI: neither); server killed and restarted",
   expect=[("serverNS.py'", r"Object still exists in Name Server"), ("clientNS.py", "REBINDING")],
   normalise={"clientNS.py": [CALLS, (r"\ncall\.\.\.\n$", "\n")],
              "serverNS.py": [SERVER_CALLS], "serverNS.py'": [SERVER_CALLS, (r"port: \d+", "port: <port>")]})


def autoretry(r):
    r.start("server.py", ready=SERVE_READY)
    r.run("client.py")


ex(BOTH, "autoretry", uses="ns", steps=autoretry, expect=[("client.py", "as expected")])


def banks(r):
    r.start("server.py", ready=r"^Banks are ready")
    r.run("client.py")


ex(BOTH, "banks", uses="ns", steps=banks, expect=[("client.py", r"The accounts in the ABN")])


def blob_dispatch(r):
    r.start("dispatcher/dispatcher.py", ready=SERVE_READY)
    r.start("listeners/main.py", "weather", ready=r"waiting for data")
    r.start("listeners/main.py", "news", name="listener news", ready=r"waiting for data")
    r.run("client/client.py", stdin="weather\nnews\nweather\nnobody\n\n")
    r.wait("listeners/main.py", r"^    a=42", count=2)
    r.wait("listener news", r"^    a=42")


ex(BOTH, "blob-dispatch", uses="ns", steps=blob_dispatch,
   expect=[("listeners/main.py", r"a=42, b=hello world")],
   normalise={"*": [DATETIME]})


def callback(r):
    r.start("server.py", ready=SERVE_READY)
    r.run("client.py", timeout=30)
    r.start("server2.py", ready=SERVE_READY)
    r.start("client2.py")
    r.wait("server2.py", r"^server: callbacks done")
    r.wait("client2.py", r"^ZeroDivisionError")  # its own log of the crashed callback 2
    r.kill("client2.py")


ex(BOTH, "callback", uses="ns", steps=callback,
   expect=[("client.py", r"^done!"), ("server2.py", r"ZeroDivisionError")],
   # the callbacks arrive on several threads, whose prints can merge into one line
   normalise={"client.py": [split_at("callback: worker"), sort_lines(r"^callback: worker")],
              "client2.py": [LOGTIME], "server.py": [interleaved("Worker ", "server: ")]})


def typing_time(r):
    # The client registers its callback object on a thread it started just before and passes
    # itself to join() after the nickname prompt, counting on a person's typing time: typed
    # at once, join() can come first and the object travels unregistered (SecurityError
    # "__main__.Chatter"), with either name server. A person takes longer than this.
    r.pause(0.5)


def chatbox(r):
    r.start("server.py", ready=SERVE_READY)
    # typed at the prompts, as a person would: the client joins with itself as callback
    # object, which its daemon thread must have registered by then
    r.start("client.py", name="alice", stdin="")
    r.wait("alice", r"Name for new channel: ")
    r.send("alice", "pyro\n")
    r.wait("alice", r"Choose a nickname: ")
    typing_time(r)
    r.send("alice", "alice\n")
    r.wait("alice", r"Ready for input")
    r.start("client.py", name="bob", stdin="")
    r.wait("bob", r"Choose a channel or create a new one: ")
    r.send("bob", "pyro\n")
    r.wait("bob", r"Choose a nickname: ")
    typing_time(r)
    r.send("bob", "bob\n")
    r.wait("bob", r"Ready for input")
    r.send("bob", "hello from bob\n")
    r.wait("alice", r"\[bob\] hello from bob")
    r.send("bob", "/quit\n")
    r.exit("bob")
    r.wait("alice", r"\*\* bob left \*\*")
    r.send("alice", "/quit\n")
    r.exit("alice")


# Chat lines arrive by oneway callbacks on the client's daemon thread while its main thread
# prints prompts: where a line lands relative to a prompt is scheduling.
CHAT = [(r"Name for new channel: |Choose a nickname: |Choose a channel or create a new one: |> ", ""),
        # every line a chat line may land in: the main thread's too
        interleaved(r"\[\w+\] ", "Joined channel ", "People on this channel: ",
                    "Ready for input! ", "The following ", "The server has no active channels")]
ex(BOTH, "chatbox", uses="ns", steps=chatbox, expect=[("alice", r"hello from bob")],
   normalise={"alice": CHAT, "bob": CHAT})


def circular(r):
    for s in ("servA.py", "servB.py", "servC.py"):
        r.start(s, ready=r"^Server started")
    r.run("client.py")


ex(BOTH, "circular", uses="ns", steps=circular, expect=[("client.py", r"complete at A")])


def diffie_hellman(r):
    r.start("server.py", ready=SERVE_READY if r.gen == 5 else r"Starting server loop")
    r.run("client.py")


KEY = (r"shared secret key =\s+[0-9a-f]{64}", "shared secret key = <random key>")
ex([5], "diffie-hellman", uses="ns", steps=diffie_hellman, normalise={"*": [KEY]},
   expect=[("client.py", r"shared secret key")])
ex([4], "diffie-hellman", uses="ns", steps=diffie_hellman, normalise={"*": [KEY]},
   expect=[("client.py", r"shared secret key")])


def distributed_computing(r):
    r.start("dispatcher.py", ready=SERVE_READY)
    r.start("worker.py", ready=r"getting work")
    r.run("client.py", timeout=600)


ex(BOTH, "distributed-computing", uses="ns", steps=distributed_computing,
   note="one worker; the dispatcher's threads print as they deserialize",
   expect=[("client.py", r"Computed Prime Factorials follow")],
   normalise={"*": [PID_HOST], "dispatcher.py": [interleaved("Created workitem", "Pyro daemon")],
              # printed when a result takes over 5 s (getResult's timeout): the machine's speed
              "client.py": [(r"^Not all results available yet.*\n", "")]})


def distributed_computing2(r):
    r.start("servers.py", ready=r"Spinning up")
    r.wait_registered("example.dc2.dispatcher" if r.gen == 5 else "example.dc.dispatcher")
    r.run("client.py", timeout=60)


def parallel_top_words(text):
    """The parallel count merges the counters' chunks in the order they finish: words of equal
    count can swap places. Its counts stay compared; the single counter's words too."""
    head, sep, tail = text.partition("using multiple parallel counters")
    return head + sep + re.sub(r"^  \w+ \((\d+)\)", r"  <word> (\1)", tail, flags=re.M)


ex(BOTH, "distributed-computing2", uses="ns", steps=distributed_computing2,
   expect=[("client.py", r"Top five words")],
   normalise={"*": [SECONDS], "client.py": [parallel_top_words]})

def hostname_is_loopback():
    # the worker binds get_ip_address(None): the address its hostname resolves to
    address = socket.gethostbyname(socket.gethostname())
    if not address.startswith("127."):
        raise NotRunnable("the worker would bind %s (its hostname's address); tests bind "
                          "loopback only" % address)


def distributed_computing3(r):
    r.start("worker.py", ready=r"Starting up worker")
    r.wait_registered(meta="example3.worker.factorizer")
    r.run("client.py", timeout=120)


ex(BOTH, "distributed-computing3", uses="ns", steps=distributed_computing3,
   precheck=hostname_is_loopback,
   note="one worker (found by PYROMETA: yplookup); runs where the hostname resolves to loopback",
   expect=[("client.py", r"obj_<id> factorized \d+: \[")],
   normalise={"*": [PID_HOST]})


def mandelbrot(r):
    r.start("server.py", "1", ready=r"ready")
    r.start("server.py", "2", name="server 2", ready=r"ready")
    r.start("client_asciizoom.py")
    r.wait("client_asciizoom.py", r"servers found")
    r.kill("client_asciizoom.py")


ex([5], "distributed-mandelbrot", uses="ns", steps=mandelbrot,
   note="ascii client stopped once it found the servers (yplookup); its frames are a 30 s "
        "wall-clock animation of minutes of CPU; Tk client not run",
   expect=[("client_asciizoom.py", r"2 mandelbrot calculation servers found")])
neither([4], "distributed-mandelbrot", "no NS in Pyro4's version (multiprocessing)")


def exceptions(r):
    r.start("server.py", ready=SERVE_READY)
    r.run("client.py")


ex(BOTH, "exceptions", uses="ns", steps=exceptions, expect=[("client.py", r"VALUERROR")],
   normalise={"server.py": [(r"client=<socket\.socket [^>]*>", "client=<socket>")]})


def http(r):
    gw = "Pyro5.utils.httpgateway" if r.gen == 5 else "Pyro4.utils.httpgateway"
    r.start(gw, "-H", "127.0.0.1", "-p", "8080", "-e", "Pyro.|test.", module=True, name="gateway",
            ready=r"(?i)gateway")
    r.run("client.py")


ex([5], "http", uses="ns+echo", steps=http,
   note="Python's HTTP gateway (port 8080, as the client hard-codes) in front of our NS and echo",
   ports=(8080,),
   expect=[("client.py", r"'Pyro.NameServer': 'PYRO:Pyro.NameServer@")],
   normalise={"gateway": [HTTPLOG], "client.py": [(r"('127\.0\.0\.1',\n\s+)\d+", r"\1<port>")]})
ex([4], "http", uses="ns+echo", steps=http,
   note="Python's HTTP gateway (port 8080, as the client hard-codes) in front of our NS and echo",
   ports=(8080,),
   expect=[("client.py", r"'Pyro.NameServer': 'PYRO:Pyro.NameServer@")],
   normalise={"gateway": [HTTPLOG], "client.py": [(r"('127\.0\.0\.1',\n\s+)\d+", r"\1<port>")]})


def instancemode(r):
    r.start("server.py", ready=SERVE_READY)
    r.run("client.py")


ex(BOTH, "instancemode", uses="ns", steps=instancemode, normalise={"*": [UUID, PYID]},
   expect=[("client.py", r"SINGLE")])


def messagebus(r):
    r.start("messagebus.server", "-s", "memory", module=True, name="messagebus",
            ready=r"Server running")
    r.start("subscriber.py", stdin="\n", ready=r"Subscribed on weather-forecast")
    r.start("publisher.py", stdin="Amsterdam\n")
    r.wait("subscriber.py", r"^    data:", count=3)
    r.kill("publisher.py")
    r.kill("subscriber.py")


# The publisher sends a forecast every 10 ms until it is stopped, so how much each program
# printed is the clock's: compared are the first 3 messages (the seeded forecasts, ids and
# times erased), the publisher's first forecast, and the bus's startup lines (its stats line
# counts messages as they come).
ex(BOTH, "messagebus", uses="ns", steps=messagebus,
   note="weather example (subscriber + publisher) on the memory store; stopped after 3 messages",
   expect=[("subscriber.py", r"GOT MESSAGE")],
   normalise={"subscriber.py": [until(r"^    data:", 3), UUID, DATETIME],
              "publisher.py": [until(r"Forecast:", 1)],
              "messagebus": [until(r"^Server running")]})


def stress_summary(text):
    """The 5 threads print their thread number per call, and their start/stop lines, in
    scheduling order: what is compared is the main thread's lines, how many threads started
    and stopped, the number of names cleaned up (random), and every error line in full."""
    # A thread's number may land on the main thread's line ("...stop.3 "): the fixed texts are
    # matched, never the rest of their line.
    keep = re.findall(r"Removing previous.*|Done\. Starting\.|Break-- waiting for threads to stop\.|"
                      r"cleaned up \d+ names\.|"
                      r".*(?:Error|Exception|Traceback).*", text)
    keep = [re.sub(r"cleaned up \d+", "cleaned up <n>", k) for k in keep]
    return "\n".join(keep) + "\ntrashers started: %d, exited: %d" % (
        text.count("Name Server trasher running."), text.count("Trasher exiting."))


def nsstress(r):
    r.start("stress.py", ready=r"Done\. Starting")
    r.wait("stress.py", r"\d ", count=500, timeout=30)
    r.interrupt("stress.py", timeout=30)


ex(BOTH, "nameserverstress", uses="ns", steps=nsstress,
   note="5 threads of random NS calls, stopped by ctrl-C after 500 calls",
   expect=[("stress.py", r"cleaned up <n> names")],
   normalise={"stress.py": [stress_summary]})


def nsmeta(r):
    r.run("example.py")


# A registration's metadata is a set: the name server sends it in its own set's order (Python's:
# the hash order of the NS process), and the example prints it in that order.
META_SET = lambda t: re.sub(  # noqa: E731
    r"^(   meta: )(.*)$", lambda m: m.group(1) + ", ".join(sorted(m.group(2).split(", "))), t,
    flags=re.M)
ex(BOTH, "ns-metadata", uses="ns", steps=nsmeta, expect=[("example.py", r"all storage")],
   normalise={"example.py": [META_SET]})


def oneway(r):
    r.start("server.py", ready=SERVE_READY)
    r.run("client.py", timeout=30)
    if r.gen == 5:  # Pyro4's has no server2/client2
        r.start("server2.py", ready=SERVE_READY)
        r.run("client2.py", timeout=30)


ex(BOTH, "oneway", uses="ns", steps=oneway, expect=[("client.py", r"The result :\)")],
   normalise={"server2.py": [MAIN_THREAD,
                                        counted_prints("oneway call executing in thread")],
              # oneway_work goes on for 10 s after the client has left, until the steps end
              "server.py": [(r"^work work\.\. \d+\n", ""), (r"^work's done!\n", "")],
              "client.py": [(r"(server done\?\nno, trying again\n)+", "<polls>\n")]})

ex([5], "robots", uses="ns", note="not run: the game server is a Tk GUI (needs a display)")
ex([4], "robots", uses="ns", note="not run: the game server is a Tk GUI (needs a display)")


# Pyro4's client calls the deprecated getName() on its threads: the first call warns, in one
# write with the source line it quotes, which holds "[ thread %s": split off and sorted with
# the threads' own lines, that line landed above or below "Waiting for threads" by timing.
GETNAME_WARNING = (r"^.*DeprecationWarning: getName\(\) is deprecated.*\n.*\[ thread %s.*\n", "")


def servertypes(kind):
    def steps(r):
        r.start("server.py", stdin=kind + "\n", ready=SERVE_READY)
        r.run("client.py", timeout=60)
    return steps


for kind, variant in (("t", "thread"), ("m", "multiplex")):
    ex(BOTH, "servertypes", variant=variant, uses="ns", steps=servertypes(kind),
       note="answers '%s' at the server's prompt" % kind,
       expect=[("client.py", r"Done\. Number of completed")],
       normalise={"server.py": [THREAD, interleaved("delay called", "onewaydelay called")],
                  "client.py": [GETNAME_WARNING, THREAD, split_at(r"\[ thread"),
                                sort_lines(r"^\[ thread")]})


def shoppingcart(r):
    r.start("shopserver.py", ready=SERVE_READY)
    r.run("clients.py")


ex(BOTH, "shoppingcart", uses="ns", steps=shoppingcart, expect=[("clients.py", r"Sally payed")],
   normalise={"*": [ASCTIME, PYID]})


def stockquotes(phase):
    def steps(r):
        r.dir = os.path.join(r.dir, phase)
        r.start("stockmarket.py", ready=r"Stockmarkets available")
        r.start("viewer.py")
        r.wait("viewer.py", r"^\w+\.\w+: ", count=6)
        r.kill("viewer.py")
    return steps


def first_quotes(t):
    lines = t.split("\n")
    quotes = [i for i, x in enumerate(lines) if ": " in x and "." in x.split(":")[0]]
    return "\n".join(lines[:quotes[5] + 1]) if len(quotes) >= 6 else t


for phase in ("phase2", "phase3"):
    ex(BOTH, "stockquotes", variant=phase, uses="ns", steps=stockquotes(phase),
       note=phase + " (phase1 uses no Pyro): viewer stopped after 6 quotes",
       expect=[("viewer.py", r"found market")], normalise={"viewer.py": [first_quotes]},
       ports=(9092,) if phase == "phase3" else ())


def threadproxysharing(r):
    r.run("client.py", timeout=30)


ex([5], "threadproxysharing", uses="ns", steps=threadproxysharing,
   expect=[("client.py", r"Solution 2")], normalise={"*": [THREAD_IDENT]})


def timeout(r):
    r.start("server.py", ready=r"Server ready")
    r.start("client.py")
    r.wait("client.py", r"Feel free to abort", timeout=60)
    r.kill("client.py")


ex(BOTH, "timeout", uses="ns", steps=timeout, expect=[("client.py", r"TimeoutError! As expected")])


def usersession(r):
    r.start("server.py", ready=SERVE_READY)
    r.run("client.py", stdin="\n\n", timeout=60)


def drop_race(t):
    # the last part shows a race between two threads on purpose: its lines are scheduling
    head, sep, _ = t.partition("***** Multiple concurrent proxies on the Singleton")
    return head + sep + (" <concurrency errors, by design>" if sep else "")


ex(BOTH, "usersession", uses="ns", steps=usersession,
   note="the deliberate race of its last part is not compared",
   expect=[("client.py", r"Session-Bound Database")],
   # the two threads of the concurrent parts share one store: which number a thread reads
   # back is their interleaving
   normalise={"client.py": [drop_race, THREAD, (r"enter to start: ", "enter to start:\n"),
                            (r"^\[<thread>\] num=\d+", "[<thread>] num=<n>")],
              # the race repeats or drops some of the server's lines: compare which lines it printed
              "server.py": [split_at(r"\[Sessionbound", r"\[Singleton", "DB: "),
                            lambda t: "\n".join(sorted(set(t.split("\n"))))]})


def warehouse(r):
    r.dir = os.path.join(r.dir, "phase3")
    r.start("warehouse.py", ready=SERVE_READY)
    r.run("visit.py", stdin="shoes\nbike\n\ncouch\n")


ex(BOTH, "warehouse", uses="ns", steps=warehouse, note="phase3 (phase1/2 use no NS)",
   expect=[("visit.py", r"Thank you, come again")])



# ---- Pyro4-only examples using the name server ----------------------------------------------
def deadlock(r):
    r.start("server.py", ready=r"Bouncer started")
    r.start("client.py")
    r.wait("client.py", r"Calling server")
    r.wait("server.py", r"bouncing back")
    # the callback into the client calls the server through the proxy that is still busy
    # with the first call: from here on nothing moves
    r.wait("client.py", r"I'm Client , bouncing back")
    r.kill("client.py")


ex([4], "deadlock", uses="ns", steps=deadlock, note="deadlocks by design: stopped once it does",
   expect=[("client.py", r"Calling server")])


def proxysharing(r):
    r.start("server.py", ready=SERVE_READY)
    r.run("client.py", timeout=60)


# Both halves run 5 s of calls: how much work gets done is the clock's, not the protocol's.
ex([4], "proxysharing", uses="ns", steps=proxysharing,
   note="20 s of timed calls through shared and own proxies; amounts of work not compared",
   expect=[("client.py", r"You should not see any exceptions")],
   normalise={"client.py": [(r"work done on the server: \d+", "work done on the server: <n>"),
                            (r"completed: \d+\.\d+", "completed: <seconds>")],
              # ten threads print "work... N" at once: lines merge; they are the timed work
              "server.py": [(r"work\.\.\. \d+", ""), (r"\n\s*\n", "\n")]})


def market_lines(text):
    """The two markets' timer threads print "new quotes generated for", " " and the market's
    name as separate writes, so two such lines interleave mid-line now and then (in Python's
    run as in ours), and how many there are is the clock's. Compared: the startup line, the
    aggregators added (one write each, in the aggregator's order) and every error line."""
    return "\n".join(re.findall(r"Stockmarkets running\.|market \w+ adding new aggregator|"
                                r".*(?:Error|Exception|Traceback).*", text))


def stockquotes_old(r):
    r.dir = os.path.join(r.dir, "phase3")
    r.start("stockmarket.py", ready=r"Stockmarkets running")
    r.start("aggregator.py", ready=r"Aggregator running")
    r.start("viewer.py", stdin="")
    r.wait("viewer.py", r"Enter symbols you want to view")
    r.send("viewer.py", "AAPL,CSCO,MSFT,GOOG,IBM,HPQ,BP\n")
    r.wait("viewer.py", r"^\w+\.\w+: ", count=3)
    # the quote source first: its timer threads call the aggregator, then the viewer
    for name in ("stockmarket.py", "aggregator.py", "viewer.py"):
        r.kill(name)


# The quotes come from two timer threads drawing on one random generator: which quote comes
# when is scheduling. Compared: the markets found, the symbols, the subscriptions.
QUOTE_LINES = (r"^\w+\.\w+: [-\d.]+\n", "")
ex([4], "stockquotes-old", uses="ns", steps=stockquotes_old,
   note="phase3 (callbacks; phase1/2 use no NS): viewer stopped after 3 quotes, quote values not compared",
   expect=[("viewer.py", r"Viewer listening on symbols")],
   normalise={"viewer.py": [QUOTE_LINES], "stockmarket.py": [market_lines]})


# ---- the echo server -------------------------------------------------------------------------
def echo_client(script):
    def steps(r):
        r.run(script, stdin=r.echo_uri + "\n")
    return steps


ex([5], "echoserver", uses="ns+echo", steps=echo_client("client.py"),
   expect=[("client.py", r"got back from the server: \[1, 2, 3, 4\]")],
   normalise={"client.py": [remote_frames]})
ex([4], "echoserver", uses="ns+echo", steps=echo_client("client.py"),
   expect=[("client.py", r"got back from the server: \[1, 2, 3, 4\]")],
   normalise={"client.py": [remote_frames]})
# Pyro5 5.17's own client fails here with both servers: the size check raises ProtocolError
# "message too large", not the MessageTooLargeError the example catches.
ex([5], "maxsize", uses="ns+echo", steps=echo_client("client.py"),
   expect=[("client.py", r"message too large \(30093, max=2500\)")])
ex([4], "maxsize", uses="ns+echo", steps=echo_client("client.py"),
   expect=[("client.py", r"EXCEPTION \(expected\)")])


def check_complete(src):
    """Folders of the sdists the catalogue doesn't list, and listed ones that don't exist."""
    listed = {(e.gen, e.folder) for e in EXAMPLES}
    found = set()
    for gen, rel in SRC.items():
        base = os.path.join(src, rel)
        found |= {(gen, d) for d in os.listdir(base) if os.path.isdir(os.path.join(base, d))}
    return ["pyro%d/%s" % x for x in sorted(found ^ listed)]

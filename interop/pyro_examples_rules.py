"""The normalisation rules the example catalogue uses (pyro_examples_catalogue.py): each names
one thing that legitimately differs between two runs of the same program, so a rule in the
catalogue says what it hides. A rule is a (regex, replacement) pair or a function of the text.
"""
import re

# What varies between any two runs of the same program, named once.
THREAD = (r"\b(Thread-\d+|Pyro-Worker-\d+|ThreadPoolExecutor-\d+_\d+)", "<thread>")
THREAD_IDENT = (r"started (daemon )?\d+\)", r"started \1<ident>)")
PYID = (r"\b\d{9,}\b", "<id>")  # CPython id() values (memory addresses)
UUID = (r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<uuid>")
DATETIME = (r"\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?", "<datetime>")
ASCTIME = (r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
           r"[ \d]\d \d\d:\d\d:\d\d \d{4}\b", "<asctime>")
SECONDS = (r"\b\d+\.\d+ sec", "<n> sec")
PID_HOST = (r"Worker_\d+@\S+", "Worker_<pid>@<host>")
LOGTIME = (r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+,", "[<log time>,")
HTTPLOG = (r"\[\d\d/\w{3}/\d{4} \d\d:\d\d:\d\d\]", "[<http log time>]")
MAIN_THREAD = (r"^main thread: \d+", "main thread: <ident>")


def remote_frames(text):
    """The frames of a remote traceback: Python's servers send their Python stack, a pyroxene
    server has none and sends one line saying so. The exception's class and text after the
    frames stay compared."""
    return re.sub(r"( \| Traceback \(most recent call last\):\n)(?: \|  .*\n)+",
                  r"\1 |   <remote frames>\n", text)


def split_at(*starts):
    """Lines printed by several threads at once: print() writes the text and the newline
    separately, so two threads' lines can merge. Splits them again at the known line starts
    (and drops the blank lines the lone newlines leave)."""
    rx = re.compile("(?<=[^\n])(?=(%s))" % "|".join(starts))
    return lambda text: "\n".join(x for x in rx.sub("\n", text).split("\n") if x.strip())


def counted_prints(phrase):
    """print(phrase, number) from several threads at once: print() writes each argument, the
    space between them and the newline separately, so two threads' pieces can interleave at any
    of those points (even the numbers end up on the wrong line). Compared as how many times the
    phrase was printed, at the place the first one was, with the numbers dropped."""
    rx = re.compile(re.escape(phrase))

    def normalise(text):
        first = text.find(phrase)
        if first < 0:
            return text
        head, tail = text[:first], text[first:]
        count = len(rx.findall(tail))
        rest = re.sub(r"[ ]*(<ident>|\d+)", "", rx.sub("", tail))
        kept = [line for line in rest.split("\n") if line.strip()]
        return head + "\n".join([phrase + " <n>"] * count + kept) + "\n"
    return normalise


def interleaved(*starts):
    """An example's own server printing from several threads: its lines split again
    (split_at) and compared as a sorted list (their order is scheduling)."""
    split = split_at(*starts)
    return lambda text: "\n".join(sorted(split(text).split("\n")))


def repeats(block):
    """A normaliser: runs of `block` (a call per second, counted by the clock) become one."""
    rx = re.compile("(?:%s)+" % re.escape(block))
    return lambda t: rx.sub(block.replace("\n", " ").strip() + " <repeated>\n", t)


def sort_lines(pattern):
    """A normaliser: the lines matching `pattern` sorted among their own positions (output of
    concurrent threads or callbacks whose order is scheduling, not protocol)."""
    rx = re.compile(pattern)

    def apply(text):
        lines = text.split("\n")
        idx = [i for i, line in enumerate(lines) if rx.search(line)]
        for i, line in zip(idx, sorted(lines[i] for i in idx)):
            lines[i] = line
        return "\n".join(lines)
    return apply


def until(pattern, count=1):
    """A normaliser for a program stopped while it goes on printing: its output up to the
    `count`-th line matching `pattern` (all of it when there are fewer)."""
    rx = re.compile(pattern)

    def apply(text):
        lines, seen = text.split("\n"), 0
        for i, line in enumerate(lines):
            seen += bool(rx.search(line))
            if seen == count:
                return "\n".join(lines[:i + 1]) + "\n"
        return text
    return apply

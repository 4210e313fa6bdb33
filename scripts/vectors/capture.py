"""Re-captures testdata/vectors from the pinned Python peers (run it through
scripts/capture-vectors.sh, which picks the pinned venv).

    python capture.py OUTDIR [--check REF]

Runs each capture script in a process of its own (serializer_vectors.py, capture_pyro4.py,
capture_pyro5.py, http_gateway_vectors.py for both libraries) with PYTHONHASHSEED=0, TZ=UTC and
PYRO_BROADCAST_ADDRS=127.0.0.1, writes OUTDIR/index.json, and with --check compares OUTDIR with
REF (check_vectors.py). Every process has a time limit; everything binds to 127.0.0.1 on the
fixed ports the vectors name (45401-45492, 45501-45592, 45680-45692).
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PARTS = [
    ["serializer_vectors.py"],
    ["capture_pyro4.py"],
    ["capture_pyro5.py"],
    ["http_gateway_vectors.py", "pyro5"],
    ["http_gateway_vectors.py", "pyro4"],
]
TIME_LIMIT = 300
PORT_WAIT = 90


def environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRO_")}
    env.update(PYTHONHASHSEED="0", TZ="UTC", PYRO_BROADCAST_ADDRS="127.0.0.1")
    return env


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(__doc__)
    outdir = args[0]
    os.makedirs(outdir, exist_ok=True)
    for part in PARTS:
        script = os.path.join(HERE, part[0])
        # The vectors name fixed ports, inside Linux's ephemeral range: another process's
        # client socket may hold one, and after it closes it stays in TIME_WAIT for 60 s
        # (binding over it fails even with SO_REUSEADDR). A part that can't bind is run
        # again, 3 s apart, for at most PORT_WAIT seconds.
        waited = 0
        while True:
            result = subprocess.run([sys.executable, script, outdir] + part[1:],
                                    env=environment(), timeout=TIME_LIMIT,
                                    stderr=subprocess.PIPE, text=True)
            if result.returncode == 0 or "Address already in use" not in result.stderr:
                break
            if waited >= PORT_WAIT:
                break
            print("capture: %s: a port is taken, again in 3 s" % part[0], file=sys.stderr)
            time.sleep(3)
            waited += 3
        if result.returncode != 0:
            sys.stderr.write(result.stderr)
            sys.exit("capture: %s failed (exit %d)" % (" ".join(part), result.returncode))
    counts = {}
    for lib in ("pyro4", "pyro5"):
        with open(os.path.join(outdir, lib, "index.json"), encoding="utf-8") as f:
            index = json.load(f)
        counts[lib] = {"scenarios": len(index["scenarios"]), "messages": len(index["messages"])}
    top = {
        "description": "Pyro wire/serializer vectors captured from the real Python libraries; see README.md and ../pyro-protocol.md section 13",
        "libraries": {"Pyro4": "4.82", "Pyro4_protocol": 48, "Pyro5": "5.17", "Pyro5_protocol": 502,
                      "serpent": "1.43", "msgpack": "1.2.4", "python": "3.11.7"},
        "indexes": {"pyro4": "pyro4/index.json", "pyro5": "pyro5/index.json",
                    "serializers": "serializers/index.json", "http_pyro4": "http/pyro4.json",
                    "http_pyro5": "http/pyro5.json"},
        "generators": "scripts/capture-vectors.sh (scripts/vectors/): capture scripts that drive the pinned real Python libraries on 127.0.0.1",
        "pyro4_counts": counts["pyro4"],
        "pyro5_counts": counts["pyro5"],
    }
    with open(os.path.join(outdir, "index.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(top, indent=1, ensure_ascii=False))
    print("captured into %s" % outdir)
    if len(args) >= 3 and args[1] == "--check":
        result = subprocess.run([sys.executable, os.path.join(HERE, "check_vectors.py"), args[2], outdir])
        sys.exit(result.returncode)


if __name__ == "__main__":
    main()

# Helpers shared by the bench scripts. Source it after setting `out` (a temp dir, removed on
# exit) and `pids` (background processes, killed by pid on exit):
#
#   out=$(mktemp -d); pids=()
#   . scripts/bench-lib.sh     (from the repository root, where every bench script cd's first)
#
# WAIT_TRIES (default 100) is how many times wait_line looks, 0.1 s apart.

cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$out"; }
trap cleanup EXIT

wait_line() { # file prefix -> rest of the first line starting with prefix
  for _ in $(seq "${WAIT_TRIES:-100}"); do
    line=$(grep -m1 "^$2" "$1" 2>/dev/null || true)
    [ -n "$line" ] && { echo "${line#"$2"}" | tr -d ' '; return; }
    sleep 0.1
  done
  echo "no '$2' in $1" >&2; cat "$1" >&2; exit 1
}

json() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['$2'])" "$1"; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

#!/usr/bin/env bash
# Fuzzing in CI (issue 16 item 6; scripts/test.sh runs it). With cargo-fuzz: runs every target
# of fuzz/ for FUZZ_SECONDS (default 30) seeded with its committed corpus (fuzz/corpus/<target>,
# fuzz/regressions/<target>, plus the captured serializer vectors), and fails on the first crash
# (cargo-fuzz leaves the input in fuzz/artifacts/<target>/: add it to fuzz/regressions/<target>/
# with the fix). With a nightly toolchain under AddressSanitizer, on stable without a sanitizer.
# Without cargo-fuzz: replays the committed corpus through the same oracles
# (crates/pyroxene-wire/tests/fuzz_regressions.rs).
#
#   scripts/fuzz-ci.sh                 every target, 30 s each
#   FUZZ_SECONDS=600 scripts/fuzz-ci.sh marshal_decode
#   FUZZ_RUNS=10000000 FUZZ_SANITIZER=none scripts/fuzz-ci.sh
#                                      a recorded run: 10 M executions per target, no time cap
#                                      (the fuzzed crates have no `unsafe`, and AddressSanitizer
#                                      costs 3.5x: 973 against 3,396 decompress runs a second)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
runs=${FUZZ_RUNS:-}
max_len=${FUZZ_MAX_LEN:-65536}
sanitizer=${FUZZ_SANITIZER:-address}
if [ -n "$runs" ]; then
    budget=(-runs="$runs")
else
    budget=(-max_total_time="$seconds")
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-ci: no cargo-fuzz: replaying the committed corpus instead"
    exec cargo test -p pyroxene-wire --test fuzz_regressions
fi
# AddressSanitizer needs nightly; without it the fuzzers run on this toolchain with libFuzzer's
# coverage and no sanitizer (the fuzzed crates have no `unsafe`: a panic is what they find).
toolchain=()
if cargo +nightly --version >/dev/null 2>&1; then
    toolchain=(+nightly)
else
    sanitizer=none
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cd fuzz && cargo "${toolchain[@]}" fuzz list)
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target" "fuzz/regressions/$target"
    seeds=("fuzz/regressions/$target")
    case "$target" in
        *_decode) seeds+=(testdata/vectors/serializers) ;;
    esac
    echo "fuzz-ci: $target for ${budget[0]#-}"
    log="fuzz/artifacts/$target.log"
    mkdir -p fuzz/artifacts
    status=0
    (cd fuzz && cargo "${toolchain[@]}" fuzz run -s "$sanitizer" "$target" "corpus/$target" "${seeds[@]/#/../}" -- \
        "${budget[@]}" -max_len="$max_len" -rss_limit_mb=2048 -print_final_stats=1) \
        >"$log" 2>&1 || status=$?
    grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|^SUMMARY|ERROR: libFuzzer|^Done" "$log" || true
    [ "$status" -eq 0 ] || { tail -40 "$log"; echo "fuzz-ci: $target failed (input in fuzz/artifacts/$target/)"; exit 1; }
done

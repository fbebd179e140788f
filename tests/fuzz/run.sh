#!/bin/sh
# tests/fuzz/run.sh BUILD SECONDS TARGET... : run each libFuzzer target
# BUILD/fuzz_TARGET for SECONDS seconds (one process, so CPU time = the
# time given). Corpus folders, in libFuzzer's order: BUILD/corpus/TARGET
# (grows, kept between runs), BUILD/seeds/TARGET (made by BUILD/mkseeds from
# the test data) and tests/corpus/TARGET (the committed regression inputs).
# A crash leaves its input in BUILD/artifacts/TARGET/ and fails the run:
# fix the bug, then add the input to tests/corpus/TARGET/ (test_corpus
# replays those in `make test`). Extra libFuzzer flags: FUZZ_FLAGS.
B=$1; S=$2; shift 2
if [ ! -f "$B/seeds/.done" ]; then
    for t in gguf model vocab chat sample; do mkdir -p "$B/seeds/$t"; done
    "$B/mkseeds" "$B/seeds" || exit 1
    touch "$B/seeds/.done"
fi
passed=0; failed=0
for t in "$@"; do
    case $t in
        gguf) ml=65536 ;; model) ml=262144 ;; vocab) ml=4096 ;; *) ml=8192 ;;
    esac
    mkdir -p "$B/corpus/$t" "$B/artifacts/$t" "tests/corpus/$t"
    log="$B/fuzz_$t.log"
    "$B/fuzz_$t" -max_total_time="$S" -max_len=$ml -timeout=30 -rss_limit_mb=2560 -print_final_stats=1 \
        -artifact_prefix="$B/artifacts/$t/" $FUZZ_FLAGS "$B/corpus/$t" "$B/seeds/$t" "tests/corpus/$t" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    files=$(ls "$B/corpus/$t" | wc -l)
    if [ $rc -eq 0 ]; then
        echo "fuzz $t: ${runs:-?} runs in ${secs:-?} s, $cov, corpus $files files, no crash"
        passed=$((passed + 1))
    else
        echo "fuzz $t: FAILED (exit $rc); input in $B/artifacts/$t/, log $log:"
        grep -E 'ERROR|SUMMARY|property violated|runtime error|^    #[0-9] ' "$log" | head -n 30
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]

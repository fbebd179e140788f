#!/bin/sh
# tests/run.sh BIN... : run each test program from the repo root, echo its
# output, and end with one line "N passed, N failed" summed over all of them.
# A program that crashes or prints no summary line counts as one failure.
passed=0; failed=0
for t in "$@"; do
    out=$(eval "$t" 2>&1); rc=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "$t: exited with status $rc and no summary line; its last lines:"
        printf '%s\n' "$out" | tail -n 6 | sed 's/^/    | /'
        failed=$((failed + 1)); continue
    fi
    p=$(printf '%s\n' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
    f=$(printf '%s\n' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "$t: exited with status $rc"; failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/sh
# tests/model_isa.sh BUILD : tests/test_model.c again with the kernels capped
# at each instruction set below this CPU's best (the plain run in `make test`
# covers the best): every logits comparison of the inference tests then runs
# on the scalar reference kernels and, on x86-64 with AVX-512, on AVX2.
# Ends with "model_isa: N passed, N failed" over all of the runs.
b=${1:-build}
passed=0; failed=0
for isa in scalar avx2 neon; do
    out=$(LLML_TEST_ISA=$isa "./$b/tests/test_model" 2>&1); rc=$?
    line=$(printf '%s\n' "$out" | grep -E '^test_model: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    printf '%s\n' "$out" | grep -E '^test_model: (kernels|.*not available)|FAIL' | sed "s/^/[$isa] /"
    if [ -z "$line" ]; then echo "[$isa] test_model exited with status $rc and no summary"; failed=$((failed + 1)); continue; fi
    echo "[$isa] $line"
    p=$(printf '%s\n' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
    f=$(printf '%s\n' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
    passed=$((passed + p)); failed=$((failed + f))
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && failed=$((failed + 1))
done
echo "model_isa: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

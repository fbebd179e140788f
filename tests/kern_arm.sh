#!/bin/sh
# tests/kern_arm.sh [BUILD] : the AArch64 build of tests/test_kern.c, run under
# qemu user-mode emulation, once on qemu's default CPU (dotprod, i8mm) and once on a
# Cortex-A53 (plain NEON). Compiler: aarch64-linux-gnu-gcc when installed
# (dotprod and i8mm kernels chosen at run time), else clang
# --target=aarch64-linux-gnu with lld and the Debian arm64 cross libc (three
# builds: plain, +dotprod and armv8.6-a+dotprod+i8mm, since Clang takes
# dotprod and i8mm only from the compile target; Clang 14 does not count
# dotprod in armv8.6-a).
# Prints "kern_arm: N passed, N failed"; skips with a message when the tools
# are missing (.ci/run installs them).
out=${1:-build}/arm
mkdir -p "$out"
passed=0; failed=0
qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static)
if [ -z "$qemu" ]; then
    echo "kern_arm: skipped: qemu-aarch64 not installed (Debian package qemu-user)"
    echo "kern_arm: 0 passed, 0 failed"; exit 0
fi
builds=""
if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
    aarch64-linux-gnu-gcc -O2 -static -std=c99 -Wall -Wextra -Werror -I. -Itests tests/test_kern.c -o "$out/test_kern-gcc" -lm \
        && builds="$out/test_kern-gcc" || failed=$((failed + 1))
elif command -v clang >/dev/null 2>&1 && command -v ld.lld >/dev/null 2>&1 && [ -d /usr/aarch64-linux-gnu/include ]; then
    for v in plain dotprod i8mm; do
        m=; [ $v = dotprod ] && m=-march=armv8.2-a+dotprod; [ $v = i8mm ] && m=-march=armv8.6-a+dotprod+i8mm
        clang --target=aarch64-linux-gnu -fuse-ld=lld $m -O2 -static -std=c99 -Wall -Wextra -Werror -I. -Itests \
            tests/test_kern.c -o "$out/test_kern-clang-$v" -lm && builds="$builds $out/test_kern-clang-$v" || failed=$((failed + 1))
    done
else
    echo "kern_arm: skipped: no AArch64 cross compiler (Debian packages gcc-aarch64-linux-gnu, or clang + lld + libc6-dev-arm64-cross)"
    echo "kern_arm: 0 passed, 0 failed"; exit 0
fi
for b in $builds; do
    for cpu in max cortex-a53; do
        case "$b:$cpu" in *dotprod:cortex-a53|*i8mm:cortex-a53) continue ;; esac  # built for +dotprod / +i8mm: needs it
        res=$("$qemu" -cpu $cpu "$b" --quick 2>&1); rc=$?
        printf '%s\n' "$res" | sed "s|^|[$(basename "$b") $cpu] |"
        line=$(printf '%s\n' "$res" | grep -E '^kern: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
        if [ -z "$line" ]; then failed=$((failed + 1)); continue; fi
        p=$(printf '%s\n' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
        f=$(printf '%s\n' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
        passed=$((passed + p)); failed=$((failed + f))
        [ $rc -ne 0 ] && [ "$f" -eq 0 ] && failed=$((failed + 1))
    done
done
# The same bits as x86-64: the prompt GEMM outputs (hashes from test_kern
# --bits, at the best level of each) of the formats that both have one.
if [ "$(uname -m)" = x86_64 ] && command -v cc >/dev/null 2>&1 && [ -n "$builds" ]; then
    if cc -O2 -std=c99 -I. -Itests tests/test_kern.c -o "$out/test_kern-native" -lm -lpthread; then
        "$out/test_kern-native" --bits > "$out/bits-native.txt"
        for bc in $(for b in $builds; do for cpu in max cortex-a53; do echo "$b:$cpu"; done; done); do
            b=${bc%:*}; cpu=${bc##*:}
            case "$b:$cpu" in *dotprod:cortex-a53|*i8mm:cortex-a53) continue ;; esac
            "$qemu" -cpu $cpu "$b" --bits > "$out/bits-arm.txt" || failed=$((failed + 1))
            common=$(awk 'NR == FNR { n[$2] = 1; next } ($2 in n) { print $2 }' "$out/bits-native.txt" "$out/bits-arm.txt")
            diffs=$(awk 'NR == FNR { h[$2] = $0; next } ($2 in h) && h[$2] != $0 { print $2 }' "$out/bits-native.txt" "$out/bits-arm.txt")
            nc=$(printf '%s\n' "$common" | grep -c .)
            if [ -n "$diffs" ] || [ "$nc" -eq 0 ]; then
                echo "[$(basename "$b") $cpu] gemm bits differ from x86-64 for: $diffs (formats in common: $nc)"
                failed=$((failed + 1))
            else
                echo "[$(basename "$b") $cpu] gemm and mm give the bits of x86-64 for the $nc formats both have a prompt GEMM for"
                passed=$((passed + 1))
            fi
        done
    else
        failed=$((failed + 1))
    fi
fi
echo "kern_arm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

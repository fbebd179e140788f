#!/bin/sh
# tests/compile_matrix.sh : the header must compile warning-free as C99, C11
# and C++17 with gcc and clang (-Wall -Wextra -Werror -pedantic), and with
# LLML_STATIC in two translation units of one program.
out=${1:-build/matrix}
mkdir -p "$out"
passed=0; failed=0
run() { # name, command...
    name=$1; shift
    if "$@" >"$out/$name.log" 2>&1; then passed=$((passed + 1))
    else failed=$((failed + 1)); echo "FAIL compile $name: $*"; head -n 20 "$out/$name.log"; fi
}
W="-Wall -Wextra -Werror -pedantic"
for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || { echo "FAIL compile: $cc not installed"; failed=$((failed + 1)); continue; }
    cxx=g++; [ $cc = clang ] && cxx=clang++
    for std in c99 c11; do
        run "$cc-$std" $cc -std=$std $W -O1 -I. -c tests/matrix_impl.c -o "$out/$cc-$std.o"
        run "$cc-$std-api" $cc -std=$std $W -O1 -I. -c tests/matrix_api.c -o "$out/$cc-$std-api.o"
    done
    run "$cxx-c++17" $cxx -std=c++17 $W -O1 -I. -x c++ -c tests/matrix_impl.c -o "$out/$cxx-c++17.o"
    run "$cc-static2" $cc -std=c99 $W -O1 -I. -DLLML_STATIC tests/matrix_static_a.c tests/matrix_static_b.c -o "$out/$cc-static2" -lm
    run "$cc-static2-run" "$out/$cc-static2"
    run "$cc-llmlite.c" $cc -std=c99 $W -O1 -I. -c llmlite.c -o "$out/$cc-llmlite.o"
done
# (The manual's quick start program: tests/quickstart.sh.)

echo "compile_matrix: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

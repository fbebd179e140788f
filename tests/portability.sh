#!/bin/sh
# tests/portability.sh [OUT] [PLATFORM...] : the test programs built for
# other platforms and run there (make test-portability; .ci/run installs the
# tools). PLATFORMs (default: all four):
#   m32    32-bit x86 (gcc -m32 -msse2 -mfpmath=sse), the unit tests, native
#   win64  Windows x86-64 (mingw-w64, static), the unit tests under wine
#   arm64  AArch64 Linux (clang --target=aarch64-linux-gnu, lld, the Debian
#          arm64 cross libc, static), the unit tests under qemu-aarch64
#   wasm   WebAssembly (emscripten), the unit tests under node with
#          NODERAWFS=1 (the programs see the real file system, ../shared
#          included)
# The unit tests are tests/test_*.c except those that start the tools
# (system(), popen(); test_gguf only asks for Python) and test_cuda (make
# test-cuda, on a GPU machine); UNIT overrides the list. Each platform prints its tests'
# summary lines and "PLATFORM: N passed, N failed"; the last line sums all.
# A missing tool chain fails its platform (one failure), with the package
# to install. Outputs go to OUT/PLATFORM (default build-port).
#
# (internal) tests/portability.sh --exec RUNNER... PROGRAM : run PROGRAM with
# the runner, drop the CRs a Windows program writes, keep the exit status.
if [ "$1" = "--exec" ]; then
    shift
    tmp=$(mktemp)
    "$@" >"$tmp" 2>&1; rc=$?
    tr -d '\r' <"$tmp"; rm -f "$tmp"
    exit $rc
fi

out=${1:-build-port}
[ $# -gt 0 ] && shift
platforms=${*:-m32 win64 arm64 wasm}
mkdir -p "$out" build   # build/: where tests write scratch files when they
                         # cannot see LLML_BUILD (emscripten's getenv)
CFLAGS_PORT="-O2 -std=c99 -Wall -Wextra -I${PORT_INC:-.} -Itests -Itools"
if [ -z "$UNIT" ]; then
    UNIT=""
    for f in tests/test_*.c; do
        grep -qE 'system\(|popen\(' "$f" && [ "$f" != tests/test_gguf.c ] && continue
        [ "$f" = tests/test_cuda.c ] && continue   # needs nvcc and a GPU (make test-cuda)
        UNIT="$UNIT $(basename "$f" .c)"
    done
fi
total_p=0; total_f=0
recap="$out/recap.txt"; : >"$recap"

# summary of a run.sh log: adds to the totals and prints the platform line
tally() { # platform log
    line=$(tail -n 1 "$2")
    p=$(printf '%s\n' "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p')
    f=$(printf '%s\n' "$line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p')
    [ -z "$p" ] && { p=0; f=1; }
    grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed$|^FAIL|exited with status|no summary line|^    \| ' "$2" | sed "s/^/  [$1] /"
    # what failed, again at the end of the output (the recap)
    grep -E '^FAIL|exited with status|no summary line|^    \| ' "$2" | head -n 20 | sed "s/^/  [$1] /" >>"$recap"
    [ -z "$p" ] && echo "  [$1] no summary line at the end of $2" >>"$recap"
    echo "$1: $p passed, $f failed"
    total_p=$((total_p + p)); total_f=$((total_f + f))
}

missing() { # platform message
    echo "$1: tool chain missing: $2"
    echo "  [$1] tool chain missing: $2" >>"$recap"
    echo "$1: 0 passed, 1 failed"
    total_f=$((total_f + 1))
}

# build_all platform compiler suffix extra-link runner : builds UNIT into
# $out/platform/NAME$suffix (PORT_JOBS at a time); the commands that run
# them go to $cmds, the count of failed builds to $bfail. As in the Makefile,
# the implementation is compiled once ($out/platform/llmlite.o) and linked
# into the tests that use only the public API; those named in WHOLE (the
# Makefile passes its list; without it, every test) compile it themselves.
build_all() {
    plat=$1; cc=$2; suf=$3; link=$4; runner=$5
    d="$out/$plat"; mkdir -p "$d"
    export LLML_BUILD="$d"   # scratch files of the tests go there
    cmds=""
    bfail=0
    whole=${WHOLE-$UNIT}
    rm -f "$d/llmlite.o"
    ( $cc $CFLAGS_PORT -c -o "$d/llmlite.o" llmlite.c >"$d/llmlite.build.log" 2>&1 ) &
    n=1
    for pass in whole linked; do   # PORT_JOBS (2) compilers at a time
        for t in $UNIT; do
            case " $whole " in *" $t "*) w=1 ;; *) w=0 ;; esac
            if [ $pass = whole ] && [ $w = 0 ]; then continue; fi
            if [ $pass = linked ] && [ $w = 1 ]; then continue; fi
            if [ $pass = linked ] && [ ! -f "$d/llmlite.o" ]; then
                echo "build of the implementation ($d/llmlite.o) failed" >"$d/$t.build.log"
                cat "$d/llmlite.build.log" >>"$d/$t.build.log"; continue
            fi
            rm -f "$d/$t$suf"
            if [ $w = 1 ]; then
                ( $cc $CFLAGS_PORT -o "$d/$t$suf" "tests/$t.c" $link >"$d/$t.build.log" 2>&1 ) &
            else
                ( $cc $CFLAGS_PORT -DLLML_IMPL_ELSEWHERE -o "$d/$t$suf" "tests/$t.c" "$d/llmlite.o" $link >"$d/$t.build.log" 2>&1 ) &
            fi
            n=$((n + 1))
            [ $((n % ${PORT_JOBS:-2})) -eq 0 ] && wait
        done
        wait   # the implementation's object is ready before the linked pass
    done
    for t in $UNIT; do
        if [ -f "$d/$t$suf" ]; then
            cmds="$cmds \"$runner $d/$t$suf\""
        else
            echo "  [$plat] build of $t failed:"; head -n 15 "$d/$t.build.log" | sed 's/^/    /'
            { echo "  [$plat] build of $t failed:"; head -n 6 "$d/$t.build.log" | sed 's/^/    /'; } >>"$recap"
            bfail=$((bfail + 1))
        fi
    done
}

for plat in $platforms; do
    start=$(date +%s)
    case $plat in
    m32)
        # SSE2 arithmetic, as 32-bit builds for any x86 made since 2003 use:
        # with the x87 unit (plain -m32) float expressions carry extra
        # precision and the K-quant quantizers round a few values differently
        # from the reference (bytes differ; inference is unaffected)
        if ! printf '#include <errno.h>\nint main(void){return 0;}\n' | gcc -m32 -x c - -o "$out/m32probe" >/dev/null 2>&1; then
            missing m32 "gcc -m32 cannot link (Debian package gcc-multilib)"; continue
        fi
        rm -f "$out/m32probe"
        build_all m32 "gcc -m32 -msse2 -mfpmath=sse" "" "-lm -lpthread" ""
        eval "sh tests/run.sh $cmds" >"$out/m32.log" 2>&1
        tally m32 "$out/m32.log"
        [ $bfail -gt 0 ] && { total_f=$((total_f + bfail)); echo "m32: $bfail builds failed"; }
        ;;
    win64)
        command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || { missing win64 "x86_64-w64-mingw32-gcc (Debian package gcc-mingw-w64-x86-64)"; continue; }
        command -v wine >/dev/null 2>&1 || { missing win64 "wine (Debian packages wine, wine64)"; continue; }
        export WINEDEBUG=-all
        case $out in /*) export WINEPREFIX="$out/wineprefix" ;; *) export WINEPREFIX="$(pwd)/$out/wineprefix" ;; esac
        wine cmd /c exit >/dev/null 2>&1   # create the prefix once, outside the timed tests
        build_all win64 x86_64-w64-mingw32-gcc .exe "-static -lm -lpthread" "sh tests/portability.sh --exec wine"
        eval "sh tests/run.sh $cmds" >"$out/win64.log" 2>&1
        if [ $bfail -gt 0 ]; then echo "$bfail builds failed" >>"$out/win64.log"; fi
        tally win64 "$out/win64.log"
        [ $bfail -gt 0 ] && { total_f=$((total_f + bfail)); echo "win64: $bfail builds failed"; }
        ;;
    arm64)
        qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static)
        [ -n "$qemu" ] || { missing arm64 "qemu-aarch64 (Debian package qemu-user)"; continue; }
        if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
            acc="aarch64-linux-gnu-gcc"
        elif command -v ld.lld >/dev/null 2>&1 && [ -d /usr/aarch64-linux-gnu/include ]; then
            acc="clang --target=aarch64-linux-gnu -fuse-ld=lld"
        else
            missing arm64 "an AArch64 cross compiler (Debian packages lld libc6-dev-arm64-cross libgcc-12-dev-arm64-cross)"; continue
        fi
        build_all arm64 "$acc" "" "-static -lm -lpthread" "$qemu"
        eval "sh tests/run.sh $cmds" >"$out/arm64.log" 2>&1
        tally arm64 "$out/arm64.log"
        [ $bfail -gt 0 ] && { total_f=$((total_f + bfail)); echo "arm64: $bfail builds failed"; }
        ;;
    wasm)
        command -v emcc >/dev/null 2>&1 || { missing wasm "emcc (Debian package emscripten)"; continue; }
        command -v node >/dev/null 2>&1 || { missing wasm "node (Debian package nodejs)"; continue; }
        # Debian's emscripten finds its acorn in Debian's node module folder;
        # node >= 18 must not use its fetch for emscripten 3.1's loader
        export NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs"
        nflags=""
        node --no-experimental-fetch -e 0 >/dev/null 2>&1 && nflags="--no-experimental-fetch"
        build_all wasm emcc .js "-sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sTOTAL_STACK=8MB" "node $nflags"
        eval "sh tests/run.sh $cmds" >"$out/wasm.log" 2>&1
        tally wasm "$out/wasm.log"
        [ $bfail -gt 0 ] && { total_f=$((total_f + bfail)); echo "wasm: $bfail builds failed"; }
        ;;
    *)
        echo "unknown platform $plat"; echo "  unknown platform $plat" >>"$recap"; total_f=$((total_f + 1)); continue ;;
    esac
    echo "  [$plat] $(( $(date +%s) - start )) s"
done
if [ "$total_f" -gt 0 ]; then
    echo "what failed:"
    cat "$recap"
fi
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]

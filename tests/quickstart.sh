#!/bin/sh
# tests/quickstart.sh [BUILD] : the quick start program of the manual (in
# llmlite.h, between QUICKSTART-BEGIN and QUICKSTART-END) and of README.md
# (between <!-- QUICKSTART-BEGIN --> and <!-- QUICKSTART-END -->) must be the
# same text; it compiles warning-free as C99 (gcc, clang) and C++17. Then
# `make install` (PREFIX, DESTDIR), the program built outside the repository
# with `pkg-config --cflags --libs llmlite` against the installed header, and
# its output equal to llmlite-chat's greedy one-shot output for the same
# model and prompt.
# Prints "quickstart: N passed, N failed".
build=${1:-build}
out=$build/quickstart
rm -rf "$out"
mkdir -p "$out"
passed=0; failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL quickstart: $*"; }
check() { # description, command...
    d=$1; shift
    if "$@" >"$out/last.log" 2>&1; then ok; else fail "$d"; head -n 20 "$out/last.log"; fi
}
W="-Wall -Wextra -Werror -pedantic"
MODEL=models/stories260K.gguf

# the two copies
sed -n '/^   QUICKSTART-BEGIN$/,/^   QUICKSTART-END$/p' llmlite.h | sed '1d;$d' | sed 's/^   //' > "$out/quickstart.c"
sed -n '/^<!-- QUICKSTART-BEGIN -->$/,/^<!-- QUICKSTART-END -->$/p' README.md | sed '1d;$d' | sed '/^```/d' > "$out/readme.c"
check "the manual has a quick start program that calls llml_generate" grep -q 'llml_generate(' "$out/quickstart.c"
check "README.md's quick start equals the manual's (diff $out/readme.c $out/quickstart.c)" \
    diff -u "$out/quickstart.c" "$out/readme.c"

# compile checks (warnings as errors): C99 with gcc and clang, C++17; the
# program is built and run below, from the installed header
check "gcc -std=c99 $W" gcc -std=c99 $W -fsyntax-only -I. "$out/quickstart.c"
if command -v clang >/dev/null 2>&1; then
    check "clang -std=c99 $W" clang -std=c99 $W -fsyntax-only -I. "$out/quickstart.c"
else fail "clang not installed"; fi
check "g++ -std=c++17 $W" g++ -std=c++17 $W -fsyntax-only -I. -x c++ "$out/quickstart.c"

# make install into a prefix; build the program outside the repository with
# pkg-config (so only the installed header can be found)
inst=$(cd "$out" && pwd)
MK=${MAKE:-make}
check "make install PREFIX=..." $MK --no-print-directory -s install PREFIX="$inst/prefix"
check "installed header equals llmlite.h" cmp llmlite.h "$inst/prefix/include/llmlite.h"
check "installed pkg-config file" test -f "$inst/prefix/lib/pkgconfig/llmlite.pc"
if ! command -v pkg-config >/dev/null 2>&1; then
    fail "pkg-config is not installed (Debian package pkg-config)"
    echo "quickstart: $passed passed, $failed failed"
    exit 1
fi
flags=$(PKG_CONFIG_PATH="$inst/prefix/lib/pkgconfig" pkg-config --cflags --libs llmlite)
check "pkg-config --cflags --libs llmlite: -I the prefix, -lm" sh -c "echo '$flags' | grep -q -- '-I$inst/prefix/include' && echo '$flags' | grep -q -- '-lm'"
check "pkg-config --modversion is the header's version" sh -c \
    "test \"\$(PKG_CONFIG_PATH='$inst/prefix/lib/pkgconfig' pkg-config --modversion llmlite)\" = \"\$(sed -n 's/^#define LLML_VERSION_STRING \"\\(.*\\)\"/\\1/p' llmlite.h)\""
mkdir -p "$inst/app"
cp "$out/quickstart.c" "$inst/app/app.c"
check "cc -std=c99 $W app.c \$(pkg-config --cflags --libs llmlite)" sh -c "cd '$inst/app' && cc -std=c99 -O1 $W app.c -o app $flags"

# run it: the same text as llmlite-chat (greedy, 64 tokens), default arguments and given ones
"$build/llmlite-chat" -m $MODEL -p "Once upon a time" -n 64 --temp 0 -t 1 > "$out/chat1.txt" 2>/dev/null
"$build/llmlite-chat" -m $MODEL -p "The little dog" -n 64 --temp 0 -t 1 > "$out/chat2.txt" 2>/dev/null
check "llmlite-chat gives a continuation" test "$(wc -c < "$out/chat1.txt")" -gt 40
if [ -x "$inst/app/app" ]; then
    "$inst/app/app" > "$out/run1.txt" 2> "$out/run1.err"; rc=$?
    check "quick start (no arguments) exits 0 and writes nothing on stderr" test $rc -eq 0 -a ! -s "$out/run1.err"
    check "quick start output equals llmlite-chat -p 'Once upon a time' -n 64 --temp 0" cmp "$out/run1.txt" "$out/chat1.txt"
    "$inst/app/app" $MODEL "The little dog" > "$out/run2.txt" 2>/dev/null
    check "quick start MODEL PROMPT equals llmlite-chat" cmp "$out/run2.txt" "$out/chat2.txt"
    "$inst/app/app" "$out/no-such-model.gguf" > /dev/null 2> "$out/run3.err"; rc=$?
    check "a missing model: exit status 1 and a message" test $rc -eq 1 -a -s "$out/run3.err"
else
    fail "no quick start program to run"
fi

# staged with DESTDIR, found through PKG_CONFIG_SYSROOT_DIR; then uninstall
check "make install DESTDIR=... PREFIX=/opt/llmlite" $MK --no-print-directory -s install DESTDIR="$inst/stage" PREFIX=/opt/llmlite
check "staged: prefix=/opt/llmlite in the .pc" grep -qx 'prefix=/opt/llmlite' "$inst/stage/opt/llmlite/lib/pkgconfig/llmlite.pc"
flags=$(PKG_CONFIG_PATH="$inst/stage/opt/llmlite/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$inst/stage" pkg-config --cflags --libs llmlite)
check "staged: compiles with PKG_CONFIG_SYSROOT_DIR" sh -c "cd '$inst/app' && cc -std=c99 $W -fsyntax-only app.c $flags"
check "make uninstall DESTDIR=... PREFIX=/opt/llmlite" $MK --no-print-directory -s uninstall DESTDIR="$inst/stage" PREFIX=/opt/llmlite
check "uninstalled" test ! -e "$inst/stage/opt/llmlite/include/llmlite.h" -a ! -e "$inst/stage/opt/llmlite/lib/pkgconfig/llmlite.pc"

echo "quickstart: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

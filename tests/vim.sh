#!/bin/sh
# tests/vim.sh [BUILD] : the vim plugin (examples/vim/) in a headless vim
# (vim -N -u NONE -i NONE -es), talking to BUILD/llmlite-serve:
#   1. :LlmliteComplete at the end of "Once upon a time" (default model):
#      the written buffer equals llmlite-chat's greedy one-shot output;
#   2. the same with text after the cursor (kept after the insertion), on a
#      model without FIM tokens (plain completion of the text before);
#   3. infill: a small random-weight model with the StarCoder vocabulary
#      (FIM tokens) and code after the cursor: the inserted text equals the
#      server's own answer to the same infill request (read with python3);
#   4. cancel while streaming (:LlmliteCancel; <C-c> is mapped meanwhile):
#      reason "cancelled", the buffer holds exactly the streamed text;
#   5. :LlmliteChat on a model without chat template: the continuation in
#      the [llmlite chat] buffer.
# The text before and after scenarios 1 and 3 goes to BUILD/vim/session.txt.
# Prints "vim: N passed, N failed"; Neovim (nvim --headless) repeats
# scenario 1 when installed.
build=${1:-build}
out=$build/vim
rm -rf "$out"
mkdir -p "$out"
root=$(pwd)
case $build in /*) bdir=$build ;; *) bdir=$root/$build ;; esac
odir=$bdir/vim
passed=0; failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL vim: $*"; }
check() { # description, command...
    d=$1; shift
    if "$@" >"$out/last.log" 2>&1; then ok; else fail "$d"; head -n 20 "$out/last.log"; fi
}
finish() { echo "vim: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

if ! command -v vim >/dev/null 2>&1; then
    fail "vim is not installed (Debian package vim)"
    finish
fi
MODEL=$root/models/stories260K.gguf
SERVER=$bdir/llmlite-serve
check "the server is built" test -x "$SERVER"

# common head of every script: the plugin from the repository, the server
script_head() { # max_tokens model
    cat <<EOF
set nomore
set encoding=utf-8
let g:llmlite_server = '$SERVER'
let g:llmlite_model = '$2'
let g:llmlite_max_tokens = $1
let g:llmlite_threads = 1
set rtp^=$root/examples/vim
runtime plugin/llmlite.vim
EOF
}
# wait for the request to finish (up to 20 s), then note how it ended
wait_done() {
    cat <<'EOF'
let s:n = 0
while llmlite#busy() && s:n < 2000
  sleep 10m
  let s:n += 1
endwhile
EOF
}
runvim() { # script
    timeout 60 vim -N -u NONE -i NONE -es -S "$1" </dev/null >"$1.out" 2>&1
}

# ---- 1. complete at the end of the text ------------------------------------------
printf 'Once upon a time\n' > "$out/story.txt"
cp "$out/story.txt" "$out/story.before"
{ script_head 32 "$MODEL"; cat <<EOF
edit $odir/story.txt
normal! G\$
LlmliteComplete
EOF
  wait_done; cat <<EOF
call writefile([g:llmlite_last.reason, string(g:llmlite_last.n_generated)], '$odir/story.log')
write
qall!
EOF
} > "$out/t1.vim"
runvim "$out/t1.vim"
"$build/llmlite-chat" -m "$MODEL" -p "Once upon a time" -n 32 --temp 0 -t 1 > "$out/story.expected" 2>/dev/null
check "1: vim ran (see $out/t1.vim.out)" test -s "$out/story.log"
check "1: the buffer equals llmlite-chat -p 'Once upon a time' -n 32 --temp 0" cmp "$out/story.txt" "$out/story.expected"
check "1: done after 32 tokens" grep -qx 'max_tokens' "$out/story.log"

# ---- 2. text after the cursor stays after the insertion ----------------------------
printf 'The little dog\nThe end.\n' > "$out/middle.txt"
{ script_head 24 "$MODEL"; cat <<EOF
edit $odir/middle.txt
call cursor(1, 1)
normal! \$
LlmliteComplete
EOF
  wait_done; cat <<EOF
write
qall!
EOF
} > "$out/t2.vim"
runvim "$out/t2.vim"
{ "$build/llmlite-chat" -m "$MODEL" -p "The little dog" -n 24 --temp 0 -t 1 2>/dev/null; printf 'The end.\n'; } > "$out/middle.expected"
check "2: completion inserted at the cursor, the rest kept" cmp "$out/middle.txt" "$out/middle.expected"

# ---- 3. infill with a FIM model -------------------------------------------------------
FIM=$bdir/vim/fim.gguf
check "3: synthesize a small model with the StarCoder vocabulary" "$build/llmlite-synth" "$FIM" --arch qwen2 \
    --n-embd 64 --n-layer 2 --n-head 2 --n-head-kv 1 --n-ff 128 --n-ctx-train 256 \
    --vocab "${LLML_TESTDATA:-../shared/testdata}/vocab/ggml-vocab-starcoder.gguf" --type q8_0 --pure --threads 1 -q
printf 'def add(a, b):\n    return\n\nprint(add(1, 2))\n' > "$out/code.py"
cp "$out/code.py" "$out/code.before"
{ script_head 24 "$FIM"; cat <<EOF
edit $odir/code.py
call cursor(2, 1)
normal! \$
LlmliteComplete
EOF
  wait_done; cat <<EOF
call writefile([g:llmlite_last.op, g:llmlite_last.reason], '$odir/code.log')
write
qall!
EOF
} > "$out/t3.vim"
runvim "$out/t3.vim"
if command -v python3 >/dev/null 2>&1; then
    printf '%s\n' '{"id":1,"op":"infill","prefix":"def add(a, b):\n    return","suffix":"\n\nprint(add(1, 2))\n","max_tokens":24}' \
        | "$SERVER" -t 1 -m "$FIM" | python3 -c '
import sys, json
mid = "".join(e["text"] for e in map(json.loads, sys.stdin) if e.get("event") == "token").replace("\0", "")  # vim drops NULs
sys.stdout.buffer.write(("def add(a, b):\n    return" + mid + "\n\nprint(add(1, 2))\n").encode("utf-8"))' > "$out/code.expected"
    check "3: the request was an infill, 24 tokens" sh -c "grep -qx infill '$out/code.log' && grep -qx max_tokens '$out/code.log'"
    check "3: the infilled buffer equals prefix + the server's infill text + suffix" cmp "$out/code.py" "$out/code.expected"
else
    fail "3: python3 is needed to read the server's answer"
fi

# ---- 4. cancel while streaming ------------------------------------------------------------
printf 'int main' > "$out/cancel.c"
{ script_head 1000000 "$FIM"; cat <<EOF
edit $odir/cancel.c
normal! G\$
LlmliteComplete
sleep 300m
let s:mapped = maparg('<C-c>', 'n')
LlmliteCancel
EOF
  wait_done; cat <<EOF
let s:text = join(getline(1, '\$'), "\n")
call writefile([g:llmlite_last.reason, string(g:llmlite_last.n_generated), s:mapped =~# 'cancel' ? 'mapped' : 'not mapped',
      \\ maparg('<C-c>', 'n') ==# '' ? 'unmapped' : 'still mapped',
      \\ s:text ==# 'int main' . g:llmlite_last.text ? 'same' : 'differs', string(llmlite#busy())], '$odir/cancel.log')
qall!
EOF
} > "$out/t4.vim"
runvim "$out/t4.vim"
check "4: cancelled (reason)" sh -c "sed -n 1p '$out/cancel.log' | grep -qx cancelled"
check "4: some tokens streamed before the cancel, far fewer than asked" sh -c "n=\$(sed -n 2p '$out/cancel.log'); [ \"\$n\" -gt 0 ] && [ \"\$n\" -lt 1000000 ]"
check "4: <C-c> cancels while streaming, unmapped after" sh -c "sed -n 3p '$out/cancel.log' | grep -qx mapped && sed -n 4p '$out/cancel.log' | grep -qx unmapped"
check "4: the buffer holds exactly the streamed text" sh -c "sed -n 5p '$out/cancel.log' | grep -qx same && sed -n 6p '$out/cancel.log' | grep -qx 0"

# ---- 5. chat --------------------------------------------------------------------------------
{ script_head 32 "$MODEL"; cat <<EOF
LlmliteChat Once upon a time
EOF
  wait_done; cat <<EOF
call writefile(getline(1, '\$'), '$odir/chat.txt')
call writefile([bufname('%'), &buftype], '$odir/chat.log')
qall!
EOF
} > "$out/t5.vim"
runvim "$out/t5.vim"
{ echo '> Once upon a time'; echo '(stories260K has no chat template: continuing the text)'
  "$build/llmlite-chat" -m "$MODEL" -p "Once upon a time" -n 32 --temp 0 -t 1 2>/dev/null; echo; } > "$out/chat.expected"
check "5: [llmlite chat] scratch buffer" sh -c "sed -n 1p '$out/chat.log' | grep -qF '[llmlite chat]' && sed -n 2p '$out/chat.log' | grep -qx nofile"
check "5: question, note, streamed continuation" cmp "$out/chat.txt" "$out/chat.expected"

# ---- Neovim, when there is one --------------------------------------------------------------
if command -v nvim >/dev/null 2>&1; then
    printf 'Once upon a time\n' > "$out/nvim.txt"
    sed -e "s|$odir/story.txt|$odir/nvim.txt|" -e "s|$odir/story.log|$odir/nvim.log|" "$out/t1.vim" > "$out/t6.vim"
    timeout 60 nvim --headless -u NONE -i NONE -n -S "$out/t6.vim" </dev/null >"$out/t6.vim.out" 2>&1
    check "neovim: the buffer equals llmlite-chat's output" cmp "$out/nvim.txt" "$out/story.expected"
else
    echo "vim: (nvim not installed: the Neovim run is skipped)"
fi

# ---- the session, for the record ---------------------------------------------------------------
{
    echo "=== :LlmliteComplete, default model (models/stories260K.gguf), g:llmlite_max_tokens = 32"
    echo "--- before (cursor at the end of line 1)"; cat "$out/story.before"
    echo "--- after"; cat "$out/story.txt"
    echo "=== :LlmliteComplete with code after the cursor, FIM model (random weights, StarCoder vocabulary): infill, 24 tokens"
    echo "--- before (cursor at the end of line 2)"; cat "$out/code.before"
    echo "--- after"; cat "$out/code.py"
    echo "=== :LlmliteChat Once upon a time (default model: no chat template)"
    cat "$out/chat.txt"
} > "$out/session.txt"
rm -f "$FIM"
finish

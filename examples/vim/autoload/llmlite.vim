" autoload/llmlite.vim - the client side of llmlite-serve's protocol: one
" JSON request per line on its stdin, one JSON event per line on its stdout
" (README.md, "Server protocol"). One code path for Vim and Neovim; only
" starting the job and sending to it differ.

let s:root = fnamemodify(expand('<sfile>:p'), ':h:h:h:h')
let s:nvim = has('nvim')
let s:job = v:null          " the server (Vim: a job; Neovim: a job id)
let s:info = {}             " its ready event: model, fim, chat_template, ...
let s:partial = ''          " Neovim: an unfinished output line
let s:next_id = 1
let s:requests = {}         " id -> {kind, buf, lnum, col, text, ...}
let s:history = []          " the chat so far: [{role, content}, ...]
let g:llmlite_last = {}     " the last finished request: {id, kind, reason, text, ...}

function! s:opt(name, default) abort
  return get(g:, 'llmlite_' . a:name, a:default)
endfunction

function! s:error(msg) abort
  echohl ErrorMsg
  echomsg 'llmlite: ' . a:msg
  echohl None
endfunction

" ---- the server -------------------------------------------------------------

function! s:running() abort
  if s:nvim
    return type(s:job) == v:t_number && s:job > 0
  endif
  return type(s:job) == v:t_job && job_status(s:job) ==# 'run'
endfunction

function! s:start() abort
  if s:running()
    return 1
  endif
  let server = s:opt('server', s:root . '/build/llmlite-serve')
  let model = s:opt('model', s:root . '/models/stories260K.gguf')
  if !executable(server)
    call s:error('no server at ' . server . ' (run make, or set g:llmlite_server)')
    return 0
  endif
  let cmd = [server, '-m', model]
  if s:opt('threads', 0) > 0
    let cmd += ['-t', string(s:opt('threads', 0))]
  endif
  if s:opt('ctx', 0) > 0
    let cmd += ['-c', string(s:opt('ctx', 0))]
  endif
  let s:info = {}
  let s:partial = ''
  if s:nvim
    let s:job = jobstart(cmd, {
          \ 'on_stdout': function('s:nvim_out'),
          \ 'on_stderr': function('s:nvim_err'),
          \ 'on_exit': function('s:nvim_exit')})
    if s:job <= 0
      call s:error('cannot start ' . server)
      return 0
    endif
  else
    let s:job = job_start(cmd, {
          \ 'in_mode': 'raw', 'out_mode': 'nl', 'err_mode': 'nl',
          \ 'out_cb': {ch, line -> s:on_line(line)},
          \ 'err_cb': {ch, line -> s:error(line)},
          \ 'exit_cb': {job, status -> s:on_exit(status)}})
    if job_status(s:job) !=# 'run'
      call s:error('cannot start ' . server)
      return 0
    endif
  endif
  " wait for the ready event (it says whether the model can fill in the middle)
  let waited = 0
  while empty(s:info) && s:running() && waited < 10000
    sleep 10m
    let waited += 10
  endwhile
  if empty(s:info)
    call s:error('the server did not answer (model ' . model . ')')
    call llmlite#stop()
    return 0
  endif
  return 1
endfunction

function! s:send(req) abort
  let line = json_encode(a:req) . "\n"
  if s:nvim
    call chansend(s:job, line)
  else
    call ch_sendraw(s:job, line)
  endif
endfunction

function! s:nvim_out(job, data, event) abort
  let s:partial .= a:data[0]
  for l in a:data[1:]
    call s:on_line(s:partial)
    let s:partial = l
  endfor
endfunction

function! s:nvim_err(job, data, event) abort
  for l in a:data
    if l !=# ''
      call s:error(l)
    endif
  endfor
endfunction

function! s:nvim_exit(job, status, event) abort
  call s:on_exit(a:status)
endfunction

function! s:on_exit(status) abort
  let s:job = v:null
  for id in keys(s:requests)
    call s:finish(s:requests[id], 'server exited (status ' . a:status . ')')
  endfor
endfunction

function! llmlite#stop() abort
  if s:running()
    if s:nvim
      call jobstop(s:job)
    else
      call job_stop(s:job)
    endif
  endif
  let s:job = v:null
endfunction

" ---- events -------------------------------------------------------------------

function! s:on_line(line) abort
  if a:line ==# ''
    return
  endif
  try
    let ev = json_decode(a:line)
  catch
    call s:error('not JSON from the server: ' . a:line)
    return
  endtry
  if type(ev) != v:t_dict || !has_key(ev, 'event')
    return
  endif
  if ev.event ==# 'ready' || ev.event ==# 'info'
    let s:info = ev
    return
  endif
  let id = has_key(ev, 'id') ? string(ev.id) : ''
  if !has_key(s:requests, id)
    if ev.event ==# 'error' && id ==# ''
      call s:error(ev.message)
    endif
    return                       " e.g. an answer to a cancel that came late
  endif
  let r = s:requests[id]
  if ev.event ==# 'token'
    call s:insert(r, ev.text)
  elseif ev.event ==# 'done'
    let r.reason = ev.reason
    let r.n_generated = ev.n_generated
    call s:finish(r, '')
  elseif ev.event ==# 'error'
    call s:finish(r, ev.message)
  endif
endfunction

" Insert text at the request's position (r.lnum, byte r.col) of r.buf and
" move the position to its end; newlines split the line.
function! s:insert(r, text) abort
  let r = a:r
  let r.text .= a:text
  if !bufexists(r.buf)
    return
  endif
  let line = get(getbufline(r.buf, r.lnum), 0, '')
  let before = strpart(line, 0, r.col)
  let after = strpart(line, r.col)
  let parts = split(a:text, "\n", 1)
  if len(parts) == 1
    call setbufline(r.buf, r.lnum, before . parts[0] . after)
    let r.col += strlen(parts[0])
  else
    call setbufline(r.buf, r.lnum, before . parts[0])
    call appendbufline(r.buf, r.lnum, parts[1:-2] + [parts[-1] . after])
    let r.lnum += len(parts) - 1
    let r.col = strlen(parts[-1])
  endif
  if bufnr('%') == r.buf && r.follow
    call cursor(r.lnum, r.col > 0 ? r.col : 1)
  endif
  redraw
endfunction

function! s:finish(r, error) abort
  let r = a:r
  if has_key(s:requests, r.id)
    call remove(s:requests, r.id)
  endif
  if r.kind ==# 'chat' && a:error ==# ''
    if r.chat_template
      call add(s:history, {'role': 'assistant', 'content': r.text})
    endif
    if bufexists(r.buf)
      call appendbufline(r.buf, '$', '')
    endif
  endif
  call s:unmap_cancel(r)
  let g:llmlite_last = {'id': r.id, 'kind': r.kind, 'op': r.op, 'text': r.text,
        \ 'reason': get(r, 'reason', 'error'), 'n_generated': get(r, 'n_generated', 0), 'error': a:error}
  if a:error !=# ''
    call s:error(a:error)
  endif
  if exists('#User#LlmliteDone')
    doautocmd <nomodeline> User LlmliteDone
  endif
endfunction

" <C-c> cancels while a request streams into a buffer (buffer-local, removed after).
function! s:map_cancel(r) abort
  if get(g:, 'llmlite_no_mappings', 0) || !bufexists(a:r.buf) || bufnr('%') != a:r.buf
    return
  endif
  if maparg('<C-c>', 'n') ==# '' && maparg('<C-c>', 'i') ==# ''
    nnoremap <buffer> <silent> <C-c> :<C-u>call llmlite#cancel()<CR>
    inoremap <buffer> <silent> <C-c> <C-o>:call llmlite#cancel()<CR>
    let a:r.mapped = 1
  endif
endfunction

function! s:unmap_cancel(r) abort
  if get(a:r, 'mapped', 0) && bufexists(a:r.buf) && bufnr('%') == a:r.buf
    silent! nunmap <buffer> <C-c>
    silent! iunmap <buffer> <C-c>
  endif
endfunction

" ---- requests -------------------------------------------------------------------

function! s:request(kind, op, fields, buf, lnum, col) abort
  let id = s:next_id
  let s:next_id += 1
  let req = extend({'id': id, 'op': a:op, 'max_tokens': s:opt('max_tokens', 128)}, a:fields)
  if s:opt('temperature', 0) > 0
    let req.temperature = s:opt('temperature', 0) + 0.0
  endif
  let r = {'id': string(id), 'kind': a:kind, 'op': a:op, 'buf': a:buf, 'lnum': a:lnum, 'col': a:col,
        \ 'text': '', 'follow': 1, 'chat_template': get(s:info, 'chat_template', v:false)}
  let s:requests[r.id] = r
  call s:map_cancel(r)
  call s:send(req)
  return r
endfunction

" Continue the text at the cursor: after the character under it in normal
" mode, at the cursor in insert mode (<C-o>). With a fill-in-the-middle
" model and non-blank text after that point: infill between the two.
function! llmlite#complete() abort
  if !s:start()
    return
  endif
  if !&modifiable
    call s:error('the buffer is not modifiable')
    return
  endif
  let lnum = line('.')
  let line = getline(lnum)
  if mode(1) =~# '^ni' || col('.') > strlen(line)
    let col = min([col('.') - 1, strlen(line)])
  else
    let col = col('.') - 1 + strlen(matchstr(line, '\%' . col('.') . 'c.'))
  endif
  let prefix = join(getline(1, lnum - 1) + [strpart(line, 0, col)], "\n")
  let suffix = join([strpart(line, col)] + getline(lnum + 1, '$'), "\n")
  if get(s:info, 'fim', v:false) && suffix =~# '\S'
    call s:request('complete', 'infill', {'prefix': prefix, 'suffix': suffix . "\n"}, bufnr('%'), lnum, col)
  elseif prefix =~# '\S'
    call s:request('complete', 'complete', {'prompt': prefix}, bufnr('%'), lnum, col)
  else
    call s:error('no text before the cursor to continue')
  endif
endfunction

" Ask a question; the answer streams into the buffer [llmlite chat]. A model
" with a chat template gets the whole conversation; one without continues
" the question as plain text.
function! llmlite#chat(question) abort
  if !s:start()
    return
  endif
  let name = '[llmlite chat]'
  let win = bufwinnr(bufnr(name))
  if win > 0
    execute win . 'wincmd w'
  else
    execute 'silent keepalt ' . (bufexists(name) ? 'sbuffer ' . fnameescape(name) : 'new ' . fnameescape(name))
    setlocal buftype=nofile bufhidden=hide noswapfile
  endif
  let buf = bufnr('%')
  let lines = ['> ' . a:question]
  if !get(s:info, 'chat_template', v:false)
    let lines += ['(' . get(s:info, 'model', 'the model') . ' has no chat template: continuing the text)']
  endif
  if getline('$') ==# '' && line('$') == 1
    call setline(1, lines + [''])
  else
    call append('$', lines + [''])
  endif
  let lnum = line('$')
  if get(s:info, 'chat_template', v:false)
    call add(s:history, {'role': 'user', 'content': a:question})
    call s:request('chat', 'chat', {'messages': s:history}, buf, lnum, 0)
  else
    call setline(lnum, a:question)
    call s:request('chat', 'complete', {'prompt': a:question}, buf, lnum, strlen(a:question))
  endif
endfunction

function! llmlite#cancel() abort
  if s:running()
    for id in keys(s:requests)
      call s:send({'id': str2nr(id), 'op': 'cancel'})
    endfor
  endif
endfunction

" Forget the chat history (the next question starts a new conversation).
function! llmlite#reset() abort
  let s:history = []
endfunction

" Number of requests still streaming (for scripts and tests).
function! llmlite#busy() abort
  return len(s:requests)
endfunction

" The server's ready event (model, arch, n_ctx, fim, chat_template).
function! llmlite#info() abort
  return copy(s:info)
endfunction

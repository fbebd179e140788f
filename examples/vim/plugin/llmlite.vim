" llmlite.vim - complete text and chat with a local GGUF model (Vim 8.2+/9, Neovim 0.5+)
" The model runs in build/llmlite-serve, started on first use; tokens stream
" into the buffer as they come. Settings (with their defaults):
"   g:llmlite_server       <repository>/build/llmlite-serve
"   g:llmlite_model        <repository>/models/stories260K.gguf
"   g:llmlite_max_tokens   128      tokens per completion or answer
"   g:llmlite_temperature  0        0: greedy
"   g:llmlite_threads      0        0: llmlite's default
"   g:llmlite_ctx          0        context size, 0: the model's (at most 4096)
"   g:llmlite_no_mappings  0        1: define no key mappings
" Commands:
"   :LlmliteComplete         continue the text at the cursor (after the
"                            character under it); with a fill-in-the-middle
"                            model and text after the cursor, fill in between
"   :LlmliteChat {question}  ask; the answer streams into a chat buffer
"   :LlmliteCancel           stop what is streaming (also <C-c> while it streams)
"   :LlmliteStop             end the server process
" Mappings (unless g:llmlite_no_mappings): <Leader>lc complete (normal mode),
" <C-g>l complete (insert mode), <Leader>lx cancel; <Plug>(llmlite-complete)
" and <Plug>(llmlite-cancel) to map your own.
if exists('g:loaded_llmlite')
  finish
endif
let g:loaded_llmlite = 1

command! -nargs=0 LlmliteComplete call llmlite#complete()
command! -nargs=+ LlmliteChat call llmlite#chat(<q-args>)
command! -nargs=0 LlmliteCancel call llmlite#cancel()
command! -nargs=0 LlmliteStop call llmlite#stop()

nnoremap <silent> <Plug>(llmlite-complete) :<C-u>call llmlite#complete()<CR>
inoremap <silent> <Plug>(llmlite-complete) <C-o>:call llmlite#complete()<CR>
nnoremap <silent> <Plug>(llmlite-cancel) :<C-u>call llmlite#cancel()<CR>

if !get(g:, 'llmlite_no_mappings', 0)
  if !hasmapto('<Plug>(llmlite-complete)', 'n')
    nmap <Leader>lc <Plug>(llmlite-complete)
  endif
  if !hasmapto('<Plug>(llmlite-complete)', 'i')
    imap <C-g>l <Plug>(llmlite-complete)
  endif
  if !hasmapto('<Plug>(llmlite-cancel)', 'n')
    nmap <Leader>lx <Plug>(llmlite-cancel)
  endif
endif

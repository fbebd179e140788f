/* llmlite.h 0.1.0 - embeddable GGUF language-model inference in one C header - MIT licence (full text at the end)

   (manual: to be written)
*/

/* tests/test_quant_ref.c - for every file in ../shared/testdata/quant/, our
   dequantization of blk.1.attn_q.weight must equal the reference's
   (<type>.blk.1.attn_q.f32) bit for bit. */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"
#include "check.h"
#include "logits_check.h"
#include <dirent.h>
#include <string.h>
#include <stdlib.h>

int main(void) {
    char dir[1024], path[1200];
    DIR *d;
    struct dirent *e;
    int files = 0;
    snprintf(dir, sizeof dir, "%s/quant", check_testdata());
    d = opendir(dir);
    CHECK(d != NULL, "cannot open %s", dir);
    if (!d) return check_summary("test_quant_ref");
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), nref = 0;
        char stem[256];
        llml_gguf *g = NULL;
        llml_error err;
        int64_t ti;
        float *ref, *out;
        if (len < 6 || strcmp(e->d_name + len - 5, ".gguf") != 0 || len - 5 >= sizeof stem) continue;
        memcpy(stem, e->d_name, len - 5); stem[len - 5] = 0;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        files++;
        CHECK(llml_gguf_open_file(path, NULL, &g, &err) == LLML_OK, "%s: %s", path, err.message);
        if (!g) continue;
        ti = llml_gguf_find_tensor(g, "blk.1.attn_q.weight");
        if (snprintf(path, sizeof path, "%s/%s.blk.1.attn_q.f32", dir, stem) >= (int)sizeof path) ref = NULL;
        else ref = lc_read_f32(path, &nref);
        CHECK(ti >= 0 && ref != NULL, "%s: tensor or reference missing", stem);
        if (ti >= 0 && ref) {
            const llml_gguf_tensor *t = llml_gguf_tensor_at(g, ti);
            int64_t r, rows = t->ne[1], cols = t->ne[0];
            size_t rs = llml_row_size(t->type, cols), mism = 0, first = 0;
            llml_result res = LLML_OK;
            out = (float *)malloc(nref * sizeof(float));
            CHECK((size_t)(rows * cols) == nref, "%s: %zu reference values for %lld x %lld", stem, nref, (long long)rows, (long long)cols);
            for (r = 0; r < rows && res == LLML_OK && (size_t)(rows * cols) == nref; r++)
                res = llml_dequantize_row(t->type, (const uint8_t *)t->data + r * rs, out + r * cols, cols);
            CHECK(res == LLML_OK, "%s: dequantize: %s", stem, llml_result_string(res));
            if (res == LLML_OK && (size_t)(rows * cols) == nref) {
                size_t i;
                for (i = 0; i < nref; i++)
                    if (memcmp(&out[i], &ref[i], 4) != 0) { if (!mism) first = i; mism++; }
                CHECK(mism == 0, "%s (%s): %zu of %zu values differ from the reference; first at %zu: %.9g vs %.9g",
                      stem, llml_type_get_info(t->type)->name, mism, nref, first, out[first], ref[first]);
                if (!mism) printf("  %-8s %-8s bit-exact (%zu values)\n", stem, llml_type_get_info(t->type)->name, nref);
            }
            free(out);
        }
        free(ref);
        llml_gguf_close(g);
    }
    closedir(d);
    CHECK(files >= 24, "expected at least 24 quant files, found %d", files);
    return check_summary("test_quant_ref");
}

/* tools/imatrix.h - importance-matrix reader shared by tools/quantize.c and
   tests/test_quantizer.c. Include it after "llmlite.h" (it uses the GGUF
   reader). Everything here is static; names start with `imx_`.

   Two file formats, both as written by the reference's llama-imatrix:
   - legacy binary: int32 n_entries; per entry: int32 name length, the name
     bytes, int32 ncall, int32 nval, nval float32 sums; then optionally
     int32 chunk count, int32 dataset-name length, the dataset name.
     value = sum / ncall when ncall > 0, else the sum itself.
   - GGUF: tensors "<name>.in_sum2" (F32, ne0 x n_mat) and "<name>.counts"
     (F32, one count per matrix, rounded to an integer); an optional
     "<name>.in_sum" is ignored. Keys imatrix.datasets (string array) and
     imatrix.chunk_count. value = sum / count per matrix; a matrix with count
     0 gets 1.0 for every column.
   All numbers are little-endian. */
#ifndef LLMLITE_TOOLS_IMATRIX_H
#define LLMLITE_TOOLS_IMATRIX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

typedef struct imx_entry {
    char *name;      /* tensor name, e.g. "blk.0.attn_q.weight" */
    float *values;   /* n importance values (ne0 per matrix)      */
    int64_t n;
} imx_entry;

typedef struct imx_matrix {
    imx_entry *entries;
    int64_t n_entries;
    int is_gguf;          /* 1: GGUF format, 0: legacy binary          */
    int32_t chunk_count;  /* chunks the statistics were computed on    */
    char *dataset;        /* first dataset name, or NULL               */
} imx_matrix;

static void imx_free(imx_matrix *m) {
    int64_t i;
    if (!m) return;
    for (i = 0; i < m->n_entries; i++) { free(m->entries[i].name); free(m->entries[i].values); }
    free(m->entries);
    free(m->dataset);
    memset(m, 0, sizeof *m);
}

static char *imx_strndup(const char *s, size_t n) {
    char *d = (char *)malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* Append an entry; takes ownership of name and values. 0 on failure. */
static int imx_push(imx_matrix *m, char *name, float *values, int64_t n, int64_t *cap) {
    if (m->n_entries == *cap) {
        int64_t nc = *cap ? *cap * 2 : 64;
        imx_entry *ne = (imx_entry *)realloc(m->entries, (size_t)nc * sizeof(imx_entry));
        if (!ne) return 0;
        m->entries = ne;
        *cap = nc;
    }
    m->entries[m->n_entries].name = name;
    m->entries[m->n_entries].values = values;
    m->entries[m->n_entries].n = n;
    m->n_entries++;
    return 1;
}

static int imx_rd_i32(FILE *f, int32_t *v) {
    unsigned char b[4];
    if (fread(b, 1, 4, f) != 4) return 0;
    *v = (int32_t)((uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24));
    return 1;
}

static int imx_rd_f32s(FILE *f, float *dst, int64_t n) {
    int64_t i;
    unsigned char b[4];
    for (i = 0; i < n; i++) {
        uint32_t u;
        if (fread(b, 1, 4, f) != 4) return 0;
        u = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
        memcpy(&dst[i], &u, 4);
    }
    return 1;
}

static int imx_load_legacy(FILE *f, const char *path, imx_matrix *m, char *err, size_t errcap) {
    int32_t n_entries, i;
    int64_t cap = 0;
    if (!imx_rd_i32(f, &n_entries) || n_entries < 1) {
        snprintf(err, errcap, "%.180s: no importance data (bad entry count)", path);
        return 0;
    }
    for (i = 0; i < n_entries; i++) {
        int32_t len, ncall, nval, j;
        char *name;
        float *vals;
        if (!imx_rd_i32(f, &len) || len < 1 || len > 65536) {
            snprintf(err, errcap, "%.180s: entry %d: bad name length", path, (int)i);
            return 0;
        }
        name = (char *)malloc((size_t)len + 1);
        if (!name) { snprintf(err, errcap, "out of memory"); return 0; }
        if (fread(name, 1, (size_t)len, f) != (size_t)len) {
            free(name);
            snprintf(err, errcap, "%.180s: entry %d: truncated name", path, (int)i);
            return 0;
        }
        name[len] = 0;
        if (!imx_rd_i32(f, &ncall) || !imx_rd_i32(f, &nval) || nval < 1 || nval > (1 << 28)) {
            snprintf(err, errcap, "%.180s: entry '%.180s': bad value count", path, name);
            free(name);
            return 0;
        }
        vals = (float *)malloc((size_t)nval * sizeof(float));
        if (!vals) { free(name); snprintf(err, errcap, "out of memory"); return 0; }
        if (!imx_rd_f32s(f, vals, nval)) {
            snprintf(err, errcap, "%.180s: entry '%.180s': truncated data", path, name);
            free(name); free(vals);
            return 0;
        }
        if (ncall > 0)
            for (j = 0; j < nval; j++) vals[j] /= (float)ncall;
        if (!imx_push(m, name, vals, nval, &cap)) {
            free(name); free(vals);
            snprintf(err, errcap, "out of memory");
            return 0;
        }
    }
    /* optional trailer: chunk count, dataset name */
    {
        int32_t last_call, dlen;
        if (imx_rd_i32(f, &last_call)) {
            m->chunk_count = last_call;
            if (imx_rd_i32(f, &dlen) && dlen > 0 && dlen < 65536) {
                char *ds = (char *)malloc((size_t)dlen + 1);
                if (ds && fread(ds, 1, (size_t)dlen, f) == (size_t)dlen) {
                    ds[dlen] = 0;
                    m->dataset = ds;
                } else {
                    free(ds);
                }
            }
        }
    }
    return 1;
}

static int imx_ends_with(const char *s, const char *suffix, size_t *stem) {
    size_t a = strlen(s), b = strlen(suffix);
    if (a <= b || strcmp(s + a - b, suffix) != 0) return 0;
    *stem = a - b;
    return 1;
}

/* Read an F32 tensor of a GGUF imatrix into a fresh buffer. */
static float *imx_tensor_f32(const llml_gguf *g, int64_t ti, int64_t *n) {
    const llml_gguf_tensor *t = llml_gguf_tensor_at(g, ti);
    float *buf;
    if (!t || t->type != LLML_TYPE_F32 || t->size % 4 != 0 || t->size == 0) return NULL;
    buf = (float *)malloc((size_t)t->size);
    if (!buf) return NULL;
    if (llml_gguf_read_tensor(g, ti, buf, (size_t)t->size) != LLML_OK) { free(buf); return NULL; }
    *n = (int64_t)(t->size / 4);
    return buf;
}

static int imx_load_gguf(const char *path, imx_matrix *m, char *err, size_t errcap) {
    llml_gguf *g = NULL;
    llml_error e;
    llml_result r;
    int64_t i, nt, cap = 0, ki;
    int ok = 1;
    r = llml_gguf_open_file(path, NULL, &g, &e);
    if (r != LLML_OK) {
        snprintf(err, errcap, "%.180s: %.180s (%.180s)", path, llml_result_string(r), e.message);
        return 0;
    }
    m->is_gguf = 1;
    {
        int64_t cc = 0;
        if (llml_gguf_get_int(g, "imatrix.chunk_count", &cc) == LLML_OK) m->chunk_count = (int32_t)cc;
    }
    ki = llml_gguf_find_key(g, "imatrix.datasets");
    if (ki >= 0 && llml_gguf_kv_type(g, ki) == LLML_GGUF_ARRAY &&
        llml_gguf_arr_type(g, ki) == LLML_GGUF_STRING && llml_gguf_arr_len(g, ki) > 0) {
        m->dataset = imx_strndup(llml_gguf_arr_str(g, ki, 0), (size_t)llml_gguf_arr_str_len(g, ki, 0));
    }
    nt = llml_gguf_n_tensors(g);
    for (i = 0; i < nt && ok; i++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
        size_t stem;
        char *name, cname[1024];
        int64_t ci, nsum = 0, ncnt = 0, j, k, ne0;
        float *sums, *counts;
        if (!imx_ends_with(t->name, ".in_sum2", &stem)) continue;
        if (stem + 8 > sizeof cname) continue;
        memcpy(cname, t->name, stem);
        memcpy(cname + stem, ".counts", 8);
        ci = llml_gguf_find_tensor(g, cname);
        if (ci < 0) {
            snprintf(err, errcap, "%.180s: '%.180s' has no matching '.counts' tensor", path, t->name);
            ok = 0;
            break;
        }
        sums = imx_tensor_f32(g, i, &nsum);
        counts = imx_tensor_f32(g, ci, &ncnt);
        if (!sums || !counts || ncnt < 1 || nsum % ncnt != 0) {
            snprintf(err, errcap, "%.180s: sums and counts of '%.*s' must be F32 with matching sizes",
                     path, (int)stem, t->name);
            free(sums); free(counts);
            ok = 0;
            break;
        }
        ne0 = nsum / ncnt;
        for (j = 0; j < ncnt; j++) {
            double c = floor((double)counts[j] + 0.5);  /* counts are whole numbers */
            for (k = 0; k < ne0; k++) {
                float *v = &sums[j * ne0 + k];
                *v = c > 0 ? (float)(*v / (float)c) : 1.0f;
            }
        }
        free(counts);
        name = imx_strndup(t->name, stem);
        if (!name || !imx_push(m, name, sums, nsum, &cap)) {
            free(name); free(sums);
            snprintf(err, errcap, "out of memory");
            ok = 0;
        }
    }
    if (ok && m->n_entries == 0) {
        snprintf(err, errcap, "%.180s: GGUF file holds no imatrix data (no *.in_sum2 tensors)", path);
        ok = 0;
    }
    llml_gguf_close(g);
    return ok;
}

/* Load an imatrix file (either format). Returns 1 on success; on failure 0
   with a message in err. */
static int imx_load(const char *path, imx_matrix *m, char *err, size_t errcap) {
    FILE *f;
    unsigned char magic[4];
    int ok, is_gguf;
    memset(m, 0, sizeof *m);
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "cannot open imatrix file '%.180s'", path);
        return 0;
    }
    is_gguf = fread(magic, 1, 4, f) == 4 && memcmp(magic, "GGUF", 4) == 0;
    if (is_gguf) {
        fclose(f);
        ok = imx_load_gguf(path, m, err, errcap);
    } else {
        rewind(f);
        ok = imx_load_legacy(f, path, m, err, errcap);
        fclose(f);
    }
    if (ok) {
        int64_t i, j;
        for (i = 0; i < m->n_entries && ok; i++)
            for (j = 0; j < m->entries[i].n; j++)
                if (!isfinite(m->entries[i].values[j])) {
                    snprintf(err, errcap, "%.180s: entry '%.180s' holds a non-finite value", path, m->entries[i].name);
                    ok = 0;
                    break;
                }
    }
    if (!ok) imx_free(m);
    return ok;
}

/* The importance values for a tensor name, or NULL. */
static const imx_entry *imx_find(const imx_matrix *m, const char *name) {
    int64_t i;
    for (i = 0; m && i < m->n_entries; i++)
        if (strcmp(m->entries[i].name, name) == 0) return &m->entries[i];
    return NULL;
}

#endif /* LLMLITE_TOOLS_IMATRIX_H */

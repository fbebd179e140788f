/* Build: make build/llmlite-gguf   (or: cc -std=c99 -O2 -I. tools/gguf.c -o llmlite-gguf -lm)
   Run:   build/llmlite-gguf MODEL.gguf [--json]
   Shows a GGUF file's header, metadata, tensor table and per-type totals (as text or JSON). */
#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#define STR_SHOW 3    /* strings shown of a long string array */
#define NUM_SHOW 6    /* numbers shown of a long numeric array */
#define SHOW_ALL 8    /* arrays up to this length are shown whole */
#define TEXT_MAX 100  /* characters of a string value shown in text mode */

static void usage(FILE *f) {
    fprintf(f,
            "usage: llmlite-gguf FILE.gguf [--json]\n"
            "  Shows the version, alignment, data offset and size of a GGUF file, its\n"
            "  metadata (long arrays abbreviated), its tensors (name, type, shape, bytes,\n"
            "  offset), totals per type, the parameter count and the bits per weight.\n"
            "  --json   the same as one JSON object\n"
            "  --help   this text\n");
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, uint64_t n) {
    unsigned c = s[0], lo = 0x80, hi = 0xbf;
    size_t len, k;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) { len = 3; if (c == 0xe0) lo = 0xa0; if (c == 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; if (c == 0xf0) lo = 0x90; if (c == 0xf4) hi = 0x8f; }
    else return 0;
    if (len > n) return 0;
    for (k = 1; k < len; k++) {
        unsigned b = s[k];
        if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf)) return 0;
    }
    return len;
}

/* Print s (n bytes). json: a valid JSON string body (invalid UTF-8 becomes
   U+FFFD); text: C-like escapes. quote: add quotes. max: characters to show
   (0 = all). Returns the number of characters printed. */
static int put_str_q(const char *str, uint64_t n, int json, uint64_t max, int quote) {
    const unsigned char *s = (const unsigned char *)str;
    uint64_t i = 0, shown = 0;
    int cut = 0, cols = 0;
    if (quote) { putchar('"'); cols++; }
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        if (max && shown >= max) { fputs("...", stdout); cols += 3; cut = 1; break; }
        shown++;
        cols++;
        if (c == '"' || c == '\\') { putchar('\\'); putchar((int)c); i++; cols++; continue; }
        if (c < 0x20 || c == 0x7f) {
            if (c == '\n') fputs("\\n", stdout);
            else if (c == '\t') fputs("\\t", stdout);
            else if (c == '\r') fputs("\\r", stdout);
            else if (json) { printf("\\u%04x", c); cols += 4; }
            else { printf("\\x%02x", c); cols += 2; }
            cols++;
            i++;
            continue;
        }
        len = utf8_len(s + i, n - i);
        if (len == 0) {
            if (json) fputs("\\ufffd", stdout);
            else printf("\\x%02x", c);
            cols += json ? 5 : 3;
            i++;
            continue;
        }
        fwrite(s + i, 1, len, stdout);
        i += len;
    }
    if (quote) { putchar('"'); cols++; }
    if (cut && !json) cols += printf(" (%llu bytes)", (unsigned long long)n);
    return cols;
}

static void put_str(const char *s, uint64_t n, int json, uint64_t max) { put_str_q(s, n, json, max, 1); }

/* A key or tensor name in text mode, escaped, padded to `width` columns. */
static void put_name(const char *s, int width) {
    int cols = put_str_q(s, strlen(s), 0, 0, 0);
    while (cols++ < width) putchar(' ');
}

static void put_num(llml_gguf_vtype t, const void *p, int json) {
    switch (t) {
    case LLML_GGUF_UINT8: { uint8_t v; memcpy(&v, p, 1); printf("%u", (unsigned)v); break; }
    case LLML_GGUF_INT8: { int8_t v; memcpy(&v, p, 1); printf("%d", (int)v); break; }
    case LLML_GGUF_UINT16: { uint16_t v; memcpy(&v, p, 2); printf("%u", (unsigned)v); break; }
    case LLML_GGUF_INT16: { int16_t v; memcpy(&v, p, 2); printf("%d", (int)v); break; }
    case LLML_GGUF_UINT32: { uint32_t v; memcpy(&v, p, 4); printf("%lu", (unsigned long)v); break; }
    case LLML_GGUF_INT32: { int32_t v; memcpy(&v, p, 4); printf("%ld", (long)v); break; }
    case LLML_GGUF_UINT64: { uint64_t v; memcpy(&v, p, 8); printf("%llu", (unsigned long long)v); break; }
    case LLML_GGUF_INT64: { int64_t v; memcpy(&v, p, 8); printf("%lld", (long long)v); break; }
    case LLML_GGUF_BOOL: { uint8_t v; memcpy(&v, p, 1); fputs(v ? "true" : "false", stdout); break; }
    case LLML_GGUF_FLOAT32:
    case LLML_GGUF_FLOAT64: {
        double d;
        if (t == LLML_GGUF_FLOAT32) { float f; memcpy(&f, p, 4); d = (double)f; }
        else memcpy(&d, p, 8);
        if (d != d || d - d != 0.0) fputs(json ? "null" : (d != d ? "nan" : (d > 0 ? "inf" : "-inf")), stdout);
        else printf(t == LLML_GGUF_FLOAT32 ? "%.9g" : "%.17g", d);
        break;
    }
    default: fputs("?", stdout);
    }
}

static size_t vsize(llml_gguf_vtype t) {
    switch (t) {
    case LLML_GGUF_UINT8: case LLML_GGUF_INT8: case LLML_GGUF_BOOL: return 1;
    case LLML_GGUF_UINT16: case LLML_GGUF_INT16: return 2;
    case LLML_GGUF_UINT32: case LLML_GGUF_INT32: case LLML_GGUF_FLOAT32: return 4;
    default: return 8;
    }
}

/* The value of kv i: scalars whole (text: long strings cut), arrays abbreviated. */
static void put_value(const llml_gguf *g, int64_t i, int json) {
    llml_gguf_vtype t = llml_gguf_kv_type(g, i);
    if (t == LLML_GGUF_STRING) {
        const char *s = (const char *)llml_gguf_kv_data(g, i);
        put_str(s, strlen(s), json, json ? 0 : TEXT_MAX);
    } else if (t != LLML_GGUF_ARRAY) {
        put_num(t, llml_gguf_kv_data(g, i), json);
    } else {
        llml_gguf_vtype et = llml_gguf_arr_type(g, i);
        uint64_t n = llml_gguf_arr_len(g, i), show, j;
        show = n <= SHOW_ALL ? n : (et == LLML_GGUF_STRING ? STR_SHOW : NUM_SHOW);
        if (json) fputs("[", stdout);
        else printf("[%llu x %s]%s", (unsigned long long)n, llml_gguf_vtype_name(et), n ? " " : "");
        for (j = 0; j < show; j++) {
            if (j) fputs(", ", stdout);
            if (et == LLML_GGUF_STRING)
                put_str(llml_gguf_arr_str(g, i, j), llml_gguf_arr_str_len(g, i, j), json, json ? 0 : TEXT_MAX);
            else
                put_num(et, (const unsigned char *)llml_gguf_arr_data(g, i) + j * vsize(et), json);
        }
        if (json) fputs("]", stdout);
        else if (show < n) fputs(", ...", stdout);
    }
}

static void put_shape(const llml_gguf_tensor *t, int json) {
    uint32_t d;
    char buf[128];
    size_t m = 0;
    for (d = 0; d < t->n_dims; d++)
        m += (size_t)snprintf(buf + m, sizeof(buf) - m, "%s%lld", d ? (json ? ", " : " x ") : "", (long long)t->ne[d]);
    if (json) printf("[%s]", buf);
    else printf("%-22s", buf);
}

int main(int argc, char **argv) {
    const char *path = NULL;
    int json = 0, i;
    llml_gguf *g;
    llml_gguf_desc desc;
    llml_error err;
    int64_t k, nkv, nt;
    uint64_t count[LLML_TYPE_COUNT], bytes[LLML_TYPE_COUNT], params = 0, total = 0;
    int first;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { usage(stdout); return 0; }
        else if (argv[i][0] == '-' && argv[i][1] != 0) {
            fprintf(stderr, "llmlite-gguf: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (!path) path = argv[i];
        else { fprintf(stderr, "llmlite-gguf: one file at a time\n"); usage(stderr); return 2; }
    }
    if (!path) { usage(stderr); return 2; }

    memset(&desc, 0, sizeof(desc));
    desc.header_only = 1; /* the table is all we need: nothing else is read */
    if (llml_gguf_open_file(path, &desc, &g, &err) != LLML_OK) {
        if (err.offset != UINT64_MAX)
            fprintf(stderr, "llmlite-gguf: %s: %s (at byte %llu)\n", path, err.message, (unsigned long long)err.offset);
        else
            fprintf(stderr, "llmlite-gguf: %s: %s\n", path, err.message);
        return 1;
    }
    nkv = llml_gguf_n_kv(g);
    nt = llml_gguf_n_tensors(g);
    memset(count, 0, sizeof(count));
    memset(bytes, 0, sizeof(bytes));
    for (k = 0; k < nt; k++) {
        const llml_gguf_tensor *t = llml_gguf_tensor_at(g, k);
        count[t->type]++;
        bytes[t->type] += t->size;
        params += (uint64_t)t->ne[0] * (uint64_t)t->ne[1] * (uint64_t)t->ne[2] * (uint64_t)t->ne[3];
        total += t->size;
    }

    if (json) {
        printf("{\n  \"file\": ");
        put_str(path, strlen(path), 1, 0);
        printf(",\n  \"version\": %lu,\n  \"alignment\": %lu,\n  \"data_offset\": %llu,\n  \"file_size\": %llu,\n",
               (unsigned long)llml_gguf_version(g), (unsigned long)llml_gguf_alignment(g),
               (unsigned long long)llml_gguf_data_offset(g), (unsigned long long)llml_gguf_file_size(g));
        printf("  \"metadata\": [");
        for (k = 0; k < nkv; k++) {
            llml_gguf_vtype t = llml_gguf_kv_type(g, k);
            const char *key = llml_gguf_key(g, k);
            printf("%s\n    {\"key\": ", k ? "," : "");
            put_str(key, strlen(key), 1, 0);
            printf(", \"type\": \"%s\"", llml_gguf_vtype_name(t));
            if (t == LLML_GGUF_ARRAY) {
                uint64_t n = llml_gguf_arr_len(g, k);
                uint64_t show = n <= SHOW_ALL ? n : (llml_gguf_arr_type(g, k) == LLML_GGUF_STRING ? STR_SHOW : NUM_SHOW);
                printf(", \"elem_type\": \"%s\", \"len\": %llu, \"truncated\": %s", llml_gguf_vtype_name(llml_gguf_arr_type(g, k)),
                       (unsigned long long)n, show < n ? "true" : "false");
            }
            printf(", \"value\": ");
            put_value(g, k, 1);
            printf("}");
        }
        printf("%s],\n  \"tensors\": [", nkv ? "\n  " : "");
        for (k = 0; k < nt; k++) {
            const llml_gguf_tensor *t = llml_gguf_tensor_at(g, k);
            printf("%s\n    {\"name\": ", k ? "," : "");
            put_str(t->name, strlen(t->name), 1, 0);
            printf(", \"type\": \"%s\", \"shape\": ", llml_type_get_info(t->type)->name);
            put_shape(t, 1);
            printf(", \"bytes\": %llu, \"offset\": %llu}", (unsigned long long)t->size, (unsigned long long)t->offset);
        }
        printf("%s],\n  \"totals\": [", nt ? "\n  " : "");
        first = 1;
        for (i = 0; i < LLML_TYPE_COUNT; i++) {
            if (!count[i]) continue;
            printf("%s\n    {\"type\": \"%s\", \"count\": %llu, \"bytes\": %llu}", first ? "" : ",",
                   llml_type_get_info((llml_type)i)->name, (unsigned long long)count[i], (unsigned long long)bytes[i]);
            first = 0;
        }
        printf("%s],\n  \"parameters\": %llu,\n  \"tensor_bytes\": %llu,\n  \"bits_per_weight\": ", first ? "" : "\n  ",
               (unsigned long long)params, (unsigned long long)total);
        if (params) printf("%.4f\n}\n", 8.0 * (double)total / (double)params);
        else printf("null\n}\n");
    } else {
        printf("file:         %s\n", path);
        printf("version:      %lu\n", (unsigned long)llml_gguf_version(g));
        printf("alignment:    %lu\n", (unsigned long)llml_gguf_alignment(g));
        printf("data offset:  %llu\n", (unsigned long long)llml_gguf_data_offset(g));
        printf("file size:    %llu bytes\n", (unsigned long long)llml_gguf_file_size(g));
        printf("\nmetadata (%lld keys):\n", (long long)nkv);
        for (k = 0; k < nkv; k++) {
            fputs("  ", stdout);
            put_name(llml_gguf_key(g, k), 40);
            printf(" %-5s ", llml_gguf_vtype_name(llml_gguf_kv_type(g, k)));
            put_value(g, k, 0);
            putchar('\n');
        }
        printf("\ntensors (%lld):\n", (long long)nt);
        if (nt) printf("  %-5s %-32s %-8s %-22s %12s %12s\n", "#", "name", "type", "shape", "bytes", "offset");
        for (k = 0; k < nt; k++) {
            const llml_gguf_tensor *t = llml_gguf_tensor_at(g, k);
            printf("  %-5lld ", (long long)k);
            put_name(t->name, 32);
            printf(" %-8s ", llml_type_get_info(t->type)->name);
            put_shape(t, 0);
            printf(" %12llu %12llu\n", (unsigned long long)t->size, (unsigned long long)t->offset);
        }
        if (nt) {
            printf("\ntotals by type:\n  %-8s %6s %14s\n", "type", "count", "bytes");
            for (i = 0; i < LLML_TYPE_COUNT; i++)
                if (count[i])
                    printf("  %-8s %6llu %14llu\n", llml_type_get_info((llml_type)i)->name, (unsigned long long)count[i],
                           (unsigned long long)bytes[i]);
            printf("  %-8s %6lld %14llu\n", "all", (long long)nt, (unsigned long long)total);
        }
        printf("\nparameters:   %llu\n", (unsigned long long)params);
        if (params) printf("bits/weight:  %.4f\n", 8.0 * (double)total / (double)params);
    }
    llml_gguf_close(g);
    return 0;
}

/* Build: make build/llmlite-plan   (charts need Debian's libstb-dev; without it --chart is off)
   Run:   build/llmlite-plan MODEL.gguf --ctx 8192 --device "RTX 3060 Ti"
          build/llmlite-plan --params 70B --family llama --quant Q4_K_M --ctx 8192 --devices all [--json] [--chart out.png] */

/* llmlite-plan: will a model fit, how many layers go on the GPU, how fast
   will it be. Answers from a GGUF file's header (no weights are read) or
   from a description (a built-in model, or a parameter count and a family),
   with the sizing API of llmlite.h (llml_plan_compute). */

#define LLMLITE_IMPLEMENTATION
#include "llmlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#if defined(__has_include)
#if __has_include(<stb/stb_image_write.h>) && __has_include(<stb/stb_easy_font.h>)
#define PLAN_CHARTS 1
#endif
#endif

#ifdef PLAN_CHARTS
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>
#include <stb/stb_easy_font.h>
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

#define MAX_DEVS 128

typedef struct opts {
    const char *file, *preset, *family, *quant, *host_name, *chart, *kv;
    double params, target_tps, margin, mem, bw, tflops, cal_gen, cal_prompt, bw_eff, compute_eff;
    int32_t n_ctx, n_batch, n_seq, n_threads, gpu_layers, gen_pos;
    int json, tensors, quant_all, has_imatrix;
    const llml_device *devs[MAX_DEVS];
    int n_devs;
    int devices_flag;   /* --devices given */
} opts;

static const char *const quant_list[] = {
    "IQ2_XS", "Q2_K", "IQ3_M", "Q3_K_M", "IQ4_XS", "Q4_0", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "F16"
};
#define N_QUANTS ((int)(sizeof quant_list / sizeof quant_list[0]))

static void usage(FILE *f) {
    fprintf(f,
        "usage: llmlite-plan [MODEL.gguf | --model NAME | --params N --family F] [options]\n"
        "model:\n"
        "  MODEL.gguf           a model file (only its header is read)\n"
        "  --model NAME         a built-in model (--list-models)\n"
        "  --params N           parameter count: 70B, 1.5B, 500M; with --family (llama, qwen2.5,\n"
        "                       qwen3, gemma2, gemma3, mistral, phi3, ...)\n"
        "  --quant Q            a mix (Q4_K_M), a format (q8_0), FP8/FP4/MXFP4/NVFP4, 5.5bpw, or all\n"
        "                       (default: the file's own formats; a description: Q4_K_M)\n"
        "  --imatrix            the quantization will use an importance matrix\n"
        "context:\n"
        "  --ctx N              tokens per sequence (default 4096, at most the training context)\n"
        "  --kv f16|f32|q8_0    KV cache format (default f16)\n"
        "  --batch N --seq N --threads N   tokens per pass (512), parallel sequences (1), threads (8)\n"
        "devices:\n"
        "  --device NAME        where the layers go (--list-devices); a CPU means CPU only\n"
        "  --devices all|cpu|gpu|apple|A,B,C   a table over devices\n"
        "  --host NAME          the CPU beside a GPU (default: a generic desktop)\n"
        "  --mem GB --bw GB/s --tflops T    a device of your own (or override the named one)\n"
        "  --gpu-layers N       layers on the device (default: as many as fit)\n"
        "  --margin GB          memory kept free on the device\n"
        "  --target-tps X       which devices reach X tokens/s generating\n"
        "  --calibrate-gen TPS [--calibrate-prompt TPS]   measured speeds of this model on the\n"
        "                       device (e.g. from llmlite-bench): fit its efficiencies and report them\n"
        "  --bw-eff E --compute-eff E       use these efficiencies\n"
        "output:\n"
        "  --json               machine-readable output\n"
        "  --tensors            list every weight tensor with its format and bytes\n"
        "  --chart FILE.png     draw tokens/s vs model size, memory by component, fits matrix\n"
        "  --list-devices, --list-models\n");
}

static int ieq_prefix(const char *a, const char *b) {
    while (*b) {
        char x = *a++, y = *b++;
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y) return 0;
    }
    return 1;
}

static double parse_count(const char *s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s) return -1;
    if (*end == 'B' || *end == 'b') v *= 1e9;
    else if (*end == 'M' || *end == 'm') v *= 1e6;
    else if (*end == 'T' || *end == 't') v *= 1e12;
    else if (*end == 0 && v < 1e5) v *= 1e9;   /* a bare "70" means 70B */
    return v;
}

static void add_dev(opts *o, const llml_device *d) {
    int i;
    for (i = 0; i < o->n_devs; i++)
        if (o->devs[i] == d) return;
    if (o->n_devs < MAX_DEVS) o->devs[o->n_devs++] = d;
}

static int select_devices(opts *o, const char *what) {
    int32_t i;
    if (strcmp(what, "all") == 0 || strcmp(what, "cpu") == 0 || strcmp(what, "gpu") == 0 || strcmp(what, "apple") == 0) {
        for (i = 0; i < llml_device_count(); i++) {
            const llml_device *d = llml_device_at(i);
            if (i == 0) continue;   /* the generic host */
            if (strcmp(what, "cpu") == 0 && d->kind != LLML_DEVICE_CPU) continue;
            if (strcmp(what, "gpu") == 0 && d->kind != LLML_DEVICE_GPU) continue;
            if (strcmp(what, "apple") == 0 && strncmp(d->name, "Apple", 5) != 0) continue;
            add_dev(o, d);
        }
        return 1;
    }
    {
        char buf[256];
        const char *p = what;
        while (*p) {
            const char *c = strchr(p, ',');
            size_t len = c ? (size_t)(c - p) : strlen(p);
            const llml_device *d;
            if (len >= sizeof buf) len = sizeof buf - 1;
            memcpy(buf, p, len);
            buf[len] = 0;
            d = llml_device_find(buf);
            if (!d) { fprintf(stderr, "llmlite-plan: unknown or ambiguous device '%s' (see --list-devices)\n", buf); return 0; }
            add_dev(o, d);
            p = c ? c + 1 : p + len;
        }
    }
    return 1;
}

static double gb(uint64_t b) { return (double)b / 1e9; }

static const char *kind_name(llml_device_kind k) {
    return k == LLML_DEVICE_GPU ? "GPU" : (k == LLML_DEVICE_UNIFIED ? "unified" : "CPU");
}

/* ---- one plan ------------------------------------------------------------------ */

typedef struct model_src {
    llml_gguf *g;
    llml_shape shape;
    char label[96];
} model_src;

static llml_result plan_one(const opts *o, const model_src *m, const char *quant, const llml_device *dev,
                            llml_plan *p, llml_error *err) {
    llml_plan_desc d;
    memset(&d, 0, sizeof d);
    if (m->g) d.gguf = m->g;
    else d.shape = &m->shape;
    d.quant = quant;
    d.has_imatrix = o->has_imatrix;
    d.n_ctx = o->n_ctx;
    d.n_batch = o->n_batch;
    d.n_seq = o->n_seq;
    d.n_threads = o->n_threads;
    d.device = dev;
    d.host = o->host_name ? llml_device_find(o->host_name) : NULL;
    d.n_gpu_layers = o->gpu_layers;
    d.margin_gb = o->margin;
    d.gen_pos = o->gen_pos;
    if (o->kv) {
        if (ieq_prefix(o->kv, "f32")) d.kv_type = LLML_KV_F32;
        else if (ieq_prefix(o->kv, "q8")) d.kv_type = LLML_KV_Q8_0;
        else d.kv_type = LLML_KV_F16;
    }
    return llml_plan_compute(&d, p, err);
}

static const char *kv_name(const opts *o) {
    if (o->kv && ieq_prefix(o->kv, "f32")) return "F32";
    if (o->kv && ieq_prefix(o->kv, "q8")) return "Q8_0";
    return "F16";
}

static void print_report(const opts *o, const model_src *m, const char *quant, const llml_device *dev,
                         const llml_plan *p) {
    double w = gb(p->weight_bytes);
    printf("model     %s (%s, %d layers, %.2f B parameters)\n", m->label, p->arch, (int)p->n_layer,
           (double)p->n_params / 1e9);
    printf("format    %s: %.2f GB (%.2f GiB), %.2f bits per weight\n", quant && *quant ? quant : "as stored",
           w, (double)p->weight_bytes / 1073741824.0, p->bpw);
    printf("context   %d tokens x %d sequence%s, KV cache %s (%.1f KiB per token)\n",
           (int)p->n_ctx, o->n_seq ? (int)o->n_seq : 1, o->n_seq > 1 ? "s" : "", kv_name(o),
           (double)p->kv_bytes_per_token / 1024.0);
    if (dev)
        printf("device    %s (%s): %.0f GB %s, %.0f GB/s, %.1f TFLOPS\n", dev->name, kind_name(dev->kind),
               dev->mem_gb, dev->memory ? dev->memory : "", dev->bw_gbs, dev->tflops);
    printf("\nmemory                          GB\n");
    printf("  weights                 %9.3f   (token embeddings %.3f, output %.3f, layers %.3f-%.3f each)\n", w,
           gb(p->embd_bytes), gb(p->output_bytes), gb(p->layer_bytes[0]), gb(p->layer_bytes[1]));
    printf("  KV cache                %9.3f\n", gb(p->kv_bytes));
    printf("  compute scratch         %9.3f\n", gb(p->compute_bytes));
    printf("  output buffers          %9.3f\n", gb(p->output_buf_bytes));
    printf("  tokenizer and runtime   %9.3f\n", gb(p->overhead_bytes));
    printf("  total                   %9.3f\n", gb(p->total_bytes));
    if (dev && dev->kind == LLML_DEVICE_GPU) {
        printf("\nplacement %d of %d layers on the GPU (the most that fit: %d)\n", (int)p->n_gpu_layers,
               (int)p->n_layer + 1, (int)p->n_gpu_layers_max);
        printf("  on %-20s %8.3f GB of %.3f usable\n", dev->name, gb(p->device_bytes), gb(p->device_free_bytes));
        printf("  on the host            %8.3f GB\n", gb(p->host_bytes));
        printf("  fits entirely: %s\n", p->fits ? "yes" : (p->n_gpu_layers_max > 0 ? "no (partial offload)" : "no"));
    } else {
        printf("\nfits: %s (%.3f GB usable on %s)\n", p->fits ? "yes" : "no", gb(p->device_free_bytes),
               dev ? dev->name : "the generic desktop host");
    }
    printf("\nspeed (predicted)\n");
    printf("  generation   %8.1f tokens/s at position %d, %.1f with a full context (%.3f GB read a token)\n",
           p->gen_tps, o->gen_pos ? (int)o->gen_pos : 256, p->gen_tps_full, gb(p->bytes_per_token));
    if (p->prompt_tps > 0) printf("  prompt       %8.1f tokens/s (512-token prompt)\n", p->prompt_tps);
    printf("  note: %s\n", p->note);
}

static void json_str(const char *s) {
    putchar('"');
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') { putchar('\\'); putchar(*s); }
        else if ((unsigned char)*s < 32) printf("\\u%04x", (unsigned)(unsigned char)*s);
        else putchar(*s);
    }
    putchar('"');
}

static void print_json(const model_src *m, const char *quant, const llml_device *dev, const llml_plan *p) {
    printf("{\"model\":");
    json_str(m->label);
    printf(",\"arch\":");
    json_str(p->arch);
    printf(",\"quant\":");
    json_str(quant ? quant : "");
    printf(",\"device\":");
    if (dev) json_str(dev->name); else printf("null");
    printf(",\"n_layer\":%d,\"n_params\":%llu,\"weight_bytes\":%llu,\"file_bytes\":%llu,\"bpw\":%.4f,"
           "\"n_ctx\":%d,\"kv_bytes_per_token\":%llu,\"kv_bytes\":%llu,\"compute_bytes\":%llu,\"output_buf_bytes\":%llu,"
           "\"overhead_bytes\":%llu,\"total_bytes\":%llu,\"n_gpu_layers\":%d,\"n_gpu_layers_max\":%d,"
           "\"device_bytes\":%llu,\"host_bytes\":%llu,\"device_free_bytes\":%llu,\"fits\":%s,"
           "\"bytes_per_token\":%llu,\"flops_per_token\":%.6g,\"gen_tps\":%.4g,\"gen_tps_full\":%.4g,"
           "\"prompt_tps\":%.4g,\"note\":",
           (int)p->n_layer, (unsigned long long)p->n_params, (unsigned long long)p->weight_bytes,
           (unsigned long long)p->file_bytes, p->bpw, (int)p->n_ctx, (unsigned long long)p->kv_bytes_per_token,
           (unsigned long long)p->kv_bytes, (unsigned long long)p->compute_bytes,
           (unsigned long long)p->output_buf_bytes, (unsigned long long)p->overhead_bytes,
           (unsigned long long)p->total_bytes, (int)p->n_gpu_layers, (int)p->n_gpu_layers_max,
           (unsigned long long)p->device_bytes, (unsigned long long)p->host_bytes,
           (unsigned long long)p->device_free_bytes, p->fits ? "true" : "false",
           (unsigned long long)p->bytes_per_token, p->flops_per_token, p->gen_tps, p->gen_tps_full,
           p->prompt_tps);
    json_str(p->note);
    printf("}");
}

/* ---- charts --------------------------------------------------------------------- */

#ifdef PLAN_CHARTS
typedef struct canvas { int w, h; unsigned char *px; } canvas;
typedef struct rgb { unsigned char r, g, b; } rgb;

static const rgb C_BLACK = { 20, 20, 20 }, C_GRID = { 225, 225, 225 }, C_AXIS = { 90, 90, 90 },
                 C_GREEN = { 120, 200, 120 }, C_AMBER = { 245, 190, 90 },
                 C_RED = { 235, 120, 110 };
static const rgb palette[10] = {
    { 31, 119, 180 }, { 255, 127, 14 }, { 44, 160, 44 }, { 214, 39, 40 }, { 148, 103, 189 },
    { 140, 86, 75 }, { 227, 119, 194 }, { 127, 127, 127 }, { 188, 189, 34 }, { 23, 190, 207 }
};

static void put(canvas *c, int x, int y, rgb col) {
    unsigned char *p;
    if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
    p = c->px + ((size_t)y * (size_t)c->w + (size_t)x) * 3;
    p[0] = col.r; p[1] = col.g; p[2] = col.b;
}

static void rect(canvas *c, int x0, int y0, int x1, int y1, rgb col) {
    int x, y;
    for (y = y0; y < y1; y++)
        for (x = x0; x < x1; x++) put(c, x, y, col);
}

static void line(canvas *c, double x0, double y0, double x1, double y1, int thick, rgb col, int dashed) {
    double dx = x1 - x0, dy = y1 - y0, len = sqrt(dx * dx + dy * dy), t;
    int n = (int)(len * 2) + 1, i;
    for (i = 0; i <= n; i++) {
        int bx, by;
        t = (double)i / n;
        if (dashed && ((int)(t * len) / 8) % 2) continue;
        for (by = -thick / 2; by <= thick / 2; by++)
            for (bx = -thick / 2; bx <= thick / 2; bx++) put(c, (int)(x0 + dx * t + 0.5) + bx, (int)(y0 + dy * t + 0.5) + by, col);
    }
}

/* Text with stb_easy_font quads, scaled; vertical: rotated 90 degrees
   counter-clockwise, (x, y) the bottom-left corner. */
static int text_w(const char *s, int scale) { return stb_easy_font_width((char *)s) * scale; }

static void text(canvas *c, int x, int y, const char *s, int scale, rgb col, int vertical) {
    static char buf[60000];
    int q, n = stb_easy_font_print(0, 0, (char *)s, NULL, buf, sizeof buf);
    for (q = 0; q < n; q++) {
        const float *v0 = (const float *)(const void *)(buf + q * 64);
        const float *v2 = (const float *)(const void *)(buf + q * 64 + 32);
        int ax = (int)(v0[0] * scale), ay = (int)(v0[1] * scale), bx = (int)(v2[0] * scale), by = (int)(v2[1] * scale);
        if (!vertical) rect(c, x + ax, y + ay, x + bx, y + by, col);
        else rect(c, x + ay, y - bx, x + by, y - ax, col);
    }
}

/* Drop trailing words until the text is at most maxw pixels wide at scale 2. */
static void fit_label(char *s, int maxw) {
    while (text_w(s, 2) > maxw) {
        char *sp = strrchr(s, ' '), *nl = strrchr(s, '\n');
        if (nl && (!sp || nl > sp)) sp = nl;
        if (!sp) break;
        *sp = 0;
    }
}

static void text_center(canvas *c, int cx, int y, const char *s, int scale, rgb col) {
    text(c, cx - text_w(s, scale) / 2, y, s, scale, col, 0);
}

typedef struct axes { int x0, y0, x1, y1; double lx0, lx1, ly0, ly1; } axes;   /* log10 ranges */

static double ax_x(const axes *a, double v) { return a->x0 + (log10(v) - a->lx0) / (a->lx1 - a->lx0) * (a->x1 - a->x0); }
static double ax_y(const axes *a, double v) { return a->y1 - (log10(v) - a->ly0) / (a->ly1 - a->ly0) * (a->y1 - a->y0); }

static void fmt_num(char *b, size_t n, double v) {
    if (v >= 1) snprintf(b, n, "%g", v);
    else snprintf(b, n, "%.1f", v);
}

static void log_axes(canvas *c, const axes *a, const char *xl, const char *yl) {
    int d;
    char b[32];
    for (d = (int)floor(a->lx0); d <= (int)ceil(a->lx1); d++) {
        double v = pow(10, d);
        int m;
        for (m = 1; m < 10; m++) {
            double vv = v * m, x;
            if (log10(vv) < a->lx0 - 1e-9 || log10(vv) > a->lx1 + 1e-9) continue;
            x = ax_x(a, vv);
            line(c, x, a->y0, x, a->y1, 1, C_GRID, 0);
            if (m == 1 || m == 3) { fmt_num(b, sizeof b, vv); text_center(c, (int)x, a->y1 + 8, b, 2, C_BLACK); }
        }
    }
    for (d = (int)floor(a->ly0); d <= (int)ceil(a->ly1); d++) {
        double v = pow(10, d);
        int m;
        for (m = 1; m < 10; m++) {
            double vv = v * m, y;
            if (log10(vv) < a->ly0 - 1e-9 || log10(vv) > a->ly1 + 1e-9) continue;
            y = ax_y(a, vv);
            line(c, a->x0, y, a->x1, y, 1, C_GRID, 0);
            if (m == 1 || m == 3) { fmt_num(b, sizeof b, vv); text(c, a->x0 - 10 - text_w(b, 2), (int)y - 7, b, 2, C_BLACK, 0); }
        }
    }
    line(c, a->x0, a->y1, a->x1, a->y1, 2, C_AXIS, 0);
    line(c, a->x0, a->y0, a->x0, a->y1, 2, C_AXIS, 0);
    text_center(c, (a->x0 + a->x1) / 2, a->y1 + 34, xl, 2, C_BLACK);
    text(c, a->x0 - 80, (a->y0 + a->y1) / 2 + text_w(yl, 2) / 2, yl, 2, C_BLACK, 1);
}

/* The series of models the speed chart and the matrix use. */
static const char *const chart_models[] = {
    "qwen2.5-0.5b", "llama3.2-1b", "llama3.2-3b", "llama3.1-8b", "qwen2.5-14b", "qwen2.5-32b", "llama3.1-70b",
    "mistral-large-123b", "llama3.1-405b"
};

static int draw_charts(const opts *o, const model_src *m, const char *quant, const char *path) {
    const int W = 1400, H1 = 760, H2 = 620;
    canvas c;
    const llml_device *devs[10];
    int nd = 0, i, j, nm = 0, y_base, ok;
    char buf[256];
    const char *q = quant && *quant && strcmp(quant, "all") != 0 ? quant : "Q4_K_M";
    llml_shape shapes[16];
    const char *mnames[16];
    double wsize[16];
    /* devices: the selection, else a spread of current ones */
    if (o->n_devs > 10) {   /* more than a chart holds (--devices all): 10 spread over the list */
        for (i = 0; i < 10; i++) devs[nd++] = o->devs[(size_t)i * (size_t)o->n_devs / 10];
    } else if (o->n_devs > 0) {
        for (i = 0; i < o->n_devs; i++) devs[nd++] = o->devs[i];
    } else {
        static const char *const dflt[] = { "RTX 4090", "RTX 3060 Ti", "H100", "M4 Max", "M4 Pro", "Ryzen 9 9950X",
                                            "Core i7-8700", "Raspberry Pi 5" };
        for (i = 0; i < 8; i++) devs[nd++] = llml_device_find(dflt[i]);
    }
    for (i = 0; i < (int)(sizeof chart_models / sizeof chart_models[0]); i++) {
        if (llml_shape_preset(chart_models[i], &shapes[nm]) != LLML_OK) continue;
        mnames[nm++] = chart_models[i];
    }
    c.w = W;
    c.h = H1 + H2 + 140 + nm * 44 + 30;
    c.px = (unsigned char *)malloc((size_t)c.w * (size_t)c.h * 3);
    if (!c.px) return 0;
    memset(c.px, 255, (size_t)c.w * (size_t)c.h * 3);

    /* 1. tokens/s against model size, a line per device */
    {
        axes a = { 150, 90, W - 400, H1 - 110, -1, 3, -1.3, 3.3 };
        snprintf(buf, sizeof buf, "Predicted generation speed vs model size (%s, %d-token context)", q,
                 o->n_ctx ? (int)o->n_ctx : 4096);
        text_center(&c, W / 2, 24, buf, 3, C_BLACK);
        text_center(&c, W / 2, 62, "lines end where the model no longer fits the device's memory", 2, C_AXIS);
        log_axes(&c, &a, "model weights in memory (GB, log scale)", "tokens per second (log scale)");
        for (j = 0; j < nd; j++) {
            double px = -1, py = -1;
            rgb col = palette[j % 10];
            for (i = 0; i < nm; i++) {
                llml_plan p;
                model_src ms;
                memset(&ms, 0, sizeof ms);
                ms.shape = shapes[i];
                if (plan_one(o, &ms, q, devs[j], &p, NULL) != LLML_OK) continue;
                wsize[i] = gb(p.weight_bytes);
                if (!p.fits || p.gen_tps <= 0) { px = -1; continue; }
                {
                    double x = ax_x(&a, wsize[i]), y = ax_y(&a, fmax(p.gen_tps, 0.1));
                    if (px >= 0) line(&c, px, py, x, y, 3, col, 0);
                    rect(&c, (int)x - 5, (int)y - 5, (int)x + 6, (int)y + 6, col);
                    px = x; py = y;
                }
            }
            /* legend */
            rect(&c, W - 380, 110 + j * 34, W - 350, 122 + j * 34, col);
            snprintf(buf, sizeof buf, "%s", devs[j]->name);
            fit_label(buf, 335);
            text(&c, W - 340, 106 + j * 34, buf, 2, C_BLACK, 0);
        }
        /* the model asked about */
        {
            llml_plan p;
            /* a file at its own size; a description in the format the lines use */
            if (plan_one(o, m, m->g ? (quant && strcmp(quant, "all") != 0 ? quant : NULL) : q, NULL, &p, NULL) == LLML_OK &&
                gb(p.weight_bytes) > 0.1 && gb(p.weight_bytes) < 1000) {
                double x = ax_x(&a, gb(p.weight_bytes));
                line(&c, x, a.y0, x, a.y1, 2, C_BLACK, 1);
                text(&c, (int)x + 6, a.y0 + 6, m->label, 2, C_BLACK, 0);
            }
        }
        for (i = 0; i < nm; i++) {   /* model names along the top of the plot */
            double x = ax_x(&a, wsize[i]);
            /* (the model asked about has its name on the dashed line) */
            if (wsize[i] > 0.1 && strcmp(mnames[i], m->label) != 0) text(&c, (int)x - 8, a.y1 - 10, mnames[i], 2, C_AXIS, 1);
        }
    }

    /* 2. memory by component for each format, with the device's memory */
    y_base = H1;
    {
        const int x0 = 150, x1 = W - 400, y0 = y_base + 90, y1 = y_base + H2 - 110;
        llml_plan ps[N_QUANTS];
        double top = 0, scale, step;
        const llml_device *dev = o->n_devs ? o->devs[0] : NULL;
        static const rgb comp[4] = { { 31, 119, 180 }, { 255, 127, 14 }, { 44, 160, 44 }, { 160, 160, 160 } };
        static const char *const comp_name[4] = { "weights", "KV cache", "compute scratch", "buffers, tokenizer" };
        int ok_q[N_QUANTS], k;
        for (i = 0; i < N_QUANTS; i++) {
            ok_q[i] = plan_one(o, m, quant_list[i], NULL, &ps[i], NULL) == LLML_OK;
            if (ok_q[i]) top = fmax(top, gb(ps[i].total_bytes));
        }
        snprintf(buf, sizeof buf, "Memory needed by %s at %d tokens of context", m->label,
                 ok_q[0] ? (int)ps[0].n_ctx : (int)o->n_ctx);
        text_center(&c, W / 2, y_base + 24, buf, 3, C_BLACK);
        if (dev) top = fmax(top, dev->mem_gb);
        if (top <= 0) top = 1;
        step = pow(10, floor(log10(top)));
        if (top / step < 2) step /= 5; else if (top / step < 5) step /= 2;
        top = ceil(top * 1.08 / step) * step;
        scale = (y1 - y0) / top;
        for (j = 0; j * step <= top + 1e-9; j++) {
            double yy = y1 - j * step * scale;
            line(&c, x0, yy, x1, yy, 1, C_GRID, 0);
            snprintf(buf, sizeof buf, "%g", j * step);
            text(&c, x0 - 10 - text_w(buf, 2), (int)yy - 7, buf, 2, C_BLACK, 0);
        }
        line(&c, x0, y1, x1, y1, 2, C_AXIS, 0);
        line(&c, x0, y0, x0, y1, 2, C_AXIS, 0);
        text(&c, x0 - 80, (y0 + y1) / 2 + text_w("GB (10^9 bytes)", 2) / 2, "GB (10^9 bytes)", 2, C_BLACK, 1);
        text_center(&c, (x0 + x1) / 2, y1 + 64, "quantization format", 2, C_BLACK);
        for (i = 0; i < N_QUANTS; i++) {
            int bw = (x1 - x0) / N_QUANTS, bx = x0 + i * bw + bw / 5, bx1 = x0 + (i + 1) * bw - bw / 5;
            double parts[4], acc = 0;
            if (!ok_q[i]) continue;
            parts[0] = gb(ps[i].weight_bytes);
            parts[1] = gb(ps[i].kv_bytes);
            parts[2] = gb(ps[i].compute_bytes);
            parts[3] = gb(ps[i].output_buf_bytes + ps[i].overhead_bytes);
            for (k = 0; k < 4; k++) {
                int ya = (int)(y1 - (acc + parts[k]) * scale), yb = (int)(y1 - acc * scale);
                rect(&c, bx, ya, bx1, yb, comp[k]);
                acc += parts[k];
            }
            snprintf(buf, sizeof buf, "%.1f", acc);
            text_center(&c, (bx + bx1) / 2, (int)(y1 - acc * scale) - 18, buf, 2, C_BLACK);
            /* names on two staggered rows: neighbours would overlap */
            text_center(&c, (bx + bx1) / 2, y1 + 10 + (i % 2) * 24, quant_list[i], 2, C_BLACK);
        }
        for (k = 0; k < 4; k++) {
            rect(&c, W - 380, y0 + 20 + k * 34, W - 350, y0 + 32 + k * 34, comp[k]);
            text(&c, W - 340, y0 + 16 + k * 34, comp_name[k], 2, C_BLACK, 0);
        }
        if (dev) {
            double yy = y1 - (dev->mem_gb) * scale;
            line(&c, x0, yy, x1, yy, 2, palette[3], 1);
            /* named in the legend (over the bars its text would hide their totals) */
            line(&c, W - 380, y0 + 26 + 4 * 34, W - 350, y0 + 26 + 4 * 34, 2, palette[3], 1);
            snprintf(buf, sizeof buf, "memory of %s:", dev->name);
            text(&c, W - 340, y0 + 16 + 4 * 34, buf, 2, palette[3], 0);
            snprintf(buf, sizeof buf, "%.0f GB", dev->mem_gb);
            text(&c, W - 340, y0 + 16 + 5 * 34 - 10, buf, 2, palette[3], 0);
        }
    }

    /* 3. which model fits which device */
    y_base = H1 + H2;
    {
        const int lx = 230, cw = (W - lx - 40) / (nd > 0 ? nd : 1), rh = 44, ty = y_base + 140;
        snprintf(buf, sizeof buf, "Does it fit? Predicted tokens/s, %s, %d-token context", q, o->n_ctx ? (int)o->n_ctx : 4096);
        text_center(&c, W / 2, y_base + 10, buf, 3, C_BLACK);
        rect(&c, 150, y_base + 50, 172, y_base + 64, C_GREEN); text(&c, 180, y_base + 48, "fits", 2, C_BLACK, 0);
        rect(&c, 300, y_base + 50, 322, y_base + 64, C_AMBER); text(&c, 330, y_base + 48, "partly on the GPU", 2, C_BLACK, 0);
        rect(&c, 600, y_base + 50, 622, y_base + 64, C_RED); text(&c, 630, y_base + 48, "does not fit", 2, C_BLACK, 0);
        for (j = 0; j < nd; j++) {
            /* the device's whole name over its column, wrapped at spaces
               into up to 3 lines ("Core i7-8700" must not lose "i7-8700") */
            char nm2[48], *w;
            int lines = 1;
            snprintf(nm2, sizeof nm2, "%s", devs[j]->name);
            if (strncmp(nm2, "GeForce ", 8) == 0) memmove(nm2, nm2 + 8, strlen(nm2 + 8) + 1);
            for (w = strchr(nm2, ' '); w; w = strchr(w + 1, ' ')) {
                /* break here when the line would grow past the column */
                char save, *ls = w, *next = strchr(w + 1, ' ');
                while (ls > nm2 && ls[-1] != '\n') ls--;
                if (next) { save = *next; *next = 0; } else save = 0;
                if (text_w(ls, 2) > cw - 6 && lines < 3) { *w = '\n'; lines++; }
                if (next) *next = save;
            }
            fit_label(nm2, cw - 4);
            text_center(&c, lx + j * cw + cw / 2, ty - 8 - 18 * lines, nm2, 2, C_BLACK);
        }
        for (i = 0; i < nm; i++) {
            model_src ms;
            memset(&ms, 0, sizeof ms);
            ms.shape = shapes[i];
            text(&c, 20, ty + i * rh + 14, mnames[i], 2, C_BLACK, 0);
            for (j = 0; j < nd; j++) {
                llml_plan p;
                rgb col = C_RED;
                if (plan_one(o, &ms, q, devs[j], &p, NULL) != LLML_OK) continue;
                if (p.fits) col = C_GREEN;
                else if (p.n_gpu_layers > 0) col = C_AMBER;
                rect(&c, lx + j * cw + 2, ty + i * rh + 2, lx + (j + 1) * cw - 2, ty + (i + 1) * rh - 2, col);
                if (p.fits || p.n_gpu_layers > 0) {
                    snprintf(buf, sizeof buf, p.gen_tps >= 10 ? "%.0f" : "%.1f", p.gen_tps);
                    text_center(&c, lx + j * cw + cw / 2, ty + i * rh + 14, buf, 2, C_BLACK);
                }
            }
        }
    }
    ok = stbi_write_png(path, c.w, c.h, 3, c.px, c.w * 3);
    free(c.px);
    return ok;
}
#endif

/* ---- main ------------------------------------------------------------------------ */

static int need(int i, int argc, const char *a) {
    if (i + 1 >= argc) { fprintf(stderr, "llmlite-plan: %s needs a value\n", a); return 0; }
    return 1;
}

int main(int argc, char **argv) {
    opts o;
    model_src m;
    llml_device custom;
    int i, rc = 0;
    llml_error err;
    memset(&o, 0, sizeof o);
    memset(&m, 0, sizeof m);
    memset(&err, 0, sizeof err);
    o.gpu_layers = -1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
#define ARG(name) (strcmp(a, name) == 0 && need(i, argc, a))
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { usage(stdout); return 0; }
        else if (strcmp(a, "--list-devices") == 0) {
            int32_t k;
            printf("%-32s %-8s %7s %8s %8s  %s\n", "device", "kind", "GB", "GB/s", "TFLOPS", "memory");
            for (k = 0; k < llml_device_count(); k++) {
                const llml_device *d = llml_device_at(k);
                printf("%-32s %-8s %7.0f %8.1f %8.2f  %s\n", d->name, kind_name(d->kind), d->mem_gb, d->bw_gbs,
                       d->tflops, d->memory);
            }
            return 0;
        } else if (strcmp(a, "--list-models") == 0) {
            int32_t k;
            for (k = 0; llml_shape_preset_name(k); k++) {
                llml_shape s;
                llml_plan_desc d;
                llml_plan p;
                llml_shape_preset(llml_shape_preset_name(k), &s);
                memset(&d, 0, sizeof d);
                d.shape = &s;
                if (llml_plan_compute(&d, &p, NULL) == LLML_OK)
                    printf("%-20s %-9s %6.2f B parameters, %3d layers, context %d\n", llml_shape_preset_name(k),
                           s.arch, (double)p.n_params / 1e9, (int)s.n_layer, (int)s.n_ctx_train);
            }
            return 0;
        }
        else if (ARG("--model")) o.preset = argv[++i];
        else if (ARG("--params")) o.params = parse_count(argv[++i]);
        else if (ARG("--family")) o.family = argv[++i];
        else if (ARG("--quant")) o.quant = argv[++i];
        else if (strcmp(a, "--imatrix") == 0) o.has_imatrix = 1;
        else if (ARG("--ctx")) o.n_ctx = atoi(argv[++i]);
        else if (ARG("--kv")) o.kv = argv[++i];
        else if (ARG("--batch")) o.n_batch = atoi(argv[++i]);
        else if (ARG("--seq")) o.n_seq = atoi(argv[++i]);
        else if (ARG("--threads")) o.n_threads = atoi(argv[++i]);
        else if (ARG("--pos")) o.gen_pos = atoi(argv[++i]);
        else if (ARG("--device")) { if (!select_devices(&o, argv[++i])) return 1; }
        else if (ARG("--devices")) { if (!select_devices(&o, argv[++i])) return 1; o.devices_flag = 1; }
        else if (ARG("--host")) o.host_name = argv[++i];
        else if (ARG("--gpu-layers")) o.gpu_layers = atoi(argv[++i]);
        else if (ARG("--margin")) o.margin = atof(argv[++i]);
        else if (ARG("--mem")) o.mem = atof(argv[++i]);
        else if (ARG("--bw")) o.bw = atof(argv[++i]);
        else if (ARG("--tflops")) o.tflops = atof(argv[++i]);
        else if (ARG("--target-tps")) { o.target_tps = atof(argv[++i]); o.devices_flag = 1; }
        else if (ARG("--calibrate-gen")) o.cal_gen = atof(argv[++i]);
        else if (ARG("--calibrate-prompt")) o.cal_prompt = atof(argv[++i]);
        else if (ARG("--bw-eff")) o.bw_eff = atof(argv[++i]);
        else if (ARG("--compute-eff")) o.compute_eff = atof(argv[++i]);
        else if (strcmp(a, "--json") == 0) o.json = 1;
        else if (strcmp(a, "--tensors") == 0) o.tensors = 1;
        else if (ARG("--chart")) o.chart = argv[++i];
        else if (a[0] == '-' && a[1] == '-') { usage(stderr); fprintf(stderr, "llmlite-plan: unknown option '%s'\n", a); return 1; }
        else if (!o.file) o.file = a;
        else { usage(stderr); fprintf(stderr, "llmlite-plan: unexpected argument '%s'\n", a); return 1; }
#undef ARG
        if (i >= argc) return 1;
    }
    if (o.n_ctx < 0 || o.n_batch < 0 || o.n_seq < 0 || o.n_threads < 0 || o.gpu_layers < -1 || o.margin < 0) {
        fprintf(stderr, "llmlite-plan: counts must not be negative\n");
        return 1;
    }

    /* the model */
    if (o.file) {
        llml_gguf_desc gd;
        memset(&gd, 0, sizeof gd);
        gd.header_only = 1;
        if (llml_gguf_open_file(o.file, &gd, &m.g, &err) != LLML_OK) {
            fprintf(stderr, "llmlite-plan: %s: %s\n", o.file, err.message);
            return 1;
        }
        {
            const char *nm = NULL, *base = strrchr(o.file, '/');
            if (llml_gguf_get_str(m.g, "general.name", &nm) != LLML_OK || !nm || !*nm) nm = base ? base + 1 : o.file;
            snprintf(m.label, sizeof m.label, "%s", nm);
        }
    } else if (o.preset) {
        if (llml_shape_preset(o.preset, &m.shape) != LLML_OK) {
            fprintf(stderr, "llmlite-plan: unknown model '%s' (see --list-models)\n", o.preset);
            return 1;
        }
        snprintf(m.label, sizeof m.label, "%s", o.preset);
    } else if (o.params > 0) {
        if (!o.family) o.family = "llama";
        if (llml_shape_from_params(o.family, o.params, &m.shape) != LLML_OK) {
            fprintf(stderr, "llmlite-plan: no family '%s' (llama, llama2, qwen2.5, qwen3, gemma2, gemma3, mistral, mixtral, phi3)\n",
                    o.family);
            return 1;
        }
        snprintf(m.label, sizeof m.label, "%s %.3gB", o.family, o.params / 1e9);
    } else {
        usage(stderr);
        fprintf(stderr, "llmlite-plan: give a model: MODEL.gguf, --model NAME or --params N --family F\n");
        return 1;
    }
    if (!o.file && !o.quant) o.quant = "Q4_K_M";
    o.quant_all = o.quant && strcmp(o.quant, "all") == 0;

    /* a device of the user's own, or overrides of the named one */
    if (o.mem > 0 || o.bw > 0 || o.tflops > 0 || o.bw_eff > 0 || o.compute_eff > 0 || o.cal_gen > 0) {
        if (o.n_devs > 1) { fprintf(stderr, "llmlite-plan: --mem/--bw/--tflops/efficiencies/calibration need one device\n"); return 1; }
        if (o.n_devs == 1) custom = *o.devs[0];
        else {
            memset(&custom, 0, sizeof custom);
            custom.name = "custom device";
            custom.kind = LLML_DEVICE_GPU;
            custom.memory = "";
        }
        if (o.mem > 0) custom.mem_gb = o.mem;
        if (o.bw > 0) custom.bw_gbs = o.bw;
        if (o.tflops > 0) custom.tflops = o.tflops;
        if (o.bw_eff > 0) custom.bw_eff = o.bw_eff;
        if (o.compute_eff > 0) custom.compute_eff = o.compute_eff;
        if (!(custom.mem_gb > 0 && custom.bw_gbs > 0)) {
            fprintf(stderr, "llmlite-plan: a device of your own needs --mem and --bw\n");
            return 1;
        }
        o.devs[0] = &custom;
        o.n_devs = 1;
    }

    if (o.cal_gen > 0) {
        /* fit the device's efficiencies to a measurement of this model */
        llml_plan p;
        double be, ce, lu;
        if (plan_one(&o, &m, o.quant_all ? NULL : o.quant, o.devs[0], &p, &err) != LLML_OK ||
            llml_device_calibrate(&custom, &p, o.cal_gen, o.cal_prompt) != LLML_OK) {
            fprintf(stderr, "llmlite-plan: cannot calibrate: %s\n", err.message[0] ? err.message : "partial offload");
            return 1;
        }
        llml_device_defaults(&custom, &be, &ce, &lu);
        printf("calibrated %s: --bw-eff %.3f --compute-eff %.3f (predicted before: %.1f t/s generation, %.1f prompt)\n",
               custom.name, be, ce, p.gen_tps, p.prompt_tps);
    }

    if (o.tensors) {
        llml_plan_desc d;
        llml_plan_tensor *t;
        int64_t n = 0, k;
        memset(&d, 0, sizeof d);
        if (m.g) d.gguf = m.g; else d.shape = &m.shape;
        d.quant = o.quant_all ? NULL : o.quant;
        d.has_imatrix = o.has_imatrix;
        llml_plan_tensors(&d, NULL, 0, &n, &err);
        t = (llml_plan_tensor *)calloc((size_t)n + 1, sizeof *t);
        if (!t || llml_plan_tensors(&d, t, n, &n, &err) != LLML_OK) {
            fprintf(stderr, "llmlite-plan: %s\n", err.message);
            free(t);
            llml_gguf_close(m.g);
            return 1;
        }
        for (k = 0; k < n; k++)
            printf("%-40s %-8s %14llu elements %14llu bytes %6.2f bpw\n", t[k].name,
                   t[k].hypothetical ? "hypo" : llml_type_get_info(t[k].type)->name,
                   (unsigned long long)t[k].n_elements, (unsigned long long)t[k].bytes, t[k].bpw);
        free(t);
        printf("\n");
    }

    if (o.quant_all) {
        /* which formats fit, and how fast each is, on each device */
        int q, dn = o.n_devs ? o.n_devs : 1;
        if (o.json) printf("[");
        else {
            printf("%-8s %9s", "quant", "GB");
            for (i = 0; i < dn; i++) printf(" %22.22s", o.n_devs ? o.devs[i]->name : "generic desktop CPU");
            printf("\n");
        }
        for (q = 0; q < N_QUANTS; q++) {
            llml_plan p0;
            if (plan_one(&o, &m, quant_list[q], NULL, &p0, &err) != LLML_OK) continue;
            if (!o.json) printf("%-8s %9.2f", quant_list[q], gb(p0.total_bytes));
            for (i = 0; i < dn; i++) {
                llml_plan p;
                const llml_device *dv = o.n_devs ? o.devs[i] : NULL;
                if (plan_one(&o, &m, quant_list[q], dv, &p, &err) != LLML_OK) continue;
                if (o.json) { if (q || i) printf(","); print_json(&m, quant_list[q], dv, &p); }
                else if (p.fits) printf(" %16.1f t/s  ", p.gen_tps);
                else if (p.n_gpu_layers > 0) printf(" %6.1f t/s (%2d/%2d GPU)", p.gen_tps, (int)p.n_gpu_layers, (int)p.n_layer + 1);
                else printf(" %22s", "does not fit");
            }
            if (!o.json) printf("\n");
        }
        if (o.json) printf("]\n");
    } else if (o.devices_flag || o.n_devs > 1) {
        /* a table over devices */
        int first = 1;
        if (o.n_devs == 0) select_devices(&o, "all");
        if (o.json) printf("[");
        else printf("%-32s %8s %7s %9s %11s %10s %10s  %s\n", "device", "kind", "mem GB", "total GB", "GPU layers",
                    "gen t/s", "prompt t/s", "fits");
        for (i = 0; i < o.n_devs; i++) {
            llml_plan p;
            if (plan_one(&o, &m, o.quant, o.devs[i], &p, &err) != LLML_OK) {
                fprintf(stderr, "llmlite-plan: %s\n", err.message);
                rc = 1;
                break;
            }
            if (o.target_tps > 0 && !(p.fits && p.gen_tps >= o.target_tps)) continue;
            if (o.json) { if (!first) printf(","); print_json(&m, o.quant, o.devs[i], &p); }
            else {
                char layers[24];
                if (o.devs[i]->kind == LLML_DEVICE_GPU) snprintf(layers, sizeof layers, "%d/%d", (int)p.n_gpu_layers, (int)p.n_layer + 1);
                else snprintf(layers, sizeof layers, "-");
                printf("%-32s %8s %7.0f %9.2f %11s %10.1f %10.0f  %s\n", o.devs[i]->name, kind_name(o.devs[i]->kind),
                       o.devs[i]->mem_gb, gb(p.total_bytes), layers,
                       p.gen_tps, p.prompt_tps, p.fits ? "yes" : (p.n_gpu_layers > 0 ? "partly" : "no"));
            }
            first = 0;
        }
        if (o.json) printf("]\n");
        else if (o.target_tps > 0 && first) printf("(no device in the table reaches %.1f tokens/s with this model fitting)\n", o.target_tps);
        else if (o.target_tps > 0) printf("(devices reaching %.1f tokens/s generating, the model fitting entirely)\n", o.target_tps);
    } else {
        llml_plan p;
        const llml_device *dv = o.n_devs ? o.devs[0] : NULL;
        if (plan_one(&o, &m, o.quant, dv, &p, &err) != LLML_OK) {
            fprintf(stderr, "llmlite-plan: %s\n", err.message);
            rc = 1;
        } else if (o.json) {
            print_json(&m, o.quant, dv, &p);
            printf("\n");
        } else {
            print_report(&o, &m, o.quant, dv, &p);
        }
    }

    if (o.chart && rc == 0) {
#ifdef PLAN_CHARTS
        if (!draw_charts(&o, &m, o.quant, o.chart)) { fprintf(stderr, "llmlite-plan: cannot write %s\n", o.chart); rc = 1; }
        else if (!o.json) printf("chart written to %s\n", o.chart);
#else
        fprintf(stderr, "llmlite-plan: built without stb (install libstb-dev): no charts\n");
        rc = 1;
#endif
    }
    llml_gguf_close(m.g);
    return rc;
}

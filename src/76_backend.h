
/* ======================================================================== */
/* >>backend  contexts with a backend: choice, placement, fallback          */
/* ======================================================================== */
/* At llml_ctx_create the backends of the desc are opened in order; the
   first that opens a device is used (none: the CPU alone, said in the log).
   Placement: n_gpu_layers layers (auto: the largest number that
   llml_plan_compute fits in the device's free memory), the last ones (as
   llml_plan_compute and the reference place them) or the first ones
   (gpu_layers_first); a count above n_layer, or auto when everything fits,
   adds the output layer unless output_place says otherwise.
   Fallback is per layer: a placed layer with a weight format or an
   operation the backend lacks (supports() says 0) runs on the CPU instead,
   and so does the output layer. llml__forward sends each run of
   consecutive backend layers to the backend in one call, with the residual
   stream crossing to and from the device at the ends of a run. The host
   keeps its KV cache buffers for every layer; those of backend layers are
   filled from the device only when needed (context shift, state save) and
   written back after a shift or a state load. */

struct llml__bk {
    llml_backend vt;            /* the table in use (a copy)                */
    void *st;                   /* its state                                */
    llml_backend_model bm;      /* what upload was given                    */
    llml_backend_layer *bl;     /* n_layer                                  */
    uint8_t *on;                /* n_layer + 1 flags: layers, then output   */
    int32_t n_on, n_fallback;
    char device[128];
    uint64_t bytes;
};

static void llml__bk_wt(llml_backend_weight *o, const llml__w *w) {
    memset(o, 0, sizeof(*o));
    if (!w->data) return;
    o->data = w->data;
    o->type = w->type;
    o->ne[0] = w->ne[0]; o->ne[1] = w->ne[1]; o->ne[2] = w->ne[2];
    o->row_bytes = w->row_bytes;
}

static void llml__bk_describe(const llml_model *m, llml_backend_model *bm, llml_backend_layer *bl) {
    int32_t il;
    memset(bm, 0, sizeof(*bm));
    bm->n_layer = m->info.n_layer;
    bm->n_embd = m->info.n_embd;
    bm->n_head = m->info.n_head;
    bm->head_dim = m->info.head_dim;
    bm->n_rot = m->info.n_rot;
    bm->n_vocab = m->n_vocab;
    bm->rope_style = m->info.rope_style;
    bm->norm_eps = m->info.norm_eps;
    bm->attn_scale = m->attn_scale;
    bm->attn_scale_pre = m->attn_scale_pre;
    bm->attn_softcap = m->attn_softcap;
    bm->final_softcap = m->final_softcap;
    bm->gelu = m->gelu;
    bm->n_expert = m->info.n_expert;
    bm->n_expert_used = m->info.n_expert_used;
    bm->norm_w_experts = m->norm_w_experts;
    bm->rope_freqs = m->rope_freqs;
    bm->output_norm = m->output_norm;
    llml__bk_wt(&bm->output, &m->output);
    bm->layers = bl;
    for (il = 0; il < m->info.n_layer; il++) {
        const llml__layer *L = &m->layers[il];
        llml_backend_layer *o = &bl[il];
        memset(o, 0, sizeof(*o));
        o->attn_norm = L->attn_norm; o->attn_post_norm = L->attn_post_norm;
        o->ffn_norm = L->ffn_norm; o->ffn_post_norm = L->ffn_post_norm;
        o->q_norm = L->q_norm; o->k_norm = L->k_norm;
        o->bq = L->bq; o->bk = L->bk; o->bv = L->bv;
        llml__bk_wt(&o->wq, &L->wq); llml__bk_wt(&o->wk, &L->wk); llml__bk_wt(&o->wv, &L->wv);
        llml__bk_wt(&o->wqkv, &L->wqkv); llml__bk_wt(&o->wo, &L->wo);
        llml__bk_wt(&o->ffn_gate, &L->ffn_gate); llml__bk_wt(&o->ffn_up, &L->ffn_up); llml__bk_wt(&o->ffn_down, &L->ffn_down);
        llml__bk_wt(&o->gate_inp, &L->gate_inp); llml__bk_wt(&o->gate_exps, &L->gate_exps);
        llml__bk_wt(&o->up_exps, &L->up_exps); llml__bk_wt(&o->down_exps, &L->down_exps);
        o->gate_inp_shexp = L->gate_inp_shexp;
        llml__bk_wt(&o->gate_shexp, &L->gate_shexp); llml__bk_wt(&o->up_shexp, &L->up_shexp);
        llml__bk_wt(&o->down_shexp, &L->down_shexp);
        o->n_head_kv = L->n_head_kv;
        o->n_ff = L->n_ff;
        o->sliding_window = L->is_swa ? m->info.sliding_window : 0;
        o->rope_base = L->rope_base;
        o->rope_scale = L->rope_scale;
    }
}

/* What a layer needs that the backend lacks: NULL when nothing. */
static const char *llml__bk_lacks(const llml_backend *b, void *st, const llml_backend_model *bm,
                                  const llml_backend_layer *o, llml_type kt, char *buf, size_t cap) {
    const llml_backend_weight *w[15];
    int i;
    w[0] = &o->wq; w[1] = &o->wk; w[2] = &o->wv; w[3] = &o->wqkv; w[4] = &o->wo; w[5] = &o->ffn_gate;
    w[6] = &o->ffn_up; w[7] = &o->ffn_down; w[8] = &o->gate_inp; w[9] = &o->gate_exps; w[10] = &o->up_exps;
    w[11] = &o->down_exps; w[12] = &o->gate_shexp; w[13] = &o->up_shexp; w[14] = &o->down_shexp;
    for (i = 0; i < 15; i++)
        if (w[i]->data && !b->supports(st, w[i]->type, LLML_BACKEND_OP_MATMUL)) {
            snprintf(buf, cap, "%s weights", llml__types[w[i]->type].info.name);
            return buf;
        }
#define LLML__NEED(ty, op, what) if (!b->supports(st, ty, op)) return what
    LLML__NEED(LLML_TYPE_F32, LLML_BACKEND_OP_RMSNORM, "RMS norm");
    LLML__NEED(LLML_TYPE_F32, bm->rope_style == LLML_ROPE_NEOX ? LLML_BACKEND_OP_ROPE_NEOX : LLML_BACKEND_OP_ROPE, "this RoPE style");
    LLML__NEED(LLML_TYPE_F32, LLML_BACKEND_OP_SOFTMAX, "softmax");
    LLML__NEED(LLML_TYPE_F32, bm->gelu ? LLML_BACKEND_OP_GEGLU : LLML_BACKEND_OP_SWIGLU, "this activation");
    if (!b->supports(st, kt, LLML_BACKEND_OP_ATTENTION)) {
        snprintf(buf, cap, "attention over a %s KV cache", llml__types[kt].info.name);
        return buf;
    }
    if (bm->attn_softcap > 0.0f) LLML__NEED(LLML_TYPE_F32, LLML_BACKEND_OP_SOFTCAP, "soft-capping");
    if (o->sliding_window > 0) LLML__NEED(LLML_TYPE_F32, LLML_BACKEND_OP_SLIDING_WINDOW, "sliding-window attention");
    if (o->gate_exps.data) LLML__NEED(LLML_TYPE_F32, LLML_BACKEND_OP_EXPERTS, "experts");
#undef LLML__NEED
    return NULL;
}

static void llml__bk_free(llml_ctx *c) {
    llml__bk *bk = c->bk;
    int32_t L;
    if (!bk) return;
    L = c->m->info.n_layer;
    if (bk->st && bk->vt.close) bk->vt.close(bk->st);
    if (bk->bl) llml__free(&c->alloc, bk->bl, (size_t)L * sizeof(*bk->bl));
    if (bk->on) llml__free(&c->alloc, bk->on, (size_t)L + 1);
    llml__free(&c->alloc, bk, sizeof(*bk));
    c->bk = NULL;
}

static const char *llml__bk_err(const llml__bk *bk) {
    const char *e = bk->vt.last_error ? bk->vt.last_error(bk->st) : NULL;
    return e && e[0] ? e : "no details";
}

/* How many layers auto places: llml_plan_compute with the device's free
   memory (k = n_layer + 1: the output layer too). */
static int32_t llml__bk_auto(const llml_ctx *c, const llml_backend_device *dev) {
    llml_plan_desc pd;
    llml_plan p;
    llml_device d;
    memset(&pd, 0, sizeof(pd));
    memset(&d, 0, sizeof(d));
    d.name = dev->name;
    d.kind = dev->unified ? LLML_DEVICE_UNIFIED : LLML_DEVICE_GPU;
    d.mem_gb = (double)dev->free_bytes / 1e9;
    d.bw_gbs = 100.0;
    pd.gguf = c->m->gguf;
    pd.n_ctx = c->n_ctx;
    pd.kv_type = c->kv_type;
    pd.n_batch = c->n_batch;
    pd.n_threads = c->n_threads;
    pd.device = &d;
    pd.n_gpu_layers = -1;
    pd.allocator = &c->alloc;
    if (llml_plan_compute(&pd, &p, NULL) != LLML_OK) return 0;
    return p.n_gpu_layers_max;
}

static llml_result llml__bk_attach(llml_ctx *c, const llml_ctx_desc *d, llml_error *err) {
    const llml_model *m = c->m;
    int32_t L = m->info.n_layer, i, il, k, k_l, first;
    llml__bk *bk;
    llml_backend_open od;
    llml_backend_device dev;
    llml_backend_load ld;
    char why[96];
    int out;
    llml_result r = LLML_ERR_UNSUPPORTED;
    if (!d->backends || d->n_backends <= 0 || d->n_gpu_layers == LLML_GPU_LAYERS_NONE) return LLML_OK;
    if (d->n_gpu_layers < LLML_GPU_LAYERS_NONE || (unsigned)d->output_place > (unsigned)LLML_OUTPUT_BACKEND) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "n_gpu_layers %d or output_place %d is invalid",
                        (int)d->n_gpu_layers, (int)d->output_place);
        return LLML_ERR_INVALID_ARG;
    }
    bk = (llml__bk *)llml__calloc(&c->alloc, sizeof(*bk));
    if (!bk) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory"); return LLML_ERR_OUT_OF_MEMORY; }
    c->bk = bk;
    memset(&od, 0, sizeof(od));
    od.device = d->device;
    od.allocator = &c->alloc;
    od.log = c->log;
    od.log_user = c->log_user;
    for (i = 0; i < d->n_backends; i++) {
        const llml_backend *b = d->backends[i];
        if (!b || !b->open || !b->close || !b->supports || !b->upload || !b->run || !b->kv_read || !b->kv_write) continue;
        r = b->open(b->user, &od, &bk->st);
        if (r == LLML_OK) { bk->vt = *b; break; }
        bk->st = NULL;
        if (c->log) {
            char msg[192];
            snprintf(msg, sizeof(msg), "backend %s: no device %d (%s)", b->name ? b->name : "?", (int)d->device, llml_result_string(r));
            c->log(c->log_user, LLML_LOG_INFO, msg);
        }
    }
    if (!bk->st) {
        if (c->log) c->log(c->log_user, LLML_LOG_INFO, "no backend opened a device: every layer runs on the CPU");
        llml__bk_free(c);
        return LLML_OK;
    }
    memset(&dev, 0, sizeof(dev));
    if (bk->vt.device_info && bk->vt.device_info(bk->st, &dev) == LLML_OK) memcpy(bk->device, dev.name, sizeof(bk->device));
    bk->device[sizeof(bk->device) - 1] = 0;
    bk->bl = (llml_backend_layer *)llml__calloc(&c->alloc, (size_t)L * sizeof(*bk->bl));
    bk->on = (uint8_t *)llml__calloc(&c->alloc, (size_t)L + 1);
    if (!bk->bl || !bk->on) {
        llml__bk_free(c);
        llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory");
        return LLML_ERR_OUT_OF_MEMORY;
    }
    llml__bk_describe(m, &bk->bm, bk->bl);

    /* placement */
    k = d->n_gpu_layers == LLML_GPU_LAYERS_AUTO ? llml__bk_auto(c, &dev) : d->n_gpu_layers;
    if (k > L + 1) k = L + 1;
    k_l = LLML__MIN(k, L);
    first = d->gpu_layers_first ? 0 : L - k_l;
    out = d->output_place == LLML_OUTPUT_BACKEND || (d->output_place == LLML_OUTPUT_DEFAULT && k > L);
    for (il = first; il < first + k_l; il++) {
        const char *lack = llml__bk_lacks(&bk->vt, bk->st, &bk->bm, &bk->bl[il], c->kt, why, sizeof(why));
        if (lack) {
            bk->n_fallback++;
            if (c->log) {
                char msg[192];
                snprintf(msg, sizeof(msg), "backend %s lacks %s: layer %d runs on the CPU", bk->vt.name, lack, (int)il);
                c->log(c->log_user, LLML_LOG_INFO, msg);
            }
            continue;
        }
        bk->on[il] = 1;
        bk->n_on++;
    }
    if (out) {
        if (!bk->vt.supports(bk->st, m->output.type, LLML_BACKEND_OP_MATMUL) ||
            !bk->vt.supports(bk->st, LLML_TYPE_F32, LLML_BACKEND_OP_RMSNORM) ||
            (m->final_softcap > 0.0f && !bk->vt.supports(bk->st, LLML_TYPE_F32, LLML_BACKEND_OP_SOFTCAP))) {
            bk->n_fallback++;
            if (c->log) {
                char msg[160];
                snprintf(msg, sizeof(msg), "backend %s lacks %s output weights: the output layer runs on the CPU", bk->vt.name,
                         llml__types[m->output.type].info.name);
                c->log(c->log_user, LLML_LOG_INFO, msg);
            }
        } else {
            bk->on[L] = 1;
        }
    }
    if (bk->n_on == 0 && !bk->on[L]) {
        if (c->log) c->log(c->log_user, LLML_LOG_INFO, "no layer placed on the backend: every layer runs on the CPU");
        bk->vt.close(bk->st);
        bk->st = NULL;
        return LLML_OK;
    }
    memset(&ld, 0, sizeof(ld));
    ld.model = &bk->bm;
    ld.run_layer = bk->on;
    ld.output = bk->on[L];
    ld.n_ctx = c->n_ctx;
    ld.n_batch = c->n_batch;
    ld.kv_type = c->kt;
    r = bk->vt.upload(bk->st, &ld, &bk->bytes);
    if (r != LLML_OK) {
        llml__set_error(err, r, UINT64_MAX, "backend %s (%s): upload of %d layers failed: %s", bk->vt.name, bk->device,
                        (int)bk->n_on, llml__bk_err(bk));
        llml__bk_free(c);
        return r;
    }
    if (c->log) {
        char msg[320];
        snprintf(msg, sizeof(msg), "backend %s (%s): %d of %d layers%s, %d on the CPU instead (formats or operations), %.1f MiB of device memory",
                 bk->vt.name, bk->device, (int)bk->n_on, (int)L, bk->on[L] ? " and the output layer" : "", (int)bk->n_fallback,
                 (double)bk->bytes / 1048576.0);
        c->log(c->log_user, LLML_LOG_INFO, msg);
    }
    return LLML_OK;
}

static int llml__bk_layer_on(const llml_ctx *c, int32_t il) {
    return c->bk && c->bk->st && il >= 0 && il <= c->m->info.n_layer && c->bk->on[il];
}

/* Layers [il0, il1) on the backend for the piece in c->x; with out_rows,
   the logits too (the output layer must be on the backend). */
static llml_result llml__bk_forward(llml_ctx *c, int32_t il0, int32_t il1, int64_t n, int64_t pos0, int64_t out_rows,
                                    float *dst, int want_x) {
    llml__bk *bk = c->bk;
    llml_backend_run run;
    llml_result r;
    memset(&run, 0, sizeof(run));
    run.layer_begin = il0;
    run.layer_end = il1;
    run.n_tokens = n;
    run.pos0 = pos0;
    run.x = c->x;
    run.want_x = want_x;
    run.out_rows = out_rows;
    run.logits = dst;
    r = bk->vt.run(bk->st, &run);
    if (r != LLML_OK) llml__ctx_error(c, "backend %s: layers %d..%d failed: %s", bk->vt.name, (int)il0, (int)il1 - 1, llml__bk_err(bk));
    return r;
}

/* Copy cache rows [pos0, pos0 + n) of the backend's layers to the host
   cache (to_host) or back. */
static llml_result llml__bk_kv_sync(const llml_ctx *c, int to_host, int64_t pos0, int64_t n) {
    llml__bk *bk = c->bk;
    int32_t il;
    if (!bk || !bk->st || n <= 0) return LLML_OK;
    for (il = 0; il < c->m->info.n_layer; il++) {
        llml_result r;
        size_t off;
        if (!bk->on[il]) continue;
        off = (size_t)pos0 * c->kv_row[il];
        r = to_host ? bk->vt.kv_read(bk->st, il, pos0, n, c->kc[il] + off, c->vc[il] + off)
                    : bk->vt.kv_write(bk->st, il, pos0, n, c->kc[il] + off, c->vc[il] + off);
        if (r != LLML_OK) return r;
    }
    return LLML_OK;
}

LLML_API llml_result llml_ctx_get_backend(const llml_ctx *c, llml_ctx_backend_info *out) {
    if (!c || !out) return LLML_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    out->name = "";
    if (!c->bk) return LLML_OK;
    out->name = c->bk->vt.name ? c->bk->vt.name : "";
    memcpy(out->device, c->bk->device, sizeof(out->device));
    out->n_fallback = c->bk->n_fallback;
    if (!c->bk->st) return LLML_OK;
    out->n_layers = c->bk->n_on;
    out->output = c->bk->on[c->m->info.n_layer];
    out->device_bytes = c->bk->bytes;
    return LLML_OK;
}

LLML_API int32_t llml_ctx_layer_on_backend(const llml_ctx *c, int32_t il) { return c ? llml__bk_layer_on(c, il) : 0; }

LLML_API llml_result llml_ctx_backend_measure(llml_ctx *c, llml_backend_measure *out) {
    llml_result r;
    if (!c || !out) return LLML_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    if (!c->bk || !c->bk->st || !c->bk->vt.measure) return LLML_ERR_UNSUPPORTED;
    r = c->bk->vt.measure(c->bk->st, out);
    if (r != LLML_OK) llml__ctx_error(c, "backend %s: measure failed: %s", c->bk->vt.name, llml__bk_err(c->bk));
    return r;
}

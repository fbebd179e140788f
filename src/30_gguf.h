/* ------------------------------------------------------------------------ */
/* >>gguf  GGUF reader (file / memory / callback) and writer                */
/* ------------------------------------------------------------------------ */
/* Layout of a GGUF file (v2 and v3; all numbers little-endian):
     "GGUF" u32 version  u64 n_tensors  u64 n_kv
     n_kv x  { str key, u32 vtype, value }   value = scalar | str | { u32 elem, u64 n, n x elem }
     n_tensors x { str name, u32 n_dims, n_dims x i64 ne, u32 type, u64 offset }
     padding to `alignment` (general.alignment, u32, default 32)
     data section: tensor i at data_offset + offset_i, each start aligned.
   where str = { u64 len, len bytes }.
   Every count and length is checked against the bytes that remain before
   anything is allocated for it; arrays grow only with what was parsed.
   Nested arrays (an array whose elements are arrays) are rejected with
   LLML_ERR_UNSUPPORTED_TYPE, as the reference C reader does.
   String values are kept as bytes (tokenizer pieces need not be UTF-8);
   keys and tensor names must be valid UTF-8 without NUL bytes. */

#if !defined(LLML_NO_MMAP) && (defined(__unix__) || defined(__unix) || defined(__APPLE__))
#define LLML__GGUF_POSIX 1
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#elif !defined(LLML_NO_MMAP) && defined(_WIN32)
#define LLML__GGUF_WIN32 1   /* windows.h: included by the implementation's start */
#endif

#define LLML__GGUF_DEFAULT_ALIGNMENT 32u
#define LLML__GGUF_MAX_NAME 64        /* the reference keeps names below 64 bytes */
#define LLML__GGUF_WINDOW (64u * 1024u)

#if defined(__GNUC__) || defined(__clang__)
#define LLML__GGUF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LLML__GGUF_PRINTF(a, b)
#endif

static const unsigned char llml__gguf_vsize[LLML_GGUF_VTYPE_COUNT] = {
    1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8
};

LLML_API const char *llml_gguf_vtype_name(llml_gguf_vtype t) {
    static const char *const names[LLML_GGUF_VTYPE_COUNT] = {
        "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64"
    };
    if ((unsigned)t >= (unsigned)LLML_GGUF_VTYPE_COUNT) return "?";
    return names[(unsigned)t];
}

static size_t llml__gguf_vtype_size(uint32_t t) {
    return t < (uint32_t)LLML_GGUF_VTYPE_COUNT ? (size_t)llml__gguf_vsize[t] : 0;
}

static int llml__gguf_host_le(void) {
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Copy n elements of size es from little-endian src to host-endian dst. */
static void llml__gguf_le_copy(void *dst, const void *src, uint64_t n, size_t es) {
    uint64_t i;
    size_t j;
    const unsigned char *s = (const unsigned char *)src;
    unsigned char *d = (unsigned char *)dst;
    if (n == 0) return;
    if (es <= 1 || llml__gguf_host_le()) { memcpy(dst, src, (size_t)(n * es)); return; }
    for (i = 0; i < n; i++)
        for (j = 0; j < es; j++) d[i * es + j] = s[i * es + es - 1 - j];
}

static void llml__gguf_wr64(void *p, uint64_t v) {
    llml__wr32(p, (uint32_t)v);
    llml__wr32((unsigned char *)p + 4, (uint32_t)(v >> 32));
}

static uint64_t llml__gguf_align_up(uint64_t x, uint64_t a, int *ok) {
    uint64_t r = x % a;
    if (r == 0) return x;
    if (x > UINT64_MAX - (a - r)) { *ok = 0; return x; }
    return x + (a - r);
}

static int llml__gguf_pow2(uint64_t a) { return a != 0 && (a & (a - 1)) == 0; }

/* Length (1-4) of the valid UTF-8 sequence at s (n bytes left), 0 if there
   is none: rejects overlong forms, surrogates and code points above U+10FFFF. */
static uint64_t llml__gguf_utf8_seq(const unsigned char *s, uint64_t n) {
    unsigned c = s[0], lo = 0x80, hi = 0xbf;
    uint64_t k, len;
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

/* Index of the first byte that breaks UTF-8 (n when the text is valid). */
static uint64_t llml__gguf_utf8_bad(const unsigned char *s, uint64_t n) {
    uint64_t i = 0;
    while (i < n) {
        uint64_t len = llml__gguf_utf8_seq(s + i, n - i);
        if (!len) return i;
        i += len;
    }
    return n;
}

/* Printable copy of a (possibly hostile) name for messages: valid UTF-8 is
   kept, control characters and broken sequences become '?'. */
static void llml__gguf_clean(char *dst, size_t cap, const char *s, uint64_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t m = 0;
    uint64_t i = 0, shown = 0;
    while (i < n && shown < 80 && m + 8 < cap) {
        uint64_t len = llml__gguf_utf8_seq(u + i, n - i);
        if (len == 0 || u[i] < 0x20 || u[i] == 0x7f) { dst[m++] = '?'; i++; }
        else { memcpy(dst + m, u + i, (size_t)len); m += (size_t)len; i += len; }
        shown++;
    }
    if (i < n) { dst[m++] = '.'; dst[m++] = '.'; dst[m++] = '.'; }
    dst[m] = 0;
}

/* Grow a table of elem-sized items so that it holds at least `need`. */
static llml_result llml__gguf_grow(const llml_allocator *a, void **p, uint64_t *cap, uint64_t need, size_t elem) {
    uint64_t nc;
    void *np;
    if (need <= *cap) return LLML_OK;
    nc = *cap ? *cap : 8;
    while (nc < need) {
        if (nc > UINT64_MAX / 2) return LLML_ERR_OUT_OF_MEMORY;
        nc *= 2;
    }
    if (nc > (uint64_t)(SIZE_MAX / elem)) return LLML_ERR_OUT_OF_MEMORY;
    np = llml__alloc(a, (size_t)(nc * elem), 16);
    if (!np) return LLML_ERR_OUT_OF_MEMORY;
    if (*p) {
        memcpy(np, *p, (size_t)(*cap * elem));
        llml__free(a, *p, (size_t)(*cap * elem));
    }
    *p = np;
    *cap = nc;
    return LLML_OK;
}

/* ---- the handle ---------------------------------------------------------- */

typedef struct llml__gguf_str {
    const char *s;
    uint64_t len;
} llml__gguf_str;

typedef struct llml__gguf_kv {
    const char *key;
    uint64_t key_len;
    llml_gguf_vtype type;   /* LLML_GGUF_ARRAY for arrays */
    llml_gguf_vtype elem;   /* element type of an array (== type for scalars) */
    uint64_t n;             /* elements (1 for a scalar) */
    void *data;             /* scalar value, chars, numeric elements, or llml__gguf_str[] */
    uint64_t str_len;       /* length of a scalar string */
    uint64_t pos;           /* byte offset of the pair in the source */
} llml__gguf_kv;

typedef struct llml__gguf_tensor {
    llml_gguf_tensor t;     /* first: llml_gguf_tensor_at returns &t */
    uint64_t name_len;
    uint64_t pos;           /* byte offset of the tensor info */
    uint64_t off_pos;       /* byte offset of its `offset` field */
} llml__gguf_tensor;

typedef struct llml__gguf_block {
    struct llml__gguf_block *next;
    size_t size, used;
    size_t pad_;            /* keeps the payload 16-byte aligned on 64-bit hosts */
} llml__gguf_block;

typedef struct llml__gguf_hash {
    uint64_t *slot;         /* index + 1, 0 = empty */
    uint64_t cap;           /* power of two */
} llml__gguf_hash;

enum {
    LLML__GGUF_SRC_MEMORY = 0,   /* caller's buffer            */
    LLML__GGUF_SRC_MAP = 1,      /* memory-mapped file         */
    LLML__GGUF_SRC_BUFFER = 2,   /* file read into our buffer  */
    LLML__GGUF_SRC_CALLBACK = 3, /* read callback              */
    LLML__GGUF_SRC_PATH = 4      /* header only: reopen path   */
};

struct llml_gguf {
    llml_allocator alloc;
    const llml_allocator *a;      /* &alloc, or NULL for the default */
    uint32_t version, alignment;
    uint64_t data_offset, file_size;
    llml__gguf_kv *kv;
    uint64_t n_kv, cap_kv;
    llml__gguf_tensor *ts;
    uint64_t n_t, cap_t;
    llml__gguf_hash hkv, ht;
    uint64_t hseed;
    llml__gguf_block *arena;
    int kind;
    const unsigned char *base;    /* whole source in memory, or NULL */
    void *owned;                  /* SRC_BUFFER */
    size_t owned_size;
    void *map;                    /* SRC_MAP */
    size_t map_size;
#if defined(LLML__GGUF_POSIX)
    int map_fd, map_fd_open;      /* kept open to notice a file that shrinks */
#endif
    llml_read_fn read;            /* SRC_CALLBACK */
    void *user;
    char *path;                   /* SRC_PATH */
    size_t path_size;
};

static void *llml__gguf_arena(llml_gguf *g, uint64_t n, size_t align) {
    llml__gguf_block *b = g->arena;
    size_t start;
    if (n > (uint64_t)(SIZE_MAX / 2)) return NULL;
    if (align < 1) align = 1;
    if (b) {
        start = (b->used + align - 1) & ~(align - 1);
        if (start <= b->size && (size_t)n <= b->size - start) {
            b->used = start + (size_t)n;
            return (unsigned char *)(b + 1) + start;
        }
    }
    {
        size_t sz = (size_t)n + 16 > 65536 ? (size_t)n + 16 : 65536;
        llml__gguf_block *nb = (llml__gguf_block *)llml__alloc(g->a, sizeof(llml__gguf_block) + sz, 16);
        if (!nb) return NULL;
        nb->size = sz;
        nb->used = 0;
        nb->pad_ = 0;
        /* a big one-off request goes below the current block so that the
           current block keeps serving small requests */
        if (b && (size_t)n + 16 > 65536) { nb->next = b->next; b->next = nb; }
        else { nb->next = b; g->arena = nb; }
        nb->used = (size_t)n;
        return (void *)(nb + 1);
    }
}

/* FNV-1a with a per-handle seed and a final mix, so that a hostile file
   cannot easily line names up in one probe chain. */
static uint64_t llml__gguf_hash_bytes(uint64_t seed, const char *s, uint64_t n) {
    uint64_t h = 1469598103934665603ull ^ seed, i;
    for (i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ull; }
    h ^= h >> 31; h *= 0x7fb5d329728ea185ull;
    h ^= h >> 27; h *= 0x81dadef4bc2dd44dull;
    return h ^ (h >> 33);
}

static const char *llml__gguf_name_at(const llml_gguf *g, int which, uint64_t i, uint64_t *len) {
    if (which == 0) { *len = g->kv[i].key_len; return g->kv[i].key; }
    *len = g->ts[i].name_len;
    return g->ts[i].t.name;
}

static int64_t llml__gguf_hfind(const llml_gguf *g, int which, const char *s, uint64_t n) {
    const llml__gguf_hash *h = which == 0 ? &g->hkv : &g->ht;
    uint64_t m, i;
    if (!h->cap) return -1;
    m = h->cap - 1;
    i = llml__gguf_hash_bytes(g->hseed, s, n) & m;
    while (h->slot[i]) {
        uint64_t idx = h->slot[i] - 1, len;
        const char *name = llml__gguf_name_at(g, which, idx, &len);
        if (len == n && memcmp(name, s, (size_t)n) == 0) return (int64_t)idx;
        i = (i + 1) & m;
    }
    return -1;
}

static void llml__gguf_hput(llml__gguf_hash *h, uint64_t hash, uint64_t idx) {
    uint64_t m = h->cap - 1, i = hash & m;
    while (h->slot[i]) i = (i + 1) & m;
    h->slot[i] = idx + 1;
}

/* Add entry `idx` (already stored) of table `which` to its hash. */
static llml_result llml__gguf_hadd(llml_gguf *g, int which, uint64_t idx) {
    llml__gguf_hash *h = which == 0 ? &g->hkv : &g->ht;
    uint64_t len;
    const char *name;
    if ((idx + 1) * 2 > h->cap) {
        llml__gguf_hash nh;
        uint64_t j;
        nh.cap = h->cap ? h->cap * 2 : 16;
        while ((idx + 1) * 2 > nh.cap) nh.cap *= 2;
        if (nh.cap > (uint64_t)(SIZE_MAX / sizeof(uint64_t))) return LLML_ERR_OUT_OF_MEMORY;
        nh.slot = (uint64_t *)llml__calloc(g->a, (size_t)(nh.cap * sizeof(uint64_t)));
        if (!nh.slot) return LLML_ERR_OUT_OF_MEMORY;
        for (j = 0; j < idx; j++) {
            name = llml__gguf_name_at(g, which, j, &len);
            llml__gguf_hput(&nh, llml__gguf_hash_bytes(g->hseed, name, len), j);
        }
        if (h->slot) llml__free(g->a, h->slot, (size_t)(h->cap * sizeof(uint64_t)));
        *h = nh;
    }
    name = llml__gguf_name_at(g, which, idx, &len);
    llml__gguf_hput(h, llml__gguf_hash_bytes(g->hseed, name, len), idx);
    return LLML_OK;
}

/* ---- platform files ------------------------------------------------------ */

typedef struct llml__gguf_file {
#if defined(LLML__GGUF_POSIX)
    int fd;
#elif defined(LLML__GGUF_WIN32)
    HANDLE h;
#else
    FILE *f;
#endif
    int open;
} llml__gguf_file;

#if defined(LLML__GGUF_WIN32)
static HANDLE llml__gguf_win_open(const char *path) {
    wchar_t wbuf[1024];
    wchar_t *w = wbuf;
    HANDLE h;
    int n = MultiByteToWideChar(CP_UTF8, 0, path, -1, NULL, 0);
    if (n <= 0) return CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (n > 1024) {
        w = (wchar_t *)LLML_MALLOC((size_t)n * sizeof(wchar_t));
        if (!w) return INVALID_HANDLE_VALUE;
    }
    MultiByteToWideChar(CP_UTF8, 0, path, -1, w, n);
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (w != wbuf) LLML_FREE(w);
    return h;
}
#endif

/* Open a file for reading and get its size. */
static llml_result llml__gguf_fopen(llml__gguf_file *f, const char *path, uint64_t *size, llml_error *err) {
    f->open = 0;
#if defined(LLML__GGUF_POSIX)
    {
        struct stat st;
        do { f->fd = open(path, O_RDONLY); } while (f->fd < 0 && errno == EINTR);
        if (f->fd < 0) {
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "cannot open '%s': %s", path, strerror(errno));
            return LLML_ERR_IO;
        }
        if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
            close(f->fd);
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "'%s' is not a readable regular file", path);
            return LLML_ERR_IO;
        }
        *size = (uint64_t)st.st_size;
    }
#elif defined(LLML__GGUF_WIN32)
    {
        LARGE_INTEGER li;
        f->h = llml__gguf_win_open(path);
        if (f->h == INVALID_HANDLE_VALUE) {
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "cannot open '%s' (error %lu)", path, (unsigned long)GetLastError());
            return LLML_ERR_IO;
        }
        if (!GetFileSizeEx(f->h, &li) || li.QuadPart < 0) {
            CloseHandle(f->h);
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "cannot get the size of '%s'", path);
            return LLML_ERR_IO;
        }
        *size = (uint64_t)li.QuadPart;
    }
#else
    {
        long long end;
        f->f = fopen(path, "rb");
        if (!f->f) {
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "cannot open '%s'", path);
            return LLML_ERR_IO;
        }
#if defined(_WIN32)
        if (_fseeki64(f->f, 0, SEEK_END) != 0 || (end = _ftelli64(f->f)) < 0) {
#else
        if (fseek(f->f, 0, SEEK_END) != 0 || (end = ftell(f->f)) < 0) {
#endif
            fclose(f->f);
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "cannot get the size of '%s'", path);
            return LLML_ERR_IO;
        }
        /* a directory "opens" on some systems: probe with a one-byte read */
        if (end > 0 && (fseek(f->f, 0, SEEK_SET) != 0 || fgetc(f->f) == EOF)) {
            fclose(f->f);
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "'%s' is not a readable regular file", path);
            return LLML_ERR_IO;
        }
        *size = (uint64_t)end;
    }
#endif
    f->open = 1;
    return LLML_OK;
}

/* Read up to n bytes at `off`; returns the count read (short only at EOF or on error). */
static size_t llml__gguf_fread_at(llml__gguf_file *f, uint64_t off, void *dst, size_t n) {
    size_t done = 0;
    unsigned char *d = (unsigned char *)dst;
    if (!f->open || n == 0) return 0;
#if defined(LLML__GGUF_POSIX)
    {
        off_t o = (off_t)off;
        if (o < 0 || (uint64_t)o != off || lseek(f->fd, o, SEEK_SET) == (off_t)-1) return 0;
        while (done < n) {
            size_t want = n - done > ((size_t)1 << 30) ? ((size_t)1 << 30) : n - done;
            ssize_t r = read(f->fd, d + done, want);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            done += (size_t)r;
        }
    }
#elif defined(LLML__GGUF_WIN32)
    {
        LARGE_INTEGER li;
        li.QuadPart = (LONGLONG)off;
        if ((uint64_t)li.QuadPart != off || !SetFilePointerEx(f->h, li, NULL, FILE_BEGIN)) return 0;
        while (done < n) {
            DWORD want = (DWORD)(n - done > ((size_t)1 << 30) ? ((size_t)1 << 30) : n - done), got = 0;
            if (!ReadFile(f->h, d + done, want, &got, NULL) || got == 0) break;
            done += (size_t)got;
        }
    }
#else
    {
#if defined(_WIN32)
        if ((long long)off < 0 || _fseeki64(f->f, (long long)off, SEEK_SET) != 0) return 0;
#else
        if (off > (uint64_t)LONG_MAX || fseek(f->f, (long)off, SEEK_SET) != 0) return 0;
#endif
        done = fread(d, 1, n, f->f);
    }
#endif
    return done;
}

static void llml__gguf_fclose(llml__gguf_file *f) {
    if (!f->open) return;
#if defined(LLML__GGUF_POSIX)
    close(f->fd);
#elif defined(LLML__GGUF_WIN32)
    CloseHandle(f->h);
#else
    fclose(f->f);
#endif
    f->open = 0;
}

static size_t llml__gguf_file_cb(void *user, uint64_t offset, void *dst, size_t n) {
    return llml__gguf_fread_at((llml__gguf_file *)user, offset, dst, n);
}

/* Map a whole file read-only. Returns 1 on success, 0 when mapping is not
   available or failed (the caller then reads the file instead). */
static int llml__gguf_map(llml__gguf_file *f, uint64_t size, void **out) {
    *out = NULL;
    if (size == 0 || size > (uint64_t)SIZE_MAX) return 0;
#if defined(LLML__GGUF_POSIX)
    {
        void *p = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, f->fd, 0);
        if (p == MAP_FAILED) return 0;
        *out = p;
        return 1;
    }
#elif defined(LLML__GGUF_WIN32)
    {
        HANDLE m = CreateFileMappingW(f->h, NULL, PAGE_READONLY, 0, 0, NULL);
        void *p;
        if (!m) return 0;
        p = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
        CloseHandle(m); /* the view keeps the mapping alive */
        if (!p) return 0;
        *out = p;
        return 1;
    }
#else
    (void)f;
    return 0;
#endif
}

static void llml__gguf_unmap(void *p, size_t size) {
    if (!p) return;
#if defined(LLML__GGUF_POSIX)
    munmap(p, size);
#elif defined(LLML__GGUF_WIN32)
    (void)size;
    UnmapViewOfFile(p);
#else
    (void)size;
#endif
}

/* ---- the source every parse goes through ---------------------------------- */

typedef struct llml__gguf_src {
    const unsigned char *mem;    /* whole source in memory, else NULL */
    llml_read_fn fn;
    void *user;
    uint64_t size;
    unsigned char *win;          /* read-ahead window for callback sources */
    size_t win_cap, win_len;
    uint64_t win_off;
} llml__gguf_src;

/* Call the read function until n bytes came or it returns 0. */
static size_t llml__gguf_src_pull(llml__gguf_src *s, uint64_t off, unsigned char *dst, size_t n) {
    size_t done = 0;
    while (done < n) {
        size_t want = n - done > ((size_t)1 << 30) ? ((size_t)1 << 30) : n - done;
        size_t r = s->fn(s->user, off + done, dst + done, want);
        if (r == 0 || r > want) break;
        done += r;
    }
    return done;
}

/* Copy n bytes at off (the caller checked off + n <= size). */
static int llml__gguf_src_read(llml__gguf_src *s, uint64_t off, void *dst, size_t n) {
    unsigned char *d = (unsigned char *)dst;
    if (n == 0) return 1;
    if (s->mem) { memcpy(d, s->mem + off, n); return 1; }
    if (s->win_len && off >= s->win_off && off - s->win_off <= s->win_len &&
        n <= s->win_len - (size_t)(off - s->win_off)) {
        memcpy(d, s->win + (size_t)(off - s->win_off), n);
        return 1;
    }
    if (!s->win || n >= s->win_cap) return llml__gguf_src_pull(s, off, d, n) == n;
    {
        uint64_t left = s->size - off;
        size_t want = left < (uint64_t)s->win_cap ? (size_t)left : s->win_cap;
        s->win_len = llml__gguf_src_pull(s, off, s->win, want);
        s->win_off = off;
        if (s->win_len < n) { s->win_len = 0; return 0; }
        memcpy(d, s->win, n);
        return 1;
    }
}

/* ---- the parser ------------------------------------------------------------ */

typedef struct llml__gguf_parser {
    llml__gguf_src *src;
    llml_gguf *g;
    llml_error *err;
    uint64_t pos;
    char what[200];   /* "header", "key 'x'", "tensor 'y'" */
} llml__gguf_parser;

static llml_result llml__gguf_fail(llml__gguf_parser *p, llml_result code, uint64_t off, const char *fmt, ...) LLML__GGUF_PRINTF(4, 5);

static llml_result llml__gguf_fail(llml__gguf_parser *p, llml_result code, uint64_t off, const char *fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    llml__set_error(p->err, code, off, "%s: %s", p->what, msg);
    return code;
}

static llml_result llml__gguf_take(llml__gguf_parser *p, void *dst, uint64_t n, const char *field) {
    uint64_t left = p->src->size - p->pos;
    if (n > left)
        return llml__gguf_fail(p, LLML_ERR_TRUNCATED, p->pos, "%s needs %llu bytes but only %llu remain (truncated file)",
                               field, (unsigned long long)n, (unsigned long long)left);
    if (n > (uint64_t)SIZE_MAX) return llml__gguf_fail(p, LLML_ERR_OUT_OF_MEMORY, p->pos, "%s is too large", field);
    if (!llml__gguf_src_read(p->src, p->pos, dst, (size_t)n))
        return llml__gguf_fail(p, LLML_ERR_IO, p->pos, "reading %s failed (the source ended early)", field);
    p->pos += n;
    return LLML_OK;
}

static llml_result llml__gguf_u32(llml__gguf_parser *p, uint32_t *v, const char *field) {
    unsigned char b[4];
    llml_result r = llml__gguf_take(p, b, 4, field);
    if (r == LLML_OK) *v = llml__rd32(b);
    return r;
}

static llml_result llml__gguf_u64(llml__gguf_parser *p, uint64_t *v, const char *field) {
    unsigned char b[8];
    llml_result r = llml__gguf_take(p, b, 8, field);
    if (r == LLML_OK) *v = llml__rd64(b);
    return r;
}

/* A count or length read at `at` that asks for more than 2^40 bytes (or
   overflows) beyond what remains is impossible rather than cut short. */
#define LLML__GGUF_ABSURD ((uint64_t)1 << 40)

static int llml__gguf_absurd(const llml__gguf_parser *p, uint64_t n, uint64_t unit) {
    uint64_t left = p->src->size - p->pos;
    if (unit == 0) return 0;
    if (n > UINT64_MAX / unit) return 1;
    return n * unit > left && n * unit >= LLML__GGUF_ABSURD;
}

/* n items of `unit` bytes must fit in what is left: CORRUPT when the count is
   impossible, TRUNCATED when the data simply ends. Checked before anything
   is allocated for them. */
static llml_result llml__gguf_fits(llml__gguf_parser *p, uint64_t n, uint64_t unit, uint64_t at, const char *field) {
    uint64_t left = p->src->size - p->pos;
    if (unit == 0) return LLML_OK;
    if (llml__gguf_absurd(p, n, unit))
        return llml__gguf_fail(p, LLML_ERR_CORRUPT, at, "%s %llu is impossible (%llu bytes remain)", field, (unsigned long long)n,
                               (unsigned long long)left);
    if (n * unit > left)
        return llml__gguf_fail(p, LLML_ERR_TRUNCATED, at, "%s %llu needs %llu bytes but only %llu remain (truncated file)",
                               field, (unsigned long long)n, (unsigned long long)(n * unit), (unsigned long long)left);
    return LLML_OK;
}

/* Read a string into the arena (NUL-terminated). */
static llml_result llml__gguf_rdstr(llml__gguf_parser *p, const char **out, uint64_t *len, const char *field) {
    uint64_t at = p->pos, n;
    char *s;
    llml_result r = llml__gguf_u64(p, &n, field);
    if (r != LLML_OK) return r;
    r = llml__gguf_fits(p, n, 1, at, field);
    if (r != LLML_OK) return r;
    s = (char *)llml__gguf_arena(p->g, n + 1, 1);
    if (!s) return llml__gguf_fail(p, LLML_ERR_OUT_OF_MEMORY, at, "no memory for %s of %llu bytes", field, (unsigned long long)n);
    r = llml__gguf_take(p, s, n, field);
    if (r != LLML_OK) return r;
    s[n] = 0;
    *out = s;
    *len = n;
    return LLML_OK;
}

/* Keys and tensor names: valid UTF-8, no NUL. */
static llml_result llml__gguf_check_name(llml__gguf_parser *p, const char *s, uint64_t n, uint64_t at, const char *kind) {
    uint64_t bad = llml__gguf_utf8_bad((const unsigned char *)s, n);
    if (bad < n)
        return llml__gguf_fail(p, LLML_ERR_BAD_UTF8, at + 8 + bad, "%s is not valid UTF-8 (byte 0x%02x at position %llu)",
                               kind, (unsigned)(unsigned char)s[bad], (unsigned long long)bad);
    if (memchr(s, 0, (size_t)n))
        return llml__gguf_fail(p, LLML_ERR_CORRUPT, at, "%s contains a NUL byte", kind);
    return LLML_OK;
}

static llml_result llml__gguf_vtype(llml__gguf_parser *p, uint32_t *t, int elem) {
    uint64_t at = p->pos;
    llml_result r = llml__gguf_u32(p, t, elem ? "array element type" : "value type");
    if (r != LLML_OK) return r;
    if (*t >= (uint32_t)LLML_GGUF_VTYPE_COUNT)
        return llml__gguf_fail(p, LLML_ERR_UNSUPPORTED_TYPE, at, "unknown %s %lu", elem ? "array element type" : "value type",
                               (unsigned long)*t);
    if (elem && *t == (uint32_t)LLML_GGUF_ARRAY)
        return llml__gguf_fail(p, LLML_ERR_UNSUPPORTED_TYPE, at, "arrays of arrays are not supported");
    return LLML_OK;
}

static llml_result llml__gguf_read_kv(llml__gguf_parser *p, llml__gguf_kv *kv) {
    uint32_t t;
    uint64_t at;
    llml_result r = llml__gguf_vtype(p, &t, 0);
    if (r != LLML_OK) return r;
    kv->type = kv->elem = (llml_gguf_vtype)t;
    kv->n = 1;
    if (t == (uint32_t)LLML_GGUF_STRING) {
        const char *s;
        r = llml__gguf_rdstr(p, &s, &kv->str_len, "string value");
        kv->data = (void *)(uintptr_t)s;
        return r;
    }
    if (t != (uint32_t)LLML_GGUF_ARRAY) {
        unsigned char b[8];
        size_t es = llml__gguf_vtype_size(t);
        r = llml__gguf_take(p, b, es, "value");
        if (r != LLML_OK) return r;
        kv->data = llml__gguf_arena(p->g, 8, 8);
        if (!kv->data) return llml__gguf_fail(p, LLML_ERR_OUT_OF_MEMORY, p->pos, "out of memory");
        llml__gguf_le_copy(kv->data, b, 1, es);
        return LLML_OK;
    }
    r = llml__gguf_vtype(p, &t, 1);
    if (r != LLML_OK) return r;
    kv->elem = (llml_gguf_vtype)t;
    at = p->pos;
    r = llml__gguf_u64(p, &kv->n, "array length");
    if (r != LLML_OK) return r;
    if (t == (uint32_t)LLML_GGUF_STRING) {
        llml__gguf_str *strs;
        uint64_t j;
        r = llml__gguf_fits(p, kv->n, 8, at, "array length");
        if (r != LLML_OK) return r;
        strs = (llml__gguf_str *)llml__gguf_arena(p->g, kv->n * sizeof(llml__gguf_str), 8);
        if (!strs) return llml__gguf_fail(p, LLML_ERR_OUT_OF_MEMORY, at, "no memory for %llu strings", (unsigned long long)kv->n);
        for (j = 0; j < kv->n; j++) {
            char field[64];
            snprintf(field, sizeof(field), "string %llu of the array", (unsigned long long)j);
            r = llml__gguf_rdstr(p, &strs[j].s, &strs[j].len, field);
            if (r != LLML_OK) return r;
        }
        kv->data = strs;
        return LLML_OK;
    } else {
        size_t es = llml__gguf_vtype_size(t);
        r = llml__gguf_fits(p, kv->n, es, at, "array length");
        if (r != LLML_OK) return r;
        kv->data = llml__gguf_arena(p->g, kv->n * es, es);
        if (!kv->data) return llml__gguf_fail(p, LLML_ERR_OUT_OF_MEMORY, at, "no memory for %llu elements", (unsigned long long)kv->n);
        r = llml__gguf_take(p, kv->data, kv->n * es, "array data");
        if (r != LLML_OK) return r;
        if (!llml__gguf_host_le() && es > 1) { /* to host order */
            unsigned char *d = (unsigned char *)kv->data;
            uint64_t i;
            size_t a, b2;
            for (i = 0; i < kv->n; i++)
                for (a = 0, b2 = es - 1; a < b2; a++, b2--) {
                    unsigned char c = d[i * es + a];
                    d[i * es + a] = d[i * es + b2];
                    d[i * es + b2] = c;
                }
        }
        return LLML_OK;
    }
}

typedef struct llml__gguf_span {
    uint64_t off, end;
    uint64_t idx;
} llml__gguf_span;

static int llml__gguf_span_cmp(const void *a, const void *b) {
    const llml__gguf_span *x = (const llml__gguf_span *)a, *y = (const llml__gguf_span *)b;
    if (x->off != y->off) return x->off < y->off ? -1 : 1;
    if (x->idx != y->idx) return x->idx < y->idx ? -1 : 1;
    return 0;
}

static llml_result llml__gguf_read_tensor_info(llml__gguf_parser *p, llml__gguf_tensor *te, uint64_t i) {
    llml_gguf_tensor *t = &te->t;
    uint64_t at = p->pos, nd_pos, ty_pos, nel = 1, nrows = 1, rs, size;
    uint32_t nd, ty, d;
    const llml_type_info *info;
    char nm[100];
    llml_result r;
    te->pos = at;
    snprintf(p->what, sizeof(p->what), "tensor #%llu", (unsigned long long)i);
    r = llml__gguf_rdstr(p, &t->name, &te->name_len, "tensor name");
    if (r != LLML_OK) return r;
    llml__gguf_clean(nm, sizeof(nm), t->name, te->name_len);
    snprintf(p->what, sizeof(p->what), "tensor '%s'", nm);
    r = llml__gguf_check_name(p, t->name, te->name_len, at, "tensor name");
    if (r != LLML_OK) return r;
    if (llml__gguf_hfind(p->g, 1, t->name, te->name_len) >= 0)
        return llml__gguf_fail(p, LLML_ERR_DUPLICATE, at, "duplicate tensor name");
    nd_pos = p->pos;
    r = llml__gguf_u32(p, &nd, "dimension count");
    if (r != LLML_OK) return r;
    if (nd < 1 || nd > 4)
        return llml__gguf_fail(p, LLML_ERR_BAD_SHAPE, nd_pos, "%lu dimensions (must be 1 to 4)", (unsigned long)nd);
    t->n_dims = nd;
    for (d = 0; d < 4; d++) t->ne[d] = 1;
    for (d = 0; d < nd; d++) {
        uint64_t v, dpos = p->pos;
        r = llml__gguf_u64(p, &v, "dimension");
        if (r != LLML_OK) return r;
        if (v == 0 || v > (uint64_t)INT64_MAX)
            return llml__gguf_fail(p, LLML_ERR_BAD_SHAPE, dpos, "dimension %lu is %lld (must be positive)", (unsigned long)d,
                                   (long long)v);
        if (nel > (uint64_t)INT64_MAX / v)
            return llml__gguf_fail(p, LLML_ERR_BAD_SHAPE, dpos, "the element count overflows 64 bits");
        nel *= v;
        t->ne[d] = (int64_t)v;
    }
    ty_pos = p->pos;
    r = llml__gguf_u32(p, &ty, "tensor type");
    if (r != LLML_OK) return r;
    info = ty < (uint32_t)LLML_TYPE_COUNT ? llml_type_get_info((llml_type)ty) : NULL;
    if (!info) return llml__gguf_fail(p, LLML_ERR_UNSUPPORTED_TYPE, ty_pos, "unknown tensor type %lu", (unsigned long)ty);
    t->type = (llml_type)ty;
    if (t->ne[0] % info->block_size != 0)
        return llml__gguf_fail(p, LLML_ERR_BAD_SHAPE, nd_pos + 4, "%lld elements per row is not a multiple of the %s block size %d",
                               (long long)t->ne[0], info->name, (int)info->block_size);
    for (d = 1; d < 4; d++) nrows *= (uint64_t)t->ne[d];
    /* the row's bytes too: 2^62 F32 elements would wrap to a small size */
    if (!llml__mul_u64((uint64_t)(t->ne[0] / info->block_size), (uint64_t)info->type_size, &rs) || !llml__mul_u64(rs, nrows, &size))
        return llml__gguf_fail(p, LLML_ERR_BAD_SHAPE, nd_pos, "the size in bytes overflows 64 bits");
    t->size = size;
    te->off_pos = p->pos;
    r = llml__gguf_u64(p, &t->offset, "data offset");
    if (r != LLML_OK) return r;
    if (t->offset % p->g->alignment != 0)
        return llml__gguf_fail(p, LLML_ERR_BAD_ALIGNMENT, te->off_pos, "data offset %llu is not a multiple of the alignment %lu",
                               (unsigned long long)t->offset, (unsigned long)p->g->alignment);
    t->data = NULL;
    return LLML_OK;
}

/* Check where every tensor's bytes lie: inside the data section, no overlap. */
static llml_result llml__gguf_check_data(llml__gguf_parser *p) {
    llml_gguf *g = p->g;
    uint64_t n = g->n_t, k, data_size = g->file_size - g->data_offset, expect = 0;
    llml__gguf_span *sp;
    int consistent = 1;
    llml_result r = LLML_OK;
    char a[100], b[100];
    if (n == 0) return LLML_OK;
    if (n > (uint64_t)(SIZE_MAX / sizeof(llml__gguf_span))) return LLML_ERR_OUT_OF_MEMORY;
    sp = (llml__gguf_span *)llml__alloc(g->a, (size_t)(n * sizeof(llml__gguf_span)), 16);
    if (!sp) { llml__set_error(p->err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory"); return LLML_ERR_OUT_OF_MEMORY; }
    for (k = 0; k < n; k++) {
        const llml_gguf_tensor *t = &g->ts[k].t;
        sp[k].off = t->offset;
        sp[k].end = t->offset + t->size;
        if (sp[k].end < sp[k].off) sp[k].end = UINT64_MAX;
        sp[k].idx = k;
    }
    qsort(sp, (size_t)n, sizeof(*sp), llml__gguf_span_cmp);
    /* when every tensor starts where the one before it ends (padded), the
       table describes a consistent layout: data running past the end then
       means the file was cut, not that an offset is wrong */
    for (k = 0; k < n; k++) {
        int ok = 1;
        if (sp[k].off != expect) consistent = 0;
        expect = llml__gguf_align_up(sp[k].end, g->alignment, &ok);
        if (!ok) expect = UINT64_MAX;
    }
    for (k = 0; k < n && r == LLML_OK; k++) {
        const llml__gguf_tensor *te = &g->ts[k];
        uint64_t end = te->t.offset + te->t.size;
        if (end < te->t.offset || end > data_size) {
            llml__gguf_clean(a, sizeof(a), te->t.name, te->name_len);
            snprintf(p->what, sizeof(p->what), "tensor '%s'", a);
            if (end >= te->t.offset && consistent)
                r = llml__gguf_fail(p, LLML_ERR_TRUNCATED, g->file_size,
                                    "data [%llu, %llu) extends past the end of the file (size %llu): the file is truncated",
                                    (unsigned long long)(g->data_offset + te->t.offset),
                                    (unsigned long long)(g->data_offset + te->t.offset + te->t.size),
                                    (unsigned long long)g->file_size);
            else if (end < te->t.offset)
                r = llml__gguf_fail(p, LLML_ERR_OUT_OF_BOUNDS, te->off_pos, "data offset %llu + size %llu overflows",
                                    (unsigned long long)te->t.offset, (unsigned long long)te->t.size);
            else
                r = llml__gguf_fail(p, LLML_ERR_OUT_OF_BOUNDS, te->off_pos,
                                    "data [%llu, %llu) extends past the end of the file (size %llu)",
                                    (unsigned long long)(g->data_offset + te->t.offset),
                                    (unsigned long long)(g->data_offset + end), (unsigned long long)g->file_size);
        }
    }
    for (k = 1; k < n && r == LLML_OK; k++) {
        if (sp[k].off < sp[k - 1].end) {
            const llml__gguf_tensor *x = &g->ts[sp[k - 1].idx], *y = &g->ts[sp[k].idx];
            const llml__gguf_tensor *later = sp[k].idx > sp[k - 1].idx ? y : x, *other = later == y ? x : y;
            llml__gguf_clean(a, sizeof(a), later->t.name, later->name_len);
            llml__gguf_clean(b, sizeof(b), other->t.name, other->name_len);
            snprintf(p->what, sizeof(p->what), "tensor '%s'", a);
            r = llml__gguf_fail(p, LLML_ERR_OVERLAP, later->off_pos, "data [%llu, %llu) overlaps tensor '%s' [%llu, %llu)",
                                (unsigned long long)later->t.offset, (unsigned long long)(later->t.offset + later->t.size), b,
                                (unsigned long long)other->t.offset, (unsigned long long)(other->t.offset + other->t.size));
        }
    }
    llml__free(g->a, sp, (size_t)(n * sizeof(llml__gguf_span)));
    return r;
}

static llml_result llml__gguf_parse(llml_gguf *g, llml__gguf_src *src, llml_error *err) {
    llml__gguf_parser P;
    llml__gguf_parser *p = &P;
    unsigned char magic[4];
    uint64_t n_t, n_kv, i, avail, at;
    uint32_t ver;
    llml_result r;
    p->src = src;
    p->g = g;
    p->err = err;
    p->pos = 0;
    strcpy(p->what, "header");
    g->file_size = src->size;
    g->alignment = LLML__GGUF_DEFAULT_ALIGNMENT;

    avail = src->size < 4 ? src->size : 4;
    if (!llml__gguf_src_read(src, 0, magic, (size_t)avail))
        return llml__gguf_fail(p, LLML_ERR_IO, 0, "reading the magic failed");
    if (memcmp(magic, "GGUF", (size_t)avail) != 0)
        return llml__gguf_fail(p, LLML_ERR_BAD_MAGIC, 0, "not a GGUF file (the first bytes are not \"GGUF\")");
    r = llml__gguf_take(p, magic, 4, "magic");
    if (r != LLML_OK) return r;
    r = llml__gguf_u32(p, &ver, "version");
    if (r != LLML_OK) return r;
    if (ver != 2 && ver != 3) {
        if (ver != 0 && (ver & 0xffffu) == 0)
            return llml__gguf_fail(p, LLML_ERR_BAD_VERSION, 4, "version 0x%08lx: a big-endian GGUF file (not supported)", (unsigned long)ver);
        if (ver == 1)
            return llml__gguf_fail(p, LLML_ERR_BAD_VERSION, 4, "GGUF version 1 is not supported (only 2 and 3)");
        return llml__gguf_fail(p, LLML_ERR_BAD_VERSION, 4, "GGUF version %lu is not supported (only 2 and 3)", (unsigned long)ver);
    }
    g->version = ver;
    at = p->pos;
    r = llml__gguf_u64(p, &n_t, "tensor count");
    if (r != LLML_OK) return r;
    if (n_t > (uint64_t)INT64_MAX || llml__gguf_absurd(p, n_t, 32)) /* a tensor info takes at least 32 bytes */
        return llml__gguf_fail(p, LLML_ERR_CORRUPT, at, "tensor count %llu is impossible (the source has %llu bytes)",
                               (unsigned long long)n_t, (unsigned long long)src->size);
    at = p->pos;
    r = llml__gguf_u64(p, &n_kv, "key-value count");
    if (r != LLML_OK) return r;
    if (n_kv > (uint64_t)INT64_MAX || llml__gguf_absurd(p, n_kv, 13)) /* a pair takes at least 13 bytes */
        return llml__gguf_fail(p, LLML_ERR_CORRUPT, at, "key-value count %llu is impossible (the source has %llu bytes)",
                               (unsigned long long)n_kv, (unsigned long long)src->size);

    for (i = 0; i < n_kv; i++) {
        llml__gguf_kv *kv;
        char nm[100];
        at = p->pos;
        snprintf(p->what, sizeof(p->what), "key #%llu", (unsigned long long)i);
        r = llml__gguf_grow(g->a, (void **)&g->kv, &g->cap_kv, g->n_kv + 1, sizeof(llml__gguf_kv));
        if (r != LLML_OK) return llml__gguf_fail(p, r, at, "out of memory");
        kv = &g->kv[g->n_kv];
        memset(kv, 0, sizeof(*kv));
        kv->pos = at;
        r = llml__gguf_rdstr(p, &kv->key, &kv->key_len, "key");
        if (r != LLML_OK) return r;
        if (kv->key_len == 0) return llml__gguf_fail(p, LLML_ERR_CORRUPT, at, "empty key");
        llml__gguf_clean(nm, sizeof(nm), kv->key, kv->key_len);
        snprintf(p->what, sizeof(p->what), "key '%s'", nm);
        r = llml__gguf_check_name(p, kv->key, kv->key_len, at, "key");
        if (r != LLML_OK) return r;
        if (llml__gguf_hfind(g, 0, kv->key, kv->key_len) >= 0)
            return llml__gguf_fail(p, LLML_ERR_DUPLICATE, at, "duplicate key");
        r = llml__gguf_read_kv(p, kv);
        if (r != LLML_OK) return r;
        if (strcmp(kv->key, "general.alignment") == 0) {
            uint32_t al;
            uint64_t vpos = at + 8 + kv->key_len + 4;
            if (kv->type != LLML_GGUF_UINT32)
                return llml__gguf_fail(p, LLML_ERR_BAD_ALIGNMENT, vpos - 4, "must be of type u32, not %s", llml_gguf_vtype_name(kv->type));
            memcpy(&al, kv->data, 4);
            if (!llml__gguf_pow2(al))
                return llml__gguf_fail(p, LLML_ERR_BAD_ALIGNMENT, vpos, "alignment %lu is not a power of two", (unsigned long)al);
            g->alignment = al;
        }
        g->n_kv++;
        r = llml__gguf_hadd(g, 0, g->n_kv - 1);
        if (r != LLML_OK) return llml__gguf_fail(p, r, at, "out of memory");
    }

    for (i = 0; i < n_t; i++) {
        llml__gguf_tensor *te;
        r = llml__gguf_grow(g->a, (void **)&g->ts, &g->cap_t, g->n_t + 1, sizeof(llml__gguf_tensor));
        if (r != LLML_OK) return llml__gguf_fail(p, r, p->pos, "out of memory");
        te = &g->ts[g->n_t];
        memset(te, 0, sizeof(*te));
        r = llml__gguf_read_tensor_info(p, te, i);
        if (r != LLML_OK) return r;
        g->n_t++;
        r = llml__gguf_hadd(g, 1, g->n_t - 1);
        if (r != LLML_OK) return llml__gguf_fail(p, r, te->pos, "out of memory");
    }

    strcpy(p->what, "data section");
    if (n_t > 0) {
        int ok = 1;
        g->data_offset = llml__gguf_align_up(p->pos, g->alignment, &ok);
        if (!ok || g->data_offset > src->size)
            return llml__gguf_fail(p, LLML_ERR_TRUNCATED, p->pos,
                                   "the data section would start at %llu, past the end of the file (size %llu): truncated",
                                   (unsigned long long)g->data_offset, (unsigned long long)src->size);
    } else {
        g->data_offset = p->pos; /* no tensors: writers need not pad */
    }
    return llml__gguf_check_data(p);
}

static llml_result llml__gguf_new(const llml_gguf_desc *desc, llml_gguf **out, llml_error *err) {
    const llml_allocator *a = desc ? desc->allocator : NULL;
    llml_gguf *g;
    if (a && !a->alloc) a = NULL;
    g = (llml_gguf *)llml__calloc(a, sizeof(llml_gguf));
    if (!g) {
        llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory");
        return LLML_ERR_OUT_OF_MEMORY;
    }
    if (a) { g->alloc = *a; g->a = &g->alloc; }
    g->alignment = LLML__GGUF_DEFAULT_ALIGNMENT;
    g->hseed = (uint64_t)(uintptr_t)g * 0x9e3779b97f4a7c15ull; /* varies with the address (ASLR) */
    *out = g;
    return LLML_OK;
}

/* Parse g's source and finish the handle (data pointers); frees g on failure. */
static llml_result llml__gguf_finish_open(llml_gguf *g, llml__gguf_src *src, llml_gguf **out, llml_error *err) {
    llml_result r = llml__gguf_parse(g, src, err);
    uint64_t i;
    if (r != LLML_OK) {
        llml_gguf_close(g);
        return r;
    }
    if (g->base)
        for (i = 0; i < g->n_t; i++) g->ts[i].t.data = g->base + g->data_offset + g->ts[i].t.offset;
    if (err) { err->code = LLML_OK; err->offset = UINT64_MAX; err->message[0] = 0; }
    *out = g;
    return LLML_OK;
}

LLML_API llml_result llml_gguf_open_memory(const void *data, size_t size, const llml_gguf_desc *desc,
                                           llml_gguf **out, llml_error *err) {
    static const unsigned char empty[1] = {0};
    llml__gguf_src src;
    llml_gguf *g;
    llml_result r;
    if (out) *out = NULL;
    if (!out || (!data && size)) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_gguf_open_memory: NULL argument");
        return LLML_ERR_INVALID_ARG;
    }
    r = llml__gguf_new(desc, &g, err);
    if (r != LLML_OK) return r;
    memset(&src, 0, sizeof(src));
    src.mem = data ? (const unsigned char *)data : empty;
    src.size = size;
    g->kind = LLML__GGUF_SRC_MEMORY;
    g->base = src.mem;
    return llml__gguf_finish_open(g, &src, out, err);
}

LLML_API llml_result llml_gguf_open_callback(llml_read_fn read, void *user, uint64_t size, const llml_gguf_desc *desc,
                                             llml_gguf **out, llml_error *err) {
    llml__gguf_src src;
    llml_gguf *g;
    llml_result r;
    if (out) *out = NULL;
    if (!out || !read) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_gguf_open_callback: NULL argument");
        return LLML_ERR_INVALID_ARG;
    }
    r = llml__gguf_new(desc, &g, err);
    if (r != LLML_OK) return r;
    memset(&src, 0, sizeof(src));
    src.fn = read;
    src.user = user;
    src.size = size;
    src.win_cap = LLML__GGUF_WINDOW;
    src.win = (unsigned char *)llml__alloc(g->a, src.win_cap, 16);
    if (!src.win) {
        llml_gguf_close(g);
        llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory");
        return LLML_ERR_OUT_OF_MEMORY;
    }
    g->kind = LLML__GGUF_SRC_CALLBACK;
    g->read = read;
    g->user = user;
    {
        /* g may be gone after a failed parse: keep a copy of its allocator */
        llml_allocator acopy = g->alloc;
        const llml_allocator *a = g->a ? &acopy : NULL;
        r = llml__gguf_finish_open(g, &src, out, err);
        llml__free(a, src.win, src.win_cap);
    }
    return r;
}

LLML_API llml_result llml_gguf_open_file(const char *path, const llml_gguf_desc *desc, llml_gguf **out, llml_error *err) {
    llml__gguf_file f;
    llml__gguf_src src;
    llml_gguf *g;
    uint64_t size = 0;
    llml_result r;
    int header_only = desc && desc->header_only;
    int no_mmap = desc && desc->no_mmap;
    if (out) *out = NULL;
    if (!out || !path) {
        llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "llml_gguf_open_file: NULL argument");
        return LLML_ERR_INVALID_ARG;
    }
    r = llml__gguf_new(desc, &g, err);
    if (r != LLML_OK) return r;
    r = llml__gguf_fopen(&f, path, &size, err);
    if (r != LLML_OK) { llml_gguf_close(g); return r; }
    memset(&src, 0, sizeof(src));
    src.size = size;
    if (header_only) {
        /* parse through small reads; tensor data is read later by reopening */
        llml_allocator acopy = g->alloc;
        const llml_allocator *a = g->a ? &acopy : NULL;
        size_t plen = strlen(path) + 1;
        g->kind = LLML__GGUF_SRC_PATH;
        g->path = (char *)llml__alloc(g->a, plen, 1);
        g->path_size = plen;   /* before any failure: close frees it with this size */
        src.win_cap = LLML__GGUF_WINDOW;
        src.win = (unsigned char *)llml__alloc(g->a, src.win_cap, 16);
        if (!g->path || !src.win) {
            llml__free(g->a, src.win, src.win_cap);
            llml__gguf_fclose(&f);
            llml_gguf_close(g);
            llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory");
            return LLML_ERR_OUT_OF_MEMORY;
        }
        memcpy(g->path, path, plen);
        src.fn = llml__gguf_file_cb;
        src.user = &f;
        r = llml__gguf_finish_open(g, &src, out, err);
        llml__free(a, src.win, src.win_cap);
        llml__gguf_fclose(&f);
        return r;
    }
    if (!no_mmap && llml__gguf_map(&f, size, &g->map)) {
        g->kind = LLML__GGUF_SRC_MAP;
        g->map_size = (size_t)size;
        src.mem = (const unsigned char *)g->map;
#if defined(LLML__GGUF_POSIX)
        g->map_fd = f.fd;         /* the handle owns the descriptor now */
        g->map_fd_open = 1;
        f.open = 0;
#endif
    } else {
        if (size >= (uint64_t)SIZE_MAX) {
            llml__gguf_fclose(&f);
            llml_gguf_close(g);
            llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX, "'%s' (%llu bytes) does not fit in memory: open it header_only",
                            path, (unsigned long long)size);
            return LLML_ERR_UNSUPPORTED;
        }
        g->kind = LLML__GGUF_SRC_BUFFER;
        g->owned_size = (size_t)size ? (size_t)size : 1;
        g->owned = llml__alloc(g->a, g->owned_size, 64);
        if (!g->owned) {
            llml__gguf_fclose(&f);
            llml_gguf_close(g);
            llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "no memory to read '%s' (%llu bytes)", path,
                            (unsigned long long)size);
            return LLML_ERR_OUT_OF_MEMORY;
        }
        if (llml__gguf_fread_at(&f, 0, g->owned, (size_t)size) != (size_t)size) {
            llml__gguf_fclose(&f);
            llml_gguf_close(g);
            llml__set_error(err, LLML_ERR_IO, UINT64_MAX, "reading '%s' failed", path);
            return LLML_ERR_IO;
        }
        src.mem = (const unsigned char *)g->owned;
    }
    llml__gguf_fclose(&f);
    g->base = src.mem;
    return llml__gguf_finish_open(g, &src, out, err);
}

LLML_API void llml_gguf_close(llml_gguf *g) {
    llml_allocator acopy;
    const llml_allocator *a;
    llml__gguf_block *b;
    if (!g) return;
    acopy = g->alloc;
    a = g->a ? &acopy : NULL;
    if (g->kv) llml__free(a, g->kv, (size_t)(g->cap_kv * sizeof(llml__gguf_kv)));
    if (g->ts) llml__free(a, g->ts, (size_t)(g->cap_t * sizeof(llml__gguf_tensor)));
    if (g->hkv.slot) llml__free(a, g->hkv.slot, (size_t)(g->hkv.cap * sizeof(uint64_t)));
    if (g->ht.slot) llml__free(a, g->ht.slot, (size_t)(g->ht.cap * sizeof(uint64_t)));
    b = g->arena;
    while (b) {
        llml__gguf_block *next = b->next;
        llml__free(a, b, sizeof(llml__gguf_block) + b->size);
        b = next;
    }
    if (g->owned) llml__free(a, g->owned, g->owned_size);
    if (g->map) llml__gguf_unmap(g->map, g->map_size);
#if defined(LLML__GGUF_POSIX)
    if (g->map_fd_open) close(g->map_fd);
#endif
    if (g->path) llml__free(a, g->path, g->path_size);
    llml__free(a, g, sizeof(llml_gguf));
}

/* For users of a mapped file's bytes (models): LLML_ERR_IO when the file is
   now shorter than the map, so that touching the lost pages would raise
   SIGBUS (POSIX). Costs one fstat. Windows refuses to shorten a mapped
   file, and other sources own their bytes: LLML_OK. */
LLML__UNUSED static llml_result llml__gguf_check_map(const llml_gguf *g) {
#if defined(LLML__GGUF_POSIX)
    struct stat st;
    if (g && g->map_fd_open && (fstat(g->map_fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size < (uint64_t)g->map_size))
        return LLML_ERR_IO;
#else
    (void)g;
#endif
    return LLML_OK;
}

LLML_API uint32_t llml_gguf_version(const llml_gguf *g) { return g ? g->version : 0; }
LLML_API uint32_t llml_gguf_alignment(const llml_gguf *g) { return g ? g->alignment : 0; }
LLML_API uint64_t llml_gguf_data_offset(const llml_gguf *g) { return g ? g->data_offset : 0; }
LLML_API uint64_t llml_gguf_file_size(const llml_gguf *g) { return g ? g->file_size : 0; }
LLML_API int64_t llml_gguf_n_kv(const llml_gguf *g) { return g ? (int64_t)g->n_kv : 0; }

LLML_API int64_t llml_gguf_find_key(const llml_gguf *g, const char *key) {
    if (!g || !key) return -1;
    return llml__gguf_hfind(g, 0, key, strlen(key));
}

static const llml__gguf_kv *llml__gguf_kv_at(const llml_gguf *g, int64_t i) {
    if (!g || i < 0 || (uint64_t)i >= g->n_kv) return NULL;
    return &g->kv[i];
}

LLML_API const char *llml_gguf_key(const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    return kv ? kv->key : NULL;
}

/* LLML_GGUF_VTYPE_COUNT for an index out of range. */
LLML_API llml_gguf_vtype llml_gguf_kv_type(const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    return kv ? kv->type : LLML_GGUF_VTYPE_COUNT;
}

/* LLML_GGUF_VTYPE_COUNT when kv i is not an array. */
LLML_API llml_gguf_vtype llml_gguf_arr_type(const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    return kv && kv->type == LLML_GGUF_ARRAY ? kv->elem : LLML_GGUF_VTYPE_COUNT;
}

/* 0 when kv i is not an array. */
LLML_API uint64_t llml_gguf_arr_len(const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    return kv && kv->type == LLML_GGUF_ARRAY ? kv->n : 0;
}

LLML_API const void *llml_gguf_arr_data(const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    if (!kv || kv->type != LLML_GGUF_ARRAY || kv->elem == LLML_GGUF_STRING) return NULL;
    return kv->data;
}

LLML_API const char *llml_gguf_arr_str(const llml_gguf *g, int64_t i, uint64_t j) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    if (!kv || kv->type != LLML_GGUF_ARRAY || kv->elem != LLML_GGUF_STRING || j >= kv->n) return NULL;
    return ((const llml__gguf_str *)kv->data)[j].s;
}

LLML_API uint64_t llml_gguf_arr_str_len(const llml_gguf *g, int64_t i, uint64_t j) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    if (!kv || kv->type != LLML_GGUF_ARRAY || kv->elem != LLML_GGUF_STRING || j >= kv->n) return 0;
    return ((const llml__gguf_str *)kv->data)[j].len;
}

LLML_API const void *llml_gguf_kv_data(const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    return kv && kv->type != LLML_GGUF_ARRAY ? kv->data : NULL;
}

static llml_result llml__gguf_lookup(const llml_gguf *g, const char *key, const void *out, const llml__gguf_kv **kv) {
    int64_t i;
    if (!g || !key || !out) return LLML_ERR_INVALID_ARG;
    i = llml__gguf_hfind(g, 0, key, strlen(key));
    if (i < 0) return LLML_ERR_NOT_FOUND;
    *kv = &g->kv[i];
    return LLML_OK;
}

static llml_result llml__gguf_get_scalar(const llml_gguf *g, const char *key, llml_gguf_vtype t, void *out) {
    const llml__gguf_kv *kv = NULL;
    llml_result r = llml__gguf_lookup(g, key, out, &kv);
    if (r != LLML_OK) return r;
    if (kv->type != t) return LLML_ERR_TYPE_MISMATCH;
    memcpy(out, kv->data, llml__gguf_vtype_size((uint32_t)t));
    return LLML_OK;
}

LLML_API llml_result llml_gguf_get_u8(const llml_gguf *g, const char *key, uint8_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_UINT8, out); }
LLML_API llml_result llml_gguf_get_i8(const llml_gguf *g, const char *key, int8_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_INT8, out); }
LLML_API llml_result llml_gguf_get_u16(const llml_gguf *g, const char *key, uint16_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_UINT16, out); }
LLML_API llml_result llml_gguf_get_i16(const llml_gguf *g, const char *key, int16_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_INT16, out); }
LLML_API llml_result llml_gguf_get_u32(const llml_gguf *g, const char *key, uint32_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_UINT32, out); }
LLML_API llml_result llml_gguf_get_i32(const llml_gguf *g, const char *key, int32_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_INT32, out); }
LLML_API llml_result llml_gguf_get_u64(const llml_gguf *g, const char *key, uint64_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_UINT64, out); }
LLML_API llml_result llml_gguf_get_i64(const llml_gguf *g, const char *key, int64_t *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_INT64, out); }
LLML_API llml_result llml_gguf_get_f32(const llml_gguf *g, const char *key, float *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_FLOAT32, out); }
LLML_API llml_result llml_gguf_get_f64(const llml_gguf *g, const char *key, double *out) { return llml__gguf_get_scalar(g, key, LLML_GGUF_FLOAT64, out); }

LLML_API llml_result llml_gguf_get_bool(const llml_gguf *g, const char *key, int *out) {
    uint8_t b;
    llml_result r = llml__gguf_get_scalar(g, key, LLML_GGUF_BOOL, out ? &b : NULL);
    if (r == LLML_OK) *out = b != 0;
    return r;
}

LLML_API llml_result llml_gguf_get_str(const llml_gguf *g, const char *key, const char **out) {
    const llml__gguf_kv *kv = NULL;
    llml_result r = llml__gguf_lookup(g, key, out, &kv);
    if (r != LLML_OK) return r;
    if (kv->type != LLML_GGUF_STRING) return LLML_ERR_TYPE_MISMATCH;
    *out = (const char *)kv->data;
    return LLML_OK;
}

LLML_API llml_result llml_gguf_get_int(const llml_gguf *g, const char *key, int64_t *out) {
    const llml__gguf_kv *kv = NULL;
    llml_result r = llml__gguf_lookup(g, key, out, &kv);
    const void *d;
    if (r != LLML_OK) return r;
    d = kv->data;
    switch (kv->type) {
    case LLML_GGUF_UINT8: { uint8_t v; memcpy(&v, d, 1); *out = v; return LLML_OK; }
    case LLML_GGUF_INT8: { int8_t v; memcpy(&v, d, 1); *out = v; return LLML_OK; }
    case LLML_GGUF_UINT16: { uint16_t v; memcpy(&v, d, 2); *out = v; return LLML_OK; }
    case LLML_GGUF_INT16: { int16_t v; memcpy(&v, d, 2); *out = v; return LLML_OK; }
    case LLML_GGUF_UINT32: { uint32_t v; memcpy(&v, d, 4); *out = v; return LLML_OK; }
    case LLML_GGUF_INT32: { int32_t v; memcpy(&v, d, 4); *out = v; return LLML_OK; }
    case LLML_GGUF_INT64: { int64_t v; memcpy(&v, d, 8); *out = v; return LLML_OK; }
    case LLML_GGUF_UINT64: {
        uint64_t v;
        memcpy(&v, d, 8);
        if (v > (uint64_t)INT64_MAX) return LLML_ERR_TYPE_MISMATCH;
        *out = (int64_t)v;
        return LLML_OK;
    }
    default: return LLML_ERR_TYPE_MISMATCH;
    }
}

LLML_API llml_result llml_gguf_get_float(const llml_gguf *g, const char *key, double *out) {
    const llml__gguf_kv *kv = NULL;
    llml_result r = llml__gguf_lookup(g, key, out, &kv);
    if (r != LLML_OK) return r;
    if (kv->type == LLML_GGUF_FLOAT32) { float v; memcpy(&v, kv->data, 4); *out = (double)v; return LLML_OK; }
    if (kv->type == LLML_GGUF_FLOAT64) { memcpy(out, kv->data, 8); return LLML_OK; }
    return LLML_ERR_TYPE_MISMATCH;
}

/* Any of elem_type, len, index may be NULL. */
LLML_API llml_result llml_gguf_get_arr(const llml_gguf *g, const char *key, llml_gguf_vtype *elem_type, uint64_t *len,
                                       int64_t *index) {
    int64_t i;
    if (!g || !key) return LLML_ERR_INVALID_ARG;
    i = llml__gguf_hfind(g, 0, key, strlen(key));
    if (i < 0) return LLML_ERR_NOT_FOUND;
    if (g->kv[i].type != LLML_GGUF_ARRAY) return LLML_ERR_TYPE_MISMATCH;
    if (elem_type) *elem_type = g->kv[i].elem;
    if (len) *len = g->kv[i].n;
    if (index) *index = i;
    return LLML_OK;
}

LLML_API int64_t llml_gguf_n_tensors(const llml_gguf *g) { return g ? (int64_t)g->n_t : 0; }

LLML_API const llml_gguf_tensor *llml_gguf_tensor_at(const llml_gguf *g, int64_t i) {
    if (!g || i < 0 || (uint64_t)i >= g->n_t) return NULL;
    return &g->ts[i].t;
}

LLML_API int64_t llml_gguf_find_tensor(const llml_gguf *g, const char *name) {
    if (!g || !name) return -1;
    return llml__gguf_hfind(g, 1, name, strlen(name));
}

LLML_API llml_result llml_gguf_read_tensor(const llml_gguf *g, int64_t i, void *dst, size_t cap) {
    const llml_gguf_tensor *t = llml_gguf_tensor_at(g, i);
    uint64_t off;
    if (!t || !dst || t->size > (uint64_t)cap) return LLML_ERR_INVALID_ARG;
    off = g->data_offset + t->offset;
    if (t->data) {
        memcpy(dst, t->data, (size_t)t->size);
        return LLML_OK;
    }
    if (g->kind == LLML__GGUF_SRC_CALLBACK) {
        llml__gguf_src s;
        memset(&s, 0, sizeof(s));
        s.fn = g->read;
        s.user = g->user;
        s.size = g->file_size;
        return llml__gguf_src_pull(&s, off, (unsigned char *)dst, (size_t)t->size) == (size_t)t->size ? LLML_OK : LLML_ERR_IO;
    }
    if (g->kind == LLML__GGUF_SRC_PATH) {
        /* a fresh open per call keeps concurrent readers independent */
        llml__gguf_file f;
        uint64_t size;
        size_t got;
        if (llml__gguf_fopen(&f, g->path, &size, NULL) != LLML_OK) return LLML_ERR_IO;
        got = size >= off + t->size ? llml__gguf_fread_at(&f, off, dst, (size_t)t->size) : 0;
        llml__gguf_fclose(&f);
        return got == (size_t)t->size ? LLML_OK : LLML_ERR_IO;
    }
    return LLML_ERR_IO;
}

/* ---- the writer ------------------------------------------------------------ */

typedef struct llml__gguf_wkv {
    char *key;
    size_t key_len;
    llml_gguf_vtype type;
    unsigned char *val;     /* the value as stored after the type tag */
    size_t val_size;
} llml__gguf_wkv;

typedef struct llml__gguf_wt {
    char *name;
    size_t name_len;
    llml_type type;
    uint32_t n_dims;
    int64_t ne[4];
    const void *data;
    uint64_t size;
} llml__gguf_wt;

enum { LLML__GGUF_W_IDLE = 0, LLML__GGUF_W_STREAM = 1, LLML__GGUF_W_FAILED = 2 };

struct llml_gguf_writer {
    llml_allocator alloc;
    const llml_allocator *a;
    llml__gguf_wkv *kv;
    uint64_t n_kv, cap_kv;
    llml__gguf_wt *t;
    uint64_t n_t, cap_t;
    int state;
    llml_write_fn fn;
    void *user;
    FILE *file;               /* begin_file / write_file */
    uint64_t cur, cur_done;   /* streaming: tensor being written, bytes so far */
    uint64_t written, total;
    uint32_t alignment;
    unsigned char *buf;       /* output buffer of LLML__GGUF_WINDOW bytes */
    size_t buf_len;
};

LLML_API llml_result llml_gguf_writer_create(const llml_allocator *allocator, llml_gguf_writer **out) {
    llml_gguf_writer *w;
    if (!out) return LLML_ERR_INVALID_ARG;
    *out = NULL;
    if (allocator && !allocator->alloc) allocator = NULL;
    w = (llml_gguf_writer *)llml__calloc(allocator, sizeof(llml_gguf_writer));
    if (!w) return LLML_ERR_OUT_OF_MEMORY;
    if (allocator) { w->alloc = *allocator; w->a = &w->alloc; }
    w->alignment = LLML__GGUF_DEFAULT_ALIGNMENT;
    *out = w;
    return LLML_OK;
}

static void llml__gguf_w_end(llml_gguf_writer *w) {
    if (w->file) { fclose(w->file); w->file = NULL; }
    if (w->buf) { llml__free(w->a, w->buf, LLML__GGUF_WINDOW); w->buf = NULL; }
    w->buf_len = 0;
    w->state = LLML__GGUF_W_IDLE;
}

LLML_API void llml_gguf_writer_free(llml_gguf_writer *w) {
    llml_allocator acopy;
    const llml_allocator *a;
    uint64_t i;
    if (!w) return;
    llml__gguf_w_end(w);
    acopy = w->alloc;
    a = w->a ? &acopy : NULL;
    for (i = 0; i < w->n_kv; i++) {
        llml__free(a, w->kv[i].key, w->kv[i].key_len + 1);
        llml__free(a, w->kv[i].val, w->kv[i].val_size);
    }
    for (i = 0; i < w->n_t; i++) llml__free(a, w->t[i].name, w->t[i].name_len + 1);
    if (w->kv) llml__free(a, w->kv, (size_t)(w->cap_kv * sizeof(llml__gguf_wkv)));
    if (w->t) llml__free(a, w->t, (size_t)(w->cap_t * sizeof(llml__gguf_wt)));
    llml__free(a, w, sizeof(llml_gguf_writer));
}

static int64_t llml__gguf_w_find(const llml_gguf_writer *w, const char *key) {
    uint64_t i;
    for (i = 0; i < w->n_kv; i++)
        if (strcmp(w->kv[i].key, key) == 0) return (int64_t)i;
    return -1;
}

static llml_result llml__gguf_w_check_key(const llml_gguf_writer *w, const char *key) {
    size_t n;
    if (!w || !key || !*key) return LLML_ERR_INVALID_ARG;
    if (w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    n = strlen(key);
    if (llml__gguf_utf8_bad((const unsigned char *)key, n) < n) return LLML_ERR_BAD_UTF8;
    return LLML_OK;
}

/* Store key = value; `val` (val_size bytes from w's allocator) is taken over
   in every case. */
static llml_result llml__gguf_w_put(llml_gguf_writer *w, const char *key, llml_gguf_vtype type, unsigned char *val, size_t val_size) {
    int64_t i;
    llml_result r = llml__gguf_w_check_key(w, key);
    if (r == LLML_OK && strcmp(key, "general.alignment") == 0) {
        if (type != LLML_GGUF_UINT32 || !llml__gguf_pow2(llml__rd32(val))) r = LLML_ERR_BAD_ALIGNMENT;
    }
    if (r != LLML_OK) { llml__free(w ? w->a : NULL, val, val_size); return r; }
    i = llml__gguf_w_find(w, key);
    if (i >= 0) {
        llml__free(w->a, w->kv[i].val, w->kv[i].val_size);
    } else {
        size_t n = strlen(key);
        char *k;
        r = llml__gguf_grow(w->a, (void **)&w->kv, &w->cap_kv, w->n_kv + 1, sizeof(llml__gguf_wkv));
        k = r == LLML_OK ? (char *)llml__alloc(w->a, n + 1, 1) : NULL;
        if (!k) { llml__free(w->a, val, val_size); return LLML_ERR_OUT_OF_MEMORY; }
        memcpy(k, key, n + 1);
        i = (int64_t)w->n_kv++;
        w->kv[i].key = k;
        w->kv[i].key_len = n;
    }
    w->kv[i].type = type;
    w->kv[i].val = val;
    w->kv[i].val_size = val_size;
    return LLML_OK;
}

static llml_result llml__gguf_w_scalar(llml_gguf_writer *w, const char *key, llml_gguf_vtype t, const void *v) {
    size_t es = llml__gguf_vtype_size((uint32_t)t);
    unsigned char *val;
    llml_result r = llml__gguf_w_check_key(w, key);
    if (r != LLML_OK) return r;
    val = (unsigned char *)llml__alloc(w->a, es, 8);
    if (!val) return LLML_ERR_OUT_OF_MEMORY;
    llml__gguf_le_copy(val, v, 1, es);
    if (t == LLML_GGUF_BOOL) val[0] = val[0] != 0;
    return llml__gguf_w_put(w, key, t, val, es);
}

LLML_API llml_result llml_gguf_writer_set_u8(llml_gguf_writer *w, const char *key, uint8_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_UINT8, &v); }
LLML_API llml_result llml_gguf_writer_set_i8(llml_gguf_writer *w, const char *key, int8_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_INT8, &v); }
LLML_API llml_result llml_gguf_writer_set_u16(llml_gguf_writer *w, const char *key, uint16_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_UINT16, &v); }
LLML_API llml_result llml_gguf_writer_set_i16(llml_gguf_writer *w, const char *key, int16_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_INT16, &v); }
LLML_API llml_result llml_gguf_writer_set_u32(llml_gguf_writer *w, const char *key, uint32_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_UINT32, &v); }
LLML_API llml_result llml_gguf_writer_set_i32(llml_gguf_writer *w, const char *key, int32_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_INT32, &v); }
LLML_API llml_result llml_gguf_writer_set_u64(llml_gguf_writer *w, const char *key, uint64_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_UINT64, &v); }
LLML_API llml_result llml_gguf_writer_set_i64(llml_gguf_writer *w, const char *key, int64_t v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_INT64, &v); }
LLML_API llml_result llml_gguf_writer_set_f32(llml_gguf_writer *w, const char *key, float v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_FLOAT32, &v); }
LLML_API llml_result llml_gguf_writer_set_f64(llml_gguf_writer *w, const char *key, double v) { return llml__gguf_w_scalar(w, key, LLML_GGUF_FLOAT64, &v); }

LLML_API llml_result llml_gguf_writer_set_bool(llml_gguf_writer *w, const char *key, int v) {
    uint8_t b = (uint8_t)(v != 0);
    return llml__gguf_w_scalar(w, key, LLML_GGUF_BOOL, &b);
}

static llml_result llml__gguf_w_str(llml_gguf_writer *w, const char *key, const char *s, uint64_t n) {
    unsigned char *val;
    llml_result r = llml__gguf_w_check_key(w, key);
    if (r != LLML_OK) return r;
    if (!s && n) return LLML_ERR_INVALID_ARG;
    if (n > (uint64_t)(SIZE_MAX - 8)) return LLML_ERR_OUT_OF_MEMORY;
    val = (unsigned char *)llml__alloc(w->a, (size_t)n + 8, 8);
    if (!val) return LLML_ERR_OUT_OF_MEMORY;
    llml__gguf_wr64(val, n);
    if (n) memcpy(val + 8, s, (size_t)n);
    return llml__gguf_w_put(w, key, LLML_GGUF_STRING, val, (size_t)n + 8);
}

LLML_API llml_result llml_gguf_writer_set_str(llml_gguf_writer *w, const char *key, const char *v) {
    if (!v) return LLML_ERR_INVALID_ARG;
    return llml__gguf_w_str(w, key, v, strlen(v));
}

LLML_API llml_result llml_gguf_writer_set_arr(llml_gguf_writer *w, const char *key, llml_gguf_vtype elem_type, const void *data,
                                              uint64_t n) {
    size_t es = llml__gguf_vtype_size((uint32_t)elem_type), sz;
    unsigned char *val;
    uint64_t i;
    llml_result r = llml__gguf_w_check_key(w, key);
    if (r != LLML_OK) return r;
    if (es == 0 || (!data && n)) return LLML_ERR_INVALID_ARG;
    if (n > (uint64_t)((SIZE_MAX - 12) / es)) return LLML_ERR_OUT_OF_MEMORY;
    sz = 12 + (size_t)n * es;
    val = (unsigned char *)llml__alloc(w->a, sz, 8);
    if (!val) return LLML_ERR_OUT_OF_MEMORY;
    llml__wr32(val, (uint32_t)elem_type);
    llml__gguf_wr64(val + 4, n);
    llml__gguf_le_copy(val + 12, data, n, es);
    if (elem_type == LLML_GGUF_BOOL)
        for (i = 0; i < n; i++) val[12 + i] = val[12 + i] != 0;
    return llml__gguf_w_put(w, key, LLML_GGUF_ARRAY, val, sz);
}

/* String array from either (strs, lens) or (pairs). */
static llml_result llml__gguf_w_arr_str(llml_gguf_writer *w, const char *key, const char *const *strs, const uint64_t *lens,
                                        const llml__gguf_str *pairs, uint64_t n) {
    uint64_t i, total = 12;
    unsigned char *val, *p;
    llml_result r = llml__gguf_w_check_key(w, key);
    if (r != LLML_OK) return r;
    if (!pairs && !strs && n) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < n; i++) {
        const char *s = pairs ? pairs[i].s : strs[i];
        uint64_t len = pairs ? pairs[i].len : lens ? lens[i] : (s ? strlen(s) : 0);
        if (!s && len) return LLML_ERR_INVALID_ARG;
        if (len > UINT64_MAX - 8 || total > UINT64_MAX - 8 - len) return LLML_ERR_OUT_OF_MEMORY;
        total += 8 + len;
    }
    if (total > (uint64_t)SIZE_MAX) return LLML_ERR_OUT_OF_MEMORY;
    val = (unsigned char *)llml__alloc(w->a, (size_t)total, 8);
    if (!val) return LLML_ERR_OUT_OF_MEMORY;
    llml__wr32(val, (uint32_t)LLML_GGUF_STRING);
    llml__gguf_wr64(val + 4, n);
    p = val + 12;
    for (i = 0; i < n; i++) {
        const char *s = pairs ? pairs[i].s : strs[i];
        uint64_t len = pairs ? pairs[i].len : lens ? lens[i] : (s ? strlen(s) : 0);
        llml__gguf_wr64(p, len);
        if (len) memcpy(p + 8, s, (size_t)len);
        p += 8 + len;
    }
    return llml__gguf_w_put(w, key, LLML_GGUF_ARRAY, val, (size_t)total);
}

LLML_API llml_result llml_gguf_writer_set_arr_str(llml_gguf_writer *w, const char *key, const char *const *strs,
                                                  const uint64_t *lens, uint64_t n) {
    return llml__gguf_w_arr_str(w, key, strs, lens, NULL, n);
}

LLML_API llml_result llml_gguf_writer_copy_kv(llml_gguf_writer *w, const llml_gguf *g, int64_t i) {
    const llml__gguf_kv *kv = llml__gguf_kv_at(g, i);
    if (!w || !kv) return LLML_ERR_INVALID_ARG;
    if (kv->type == LLML_GGUF_STRING) return llml__gguf_w_str(w, kv->key, (const char *)kv->data, kv->str_len);
    if (kv->type != LLML_GGUF_ARRAY) return llml__gguf_w_scalar(w, kv->key, kv->type, kv->data);
    if (kv->elem == LLML_GGUF_STRING)
        return llml__gguf_w_arr_str(w, kv->key, NULL, NULL, (const llml__gguf_str *)kv->data, kv->n);
    return llml_gguf_writer_set_arr(w, kv->key, kv->elem, kv->data, kv->n);
}

LLML_API llml_result llml_gguf_writer_remove_key(llml_gguf_writer *w, const char *key) {
    int64_t i;
    if (!w || !key || w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    i = llml__gguf_w_find(w, key);
    if (i < 0) return LLML_ERR_NOT_FOUND;
    llml__free(w->a, w->kv[i].key, w->kv[i].key_len + 1);
    llml__free(w->a, w->kv[i].val, w->kv[i].val_size);
    memmove(&w->kv[i], &w->kv[i + 1], (size_t)(w->n_kv - (uint64_t)i - 1) * sizeof(llml__gguf_wkv));
    w->n_kv--;
    return LLML_OK;
}

LLML_API llml_result llml_gguf_writer_add_tensor(llml_gguf_writer *w, const char *name, llml_type type, uint32_t n_dims,
                                                 const int64_t *ne, const void *data, uint64_t size) {
    const llml_type_info *info;
    uint64_t i, nel = 1, nrows = 1, bytes;
    size_t n;
    llml__gguf_wt *t;
    llml_result r;
    if (!w || !name || !ne || w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    n = strlen(name);
    if (n >= LLML__GGUF_MAX_NAME) return LLML_ERR_INVALID_ARG;
    if (llml__gguf_utf8_bad((const unsigned char *)name, n) < n) return LLML_ERR_BAD_UTF8;
    for (i = 0; i < w->n_t; i++)
        if (strcmp(w->t[i].name, name) == 0) return LLML_ERR_DUPLICATE;
    info = (unsigned)type < (unsigned)LLML_TYPE_COUNT ? llml_type_get_info(type) : NULL;
    if (!info) return LLML_ERR_UNSUPPORTED_TYPE;
    if (n_dims < 1 || n_dims > 4) return LLML_ERR_BAD_SHAPE;
    for (i = 0; i < n_dims; i++) {
        if (ne[i] <= 0 || nel > (uint64_t)INT64_MAX / (uint64_t)ne[i]) return LLML_ERR_BAD_SHAPE;
        nel *= (uint64_t)ne[i];
        if (i > 0) nrows *= (uint64_t)ne[i];
    }
    if (ne[0] % info->block_size != 0) return LLML_ERR_BAD_SHAPE;
    if (!llml__mul_u64((uint64_t)(ne[0] / info->block_size), (uint64_t)info->type_size, &bytes) ||
        !llml__mul_u64(bytes, nrows, &bytes)) return LLML_ERR_BAD_SHAPE;   /* row bytes may wrap too */
    if (size != bytes) return LLML_ERR_INVALID_ARG;
    r = llml__gguf_grow(w->a, (void **)&w->t, &w->cap_t, w->n_t + 1, sizeof(llml__gguf_wt));
    if (r != LLML_OK) return r;
    t = &w->t[w->n_t];
    memset(t, 0, sizeof(*t));
    t->name = (char *)llml__alloc(w->a, n + 1, 1);
    if (!t->name) return LLML_ERR_OUT_OF_MEMORY;
    memcpy(t->name, name, n + 1);
    t->name_len = n;
    t->type = type;
    t->n_dims = n_dims;
    for (i = 0; i < 4; i++) t->ne[i] = i < n_dims ? ne[i] : 1;
    t->data = data;
    t->size = size;
    w->n_t++;
    return LLML_OK;
}

static uint32_t llml__gguf_w_alignment(const llml_gguf_writer *w) {
    int64_t i = llml__gguf_w_find(w, "general.alignment");
    if (i >= 0 && w->kv[i].type == LLML_GGUF_UINT32) return llml__rd32(w->kv[i].val);
    return LLML__GGUF_DEFAULT_ALIGNMENT;
}

/* Size of header + metadata + tensor infos, start of data and total size.
   Returns 0 on overflow. */
static int llml__gguf_w_layout(const llml_gguf_writer *w, uint64_t *meta, uint64_t *data_off, uint64_t *total) {
    uint64_t i, m = 24, al = llml__gguf_w_alignment(w), pos;
    int ok = 1;
    for (i = 0; i < w->n_kv; i++) m += 8 + w->kv[i].key_len + 4 + w->kv[i].val_size;
    for (i = 0; i < w->n_t; i++) m += 8 + w->t[i].name_len + 4 + 8 * (uint64_t)w->t[i].n_dims + 4 + 8;
    *meta = m;
    pos = llml__gguf_align_up(m, al, &ok); /* the reference pads even without tensors */
    *data_off = pos;
    for (i = 0; i < w->n_t && ok; i++) {
        if (w->t[i].size > UINT64_MAX - pos) return 0;
        pos = llml__gguf_align_up(pos + w->t[i].size, al, &ok);
    }
    *total = pos;
    return ok;
}

LLML_API uint64_t llml_gguf_writer_file_size(const llml_gguf_writer *w) {
    uint64_t m, d, t;
    if (!w || !llml__gguf_w_layout(w, &m, &d, &t)) return 0;
    return t;
}

static llml_result llml__gguf_w_flush(llml_gguf_writer *w) {
    if (w->buf_len && w->fn(w->user, w->buf, w->buf_len) != w->buf_len) {
        w->state = LLML__GGUF_W_FAILED;
        return LLML_ERR_IO;
    }
    w->buf_len = 0;
    return LLML_OK;
}

static llml_result llml__gguf_w_out(llml_gguf_writer *w, const void *p, uint64_t n) {
    const unsigned char *s = (const unsigned char *)p;
    if (w->state != LLML__GGUF_W_STREAM) return LLML_ERR_IO;
    w->written += n;
    if (n <= (uint64_t)(LLML__GGUF_WINDOW - w->buf_len)) {
        if (n) memcpy(w->buf + w->buf_len, s, (size_t)n);
        w->buf_len += (size_t)n;
        return LLML_OK;
    }
    if (llml__gguf_w_flush(w) != LLML_OK) return LLML_ERR_IO;
    if (n < LLML__GGUF_WINDOW) {
        memcpy(w->buf, s, (size_t)n);
        w->buf_len = (size_t)n;
        return LLML_OK;
    }
    while (n) {
        size_t chunk = n > ((uint64_t)1 << 30) ? ((size_t)1 << 30) : (size_t)n;
        if (w->fn(w->user, s, chunk) != chunk) { w->state = LLML__GGUF_W_FAILED; return LLML_ERR_IO; }
        s += chunk;
        n -= chunk;
    }
    return LLML_OK;
}

static llml_result llml__gguf_w_pad(llml_gguf_writer *w) {
    static const unsigned char zeros[64] = {0};
    uint64_t rem = w->written % w->alignment, n = rem ? w->alignment - rem : 0;
    while (n) {
        uint64_t c = n < 64 ? n : 64;
        if (llml__gguf_w_out(w, zeros, c) != LLML_OK) return LLML_ERR_IO;
        n -= c;
    }
    return LLML_OK;
}

static llml_result llml__gguf_w_u32(llml_gguf_writer *w, uint32_t v) {
    unsigned char b[4];
    llml__wr32(b, v);
    return llml__gguf_w_out(w, b, 4);
}

static llml_result llml__gguf_w_u64(llml_gguf_writer *w, uint64_t v) {
    unsigned char b[8];
    llml__gguf_wr64(b, v);
    return llml__gguf_w_out(w, b, 8);
}

static llml_result llml__gguf_w_header(llml_gguf_writer *w) {
    uint64_t i, off = 0;
    uint32_t d;
    int ok = 1;
    llml_result r = llml__gguf_w_out(w, "GGUF", 4);
    if (r == LLML_OK) r = llml__gguf_w_u32(w, 3);
    if (r == LLML_OK) r = llml__gguf_w_u64(w, w->n_t);
    if (r == LLML_OK) r = llml__gguf_w_u64(w, w->n_kv);
    for (i = 0; i < w->n_kv && r == LLML_OK; i++) {
        const llml__gguf_wkv *kv = &w->kv[i];
        r = llml__gguf_w_u64(w, kv->key_len);
        if (r == LLML_OK) r = llml__gguf_w_out(w, kv->key, kv->key_len);
        if (r == LLML_OK) r = llml__gguf_w_u32(w, (uint32_t)kv->type);
        if (r == LLML_OK) r = llml__gguf_w_out(w, kv->val, kv->val_size);
    }
    for (i = 0; i < w->n_t && r == LLML_OK; i++) {
        const llml__gguf_wt *t = &w->t[i];
        r = llml__gguf_w_u64(w, t->name_len);
        if (r == LLML_OK) r = llml__gguf_w_out(w, t->name, t->name_len);
        if (r == LLML_OK) r = llml__gguf_w_u32(w, t->n_dims);
        for (d = 0; d < t->n_dims && r == LLML_OK; d++) r = llml__gguf_w_u64(w, (uint64_t)t->ne[d]);
        if (r == LLML_OK) r = llml__gguf_w_u32(w, (uint32_t)t->type);
        if (r == LLML_OK) r = llml__gguf_w_u64(w, off);
        off = llml__gguf_align_up(off + t->size, w->alignment, &ok);
    }
    if (r == LLML_OK) r = llml__gguf_w_pad(w);
    return r;
}

/* Write the data of every following tensor that was given up front. */
static llml_result llml__gguf_w_advance(llml_gguf_writer *w) {
    while (w->cur < w->n_t && w->t[w->cur].data && w->cur_done == 0) {
        llml_result r = llml__gguf_w_out(w, w->t[w->cur].data, w->t[w->cur].size);
        if (r == LLML_OK) r = llml__gguf_w_pad(w);
        if (r != LLML_OK) return r;
        w->cur++;
    }
    return LLML_OK;
}

LLML_API llml_result llml_gguf_writer_begin(llml_gguf_writer *w, llml_write_fn write, void *user) {
    uint64_t meta, doff;
    llml_result r;
    if (!w || !write || w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    if (!llml__gguf_w_layout(w, &meta, &doff, &w->total)) return LLML_ERR_INVALID_ARG;
    w->buf = (unsigned char *)llml__alloc(w->a, LLML__GGUF_WINDOW, 16);
    if (!w->buf) return LLML_ERR_OUT_OF_MEMORY;
    w->buf_len = 0;
    w->fn = write;
    w->user = user;
    w->state = LLML__GGUF_W_STREAM;
    w->cur = w->cur_done = w->written = 0;
    w->alignment = llml__gguf_w_alignment(w);
    r = llml__gguf_w_header(w);
    if (r == LLML_OK) r = llml__gguf_w_advance(w);
    if (r != LLML_OK) w->state = LLML__GGUF_W_FAILED;
    return r;
}

static size_t llml__gguf_stdio_write(void *user, const void *src, size_t n) {
    return fwrite(src, 1, n, (FILE *)user);
}

LLML_API llml_result llml_gguf_writer_begin_file(llml_gguf_writer *w, const char *path) {
    FILE *f;
    llml_result r;
    if (!w || !path || w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    f = fopen(path, "wb");
    if (!f) return LLML_ERR_IO;
    r = llml_gguf_writer_begin(w, llml__gguf_stdio_write, f);
    if (r != LLML_OK) {
        fclose(f);
        if (w->buf) { llml__free(w->a, w->buf, LLML__GGUF_WINDOW); w->buf = NULL; }
        w->state = LLML__GGUF_W_IDLE;
        return r;
    }
    w->file = f;
    return LLML_OK;
}

LLML_API llml_result llml_gguf_writer_write_data(llml_gguf_writer *w, const void *data, uint64_t size) {
    llml__gguf_wt *t;
    llml_result r;
    if (!w) return LLML_ERR_INVALID_ARG;
    if (w->state == LLML__GGUF_W_FAILED) return LLML_ERR_IO;
    if (w->state != LLML__GGUF_W_STREAM || w->cur >= w->n_t || (!data && size)) return LLML_ERR_INVALID_ARG;
    t = &w->t[w->cur];
    if (size > t->size - w->cur_done) return LLML_ERR_INVALID_ARG;
    r = llml__gguf_w_out(w, data, size);
    if (r != LLML_OK) return r;
    w->cur_done += size;
    if (w->cur_done == t->size) {
        r = llml__gguf_w_pad(w);
        if (r != LLML_OK) return r;
        w->cur++;
        w->cur_done = 0;
        return llml__gguf_w_advance(w);
    }
    return LLML_OK;
}

LLML_API llml_result llml_gguf_writer_finish(llml_gguf_writer *w) {
    llml_result r;
    if (!w) return LLML_ERR_INVALID_ARG;
    if (w->state == LLML__GGUF_W_FAILED) { llml__gguf_w_end(w); return LLML_ERR_IO; }
    if (w->state != LLML__GGUF_W_STREAM) return LLML_ERR_INVALID_ARG;
    r = llml__gguf_w_advance(w);
    if (r != LLML_OK) { llml__gguf_w_end(w); return r; }
    if (w->cur < w->n_t) { llml__gguf_w_end(w); return LLML_ERR_INVALID_ARG; } /* tensor data missing */
    r = llml__gguf_w_flush(w);
    if (r == LLML_OK && w->written != w->total) r = LLML_ERR_IO;
    if (w->file) {
        if (fclose(w->file) != 0 && r == LLML_OK) r = LLML_ERR_IO;
        w->file = NULL;
    }
    llml__gguf_w_end(w);
    return r;
}

LLML_API llml_result llml_gguf_writer_write(llml_gguf_writer *w, llml_write_fn write, void *user) {
    uint64_t i;
    llml_result r;
    if (!w || !write || w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < w->n_t; i++)
        if (!w->t[i].data) return LLML_ERR_INVALID_ARG;
    r = llml_gguf_writer_begin(w, write, user);
    if (r != LLML_OK) { llml__gguf_w_end(w); return r; }
    return llml_gguf_writer_finish(w);
}

LLML_API llml_result llml_gguf_writer_write_file(llml_gguf_writer *w, const char *path) {
    uint64_t i;
    llml_result r;
    if (!w || !path || w->state != LLML__GGUF_W_IDLE) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < w->n_t; i++)
        if (!w->t[i].data) return LLML_ERR_INVALID_ARG;
    r = llml_gguf_writer_begin_file(w, path);
    if (r == LLML_OK) r = llml_gguf_writer_finish(w);
    if (r != LLML_OK) remove(path);
    return r;
}

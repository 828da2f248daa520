/* weft's C fast path: the per-event work of the agent (hooks.py does the same in Python).
 *
 * Compiled by _build.py for the interpreter in use (its own headers and flags), loaded by fast.py.
 *
 *   - up to 3.11: a C profile function (PyEval_SetProfile), one per thread, whose object is the
 *     thread's Buffer;
 *   - from 3.12: sys.monitoring callbacks (C objects called through vectorcall) that find the
 *     thread's Buffer in a thread-local variable set by attach().
 *
 * Both produce exactly the events of the pure-Python agent (which uses sys.setprofile on every
 * version), so that either agent gives the same trace: a 'call' on every generator/coroutine
 * resume, C calls only for builtin functions and method descriptors, the same filters.
 *
 * An event is a raw timestamp (the CPU's TSC when the kernel itself trusts it as its clock, else
 * CLOCK_MONOTONIC) and a u32 op (func id << 4 | kind), appended to the thread's current chunk.
 * The writer thread (agent.py) calls drain() at every flush, which converts the times to
 * CLOCK_MONOTONIC ns and packs the events into EVENTS_PACKED records (docs/stream-format.md)
 * with the GIL released, while the traced threads go on appending: one producer and one consumer
 * per buffer, chunks handed over with release/acquire ordering, consumed chunks recycled. Between
 * flushes the writer waits in wait(), also without the GIL, and packs early when chunks fill up,
 * so memory stays bounded whatever the call rate (measured: 5-36 MB of peak RSS), and the GIL
 * is taken once per flush only.
 *
 * Measured on this project's machines (see bench/overhead): rdtsc costs ~13 ns where the hooks
 * run, so the two timestamps of a call are most of what a call costs above the interpreter's own
 * floor of calling the hooks.
 *
 * Func ids: a code object's id lives in its co_extra slot (named once through the Python
 * FuncRegistry, which applies the filters); C functions are found in a hash table keyed by their
 * PyMethodDef and what their qualified name depends on (the type of self, or self when it is a
 * type or a module).
 *
 * Built with -DWEFT_NOOP, every hook returns at once: the benchmark's floor (the interpreter's
 * own cost of calling a C hook on the same events).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mman.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define WEFT_HAVE_TSC 1
#endif

#if PY_VERSION_HEX >= 0x030C0000
#define WEFT_MONITORING 1
#endif

#if PY_VERSION_HEX >= 0x030C0000
#define weft_set_extra PyUnstable_Code_SetExtra
#define weft_request_extra PyUnstable_Eval_RequestCodeExtraIndex
#else
#define weft_set_extra _PyCode_SetExtra
#define weft_request_extra _PyEval_RequestCodeExtraIndex
#endif

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *Py_NewRef(PyObject *o)
{
    Py_INCREF(o);
    return o;
}
#endif

#if PY_VERSION_HEX < 0x030B0000
#define WEFT_FRAME_CODE(f) ((PyObject *)(f)->f_code)
#elif PY_VERSION_HEX < 0x030C0000
/* 3.11's frame objects point to the interpreter's frame data, whose fifth field is the code:
 * read directly, as PyFrame_GetCode (a call, an incref and a decref per event) would. These
 * mirror Include/internal/pycore_frame.h of 3.11, which is fixed within 3.11.x. */
typedef struct {
    PyObject *f_func, *f_globals, *f_builtins, *f_locals;
    PyObject *f_code;
} WeftInterpFrame311;
typedef struct {
    PyObject_HEAD
    PyObject *f_back;
    WeftInterpFrame311 *f_frame;
} WeftFrame311;
#define WEFT_FRAME_CODE(f) (((WeftFrame311 *)(f))->f_frame->f_code)
#endif

#ifdef WEFT_TLS_GLOBAL_DYNAMIC
#define WEFT_TLS __thread
#else
#define WEFT_TLS __thread __attribute__((tls_model("initial-exec")))
#endif

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* event kinds (docs/stream-format.md) */
#define K_EXIT 0
#define K_ENTER 1
#define K_C_ENTER 2
#define K_C_EXIT 3

#define RECORD_EVENTS_PACKED 3

/* ------------------------------------------------------------------------------------------ */
/* clock */

static int g_use_tsc = 0;

static inline uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* out of line: the hooks' fast paths then need no stack frame */
__attribute__((noinline)) static uint64_t mono_ns_call(void)
{
    return mono_ns();
}

static inline uint64_t now_raw(void)
{
#ifdef WEFT_HAVE_TSC
    if (LIKELY(g_use_tsc)) return __rdtsc();
#endif
    return mono_ns_call();
}

/* A (tsc, ns) pair read as close together as the machine allows: the best of a few tries. */
typedef struct {
    uint64_t raw;
    int64_t ns;
} ClockPair;

static ClockPair clock_pair(void)
{
    ClockPair best = {0, 0};
#ifdef WEFT_HAVE_TSC
    if (g_use_tsc) {
        uint64_t best_gap = UINT64_MAX;
        for (int i = 0; i < 5; i++) {
            uint64_t a = __rdtsc();
            uint64_t ns = mono_ns();
            uint64_t b = __rdtsc();
            if (b - a < best_gap) {
                best_gap = b - a;
                best.raw = a + (b - a) / 2;
                best.ns = (int64_t)ns;
            }
        }
        return best;
    }
#endif
    best.ns = (int64_t)mono_ns();
    best.raw = (uint64_t)best.ns;
    return best;
}

/* Raw times become ns by linear interpolation between the two latest pairs (taken at drains), so
 * a slow drift between the TSC and CLOCK_MONOTONIC (NTP slewing) never accumulates. */
static ClockPair g_pair_prev, g_pair_cur;
static double g_slope = 1.0; /* ns per raw tick over [prev, cur] */

static void clock_advance(void)
{
    ClockPair p = clock_pair();
    if (!g_use_tsc) {
        g_pair_prev = g_pair_cur = p;
        g_slope = 1.0;
        return;
    }
    /* Keep the previous segment when the new one is too short to measure a slope well. */
    if (p.raw - g_pair_cur.raw < 2000000) {
        if (g_pair_cur.raw == g_pair_prev.raw) {
            /* no slope at all yet: one from this short span is better than none */
            if (p.raw > g_pair_cur.raw) g_slope = (double)(p.ns - g_pair_cur.ns) / (double)(p.raw - g_pair_cur.raw);
        }
        return;
    }
    g_pair_prev = g_pair_cur;
    g_pair_cur = p;
    g_slope = (double)(g_pair_cur.ns - g_pair_prev.ns) / (double)(g_pair_cur.raw - g_pair_prev.raw);
}

static inline int64_t raw_to_ns(uint64_t raw)
{
    if (!g_use_tsc) return (int64_t)raw;
    return g_pair_prev.ns + (int64_t)((double)(int64_t)(raw - g_pair_prev.raw) * g_slope);
}

static int clock_choose(const char *want)
{
#ifdef WEFT_HAVE_TSC
    if (want && strcmp(want, "monotonic") == 0) return 0;
    if (want && strcmp(want, "tsc") == 0) return 1;
    /* The kernel's own choice: it uses the TSC as its clock only when the TSC is invariant and
     * synchronized across CPUs. */
    FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
    if (!f) return 0;
    char buf[64] = {0};
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    return strncmp(buf, "tsc", 3) == 0 && (buf[3] == '\n' || buf[3] == 0);
#else
    (void)want;
    return 0;
#endif
}

/* ------------------------------------------------------------------------------------------ */
/* chunks: one producer (the thread), one consumer (the writer) */

#define SMALL_CHUNK 512
#define BIG_CHUNK 16384
#define FREE_LIST_MAX 16

typedef struct Chunk {
    struct Chunk *next; /* set by the owner (release) when this chunk is full */
    uint32_t count;     /* events written, published by the owner (release) */
    uint32_t cap;
    uint64_t *t;
    uint32_t *op;
} Chunk;

/* g_consume: held by whoever reads buffers (the writer's early drains, the agent's drain());
 * also guards the list of attached buffers. Taken before g_mutex, never after. */
static pthread_mutex_t g_consume = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake = PTHREAD_COND_INITIALIZER;   /* the writer waits on it */
static pthread_cond_t g_room = PTHREAD_COND_INITIALIZER;   /* a stalled thread waits on it */
static Chunk *g_free = NULL;
static int g_free_n = 0;
static int64_t g_outstanding = 0;  /* full chunks not yet drained (under g_mutex) */
static int64_t g_chunks_bytes = 0; /* bytes of all chunks in use (under g_mutex) */
static int64_t g_cap_bytes = 32ll << 20;
static int g_wake_at = 8;          /* full chunks that wake the writer early */
static int g_writer_alive = 0;     /* a writer is draining (so a full buffer may wait for it) */
static int g_urgent = 0;           /* a thread waits for room: the writer must drain now */
static int g_stopped = 0;          /* the agent finished: new events overwrite the buffer */
static uint64_t g_dropped = 0;     /* events lost (the writer gone while buffers were full) */

static size_t chunk_bytes(uint32_t cap);

/* Big chunks are mapped directly, not taken from malloc: malloc would keep them in the arenas of
 * the threads that freed them (each traced thread and the writer have their own), so that the
 * process's memory would grow with the number of threads instead of staying what is in use. */
static Chunk *chunk_alloc(uint32_t cap)
{
    size_t size = chunk_bytes(cap);
    Chunk *c;
    if (cap == BIG_CHUNK) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        c = p == MAP_FAILED ? NULL : (Chunk *)p;
    } else {
        c = (Chunk *)malloc(size);
    }
    if (!c) return NULL;
    c->next = NULL;
    c->count = 0;
    c->cap = cap;
    c->t = (uint64_t *)(c + 1);
    c->op = (uint32_t *)(c->t + cap);
    return c;
}

static size_t chunk_bytes(uint32_t cap)
{
    return sizeof(Chunk) + (size_t)cap * (sizeof(uint64_t) + sizeof(uint32_t));
}

static void chunk_free(Chunk *c)
{
    if (c->cap == BIG_CHUNK) munmap(c, chunk_bytes(c->cap));
    else free(c);
}

/* under g_mutex */
static void chunk_release_locked(Chunk *c)
{
    g_chunks_bytes -= (int64_t)chunk_bytes(c->cap);
    if (c->cap == BIG_CHUNK && g_free_n < FREE_LIST_MAX) {
        c->next = g_free;
        g_free = c;
        g_free_n++;
    } else {
        chunk_free(c);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Buffer: one traced thread's events */

typedef struct {
    uint8_t *data;
    size_t len, cap;
} Bytes;

/* The record being filled: header 8 bytes, then u32 serial, u32 count, u64 base_t, events. */
typedef struct {
    size_t start; /* offset of the record header in the buffer's encoded bytes */
    uint32_t count;
    int64_t prev;
} Rec;

typedef struct Buffer {
    PyObject_HEAD
    /* owner side */
    Chunk *cur;
    int depth;
    int attached;
    /* The ids of the code objects this thread met last (direct mapped): hot in this thread's
     * cache where the code objects' own co_extra arrays may not be. Code objects are never
     * freed while the agent runs (the FuncRegistry keeps them), so an address stays one code. */
    struct {
        PyObject *key;
        uintptr_t val;
    } cc[64];
    char pad1[64];
    /* writer side (under g_consume) */
    Chunk *head;
    uint32_t read;
    uint32_t serial;
    int64_t last_ns;
    int has_last;
    struct Buffer *next_attached;
    /* events packed but not yet handed to the agent: records in `packed`, the last one open */
    Bytes packed;
    int open;
    Rec rec;
    size_t nrec, rec_cap;
    size_t *rec_off;
    uint32_t *rec_n;
} Buffer;

static PyTypeObject BufferType;

/* settings shared by every thread */
static int g_c_calls = 1;
static int g_max_depth = 0;
static PyObject *g_define_code = NULL; /* FuncRegistry.code */
static PyObject *g_define_c = NULL;    /* FuncRegistry.c_function */
static Py_ssize_t g_extra_index = -1;
static int g_configured = 0;

static Chunk *next_chunk_slow(Buffer *b);

static inline void emit(Buffer *b, uint64_t t, uint32_t op)
{
    Chunk *c = b->cur;
    uint32_t n = c->count; /* only this thread writes it */
    if (UNLIKELY(n == c->cap)) {
        c = next_chunk_slow(b);
        if (!c) return;
        n = 0;
    }
    c->t[n] = t;
    c->op[n] = op;
    __atomic_store_n(&c->count, n + 1, __ATOMIC_RELEASE);
}

static void stall_for_room(void)
{
    /* The writer is behind (a slow disk): wait for it with the GIL released, a bounded time. */
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&g_mutex);
    for (int i = 0; i < 200 && g_writer_alive && !g_stopped && g_chunks_bytes > g_cap_bytes / 2; i++) {
        g_urgent = 1;
        pthread_cond_signal(&g_wake);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 10 * 1000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&g_room, &g_mutex, &until);
    }
    pthread_mutex_unlock(&g_mutex);
    Py_END_ALLOW_THREADS
}

/* The current chunk is full: hand it over and continue in a fresh one. Returns the chunk to write
 * into (empty), or NULL when the event must be dropped. */
static Chunk *next_chunk_slow(Buffer *b)
{
    Chunk *c = b->cur;
    if (g_stopped) {
        /* After the end nobody drains: overwrite, so memory stays bounded. */
        __atomic_store_n(&c->count, 0, __ATOMIC_RELEASE);
        return c;
    }
    pthread_mutex_lock(&g_mutex);
    int64_t over = g_chunks_bytes > g_cap_bytes;
    int alive = g_writer_alive;
    pthread_mutex_unlock(&g_mutex);
    if (over && alive) {
        stall_for_room();
        pthread_mutex_lock(&g_mutex);
        over = g_chunks_bytes > g_cap_bytes;
        pthread_mutex_unlock(&g_mutex);
    }
    if (over) {
        g_dropped++;
        return NULL;
    }
    pthread_mutex_lock(&g_mutex);
    Chunk *fresh = NULL;
    if (g_free) {
        fresh = g_free;
        g_free = fresh->next;
        g_free_n--;
        fresh->next = NULL;
        fresh->count = 0;
    }
    g_outstanding++;
    if (g_outstanding >= g_wake_at) pthread_cond_signal(&g_wake);
    if (fresh) g_chunks_bytes += (int64_t)chunk_bytes(fresh->cap);
    pthread_mutex_unlock(&g_mutex);
    if (!fresh) {
        fresh = chunk_alloc(BIG_CHUNK);
        if (!fresh) {
            g_dropped++;
            return NULL;
        }
        pthread_mutex_lock(&g_mutex);
        g_chunks_bytes += (int64_t)chunk_bytes(fresh->cap);
        pthread_mutex_unlock(&g_mutex);
    }
    __atomic_store_n(&c->next, fresh, __ATOMIC_RELEASE);
    b->cur = fresh;
    return fresh;
}

static PyObject *Buffer_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    unsigned int serial = 0;
    static char *kwlist[] = {"serial", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|I", kwlist, &serial)) return NULL;
    Buffer *b = (Buffer *)type->tp_alloc(type, 0);
    if (!b) return NULL;
    Chunk *c = chunk_alloc(SMALL_CHUNK);
    if (!c) {
        Py_DECREF(b);
        return PyErr_NoMemory();
    }
    pthread_mutex_lock(&g_mutex);
    g_chunks_bytes += (int64_t)chunk_bytes(c->cap);
    pthread_mutex_unlock(&g_mutex);
    b->cur = b->head = c;
    b->read = 0;
    b->serial = serial;
    b->depth = 0;
    b->has_last = 0;
    b->last_ns = 0;
    b->attached = 0;
    b->next_attached = NULL;
    return (PyObject *)b;
}

static void Buffer_dealloc(Buffer *b)
{
    pthread_mutex_lock(&g_mutex);
    Chunk *c = b->head;
    while (c) {
        Chunk *next = c->next;
        if (c != b->cur && c->count == c->cap) g_outstanding--;
        chunk_release_locked(c);
        c = next;
    }
    pthread_mutex_unlock(&g_mutex);
    free(b->packed.data);
    free(b->rec_off);
    free(b->rec_n);
    Py_TYPE(b)->tp_free((PyObject *)b);
}

/* Undrained events? (Only the owner's published count is read.) */
static int buffer_pending(Buffer *b)
{
    if (b->packed.len || b->open) return 1;
    Chunk *c = b->head;
    uint32_t cnt = __atomic_load_n(&c->count, __ATOMIC_ACQUIRE);
    if (cnt > b->read) return 1;
    return __atomic_load_n(&c->next, __ATOMIC_ACQUIRE) != NULL;
}

static PyObject *Buffer_pending(Buffer *b, PyObject *unused)
{
    return PyBool_FromLong(buffer_pending(b));
}

/* Forget every event not yet drained (a forked child drops its parent's). Only safe while the
 * owner cannot append: the calling thread is the owner, or the only thread (after fork). */
static PyObject *Buffer_clear(Buffer *b, PyObject *unused)
{
    pthread_mutex_lock(&g_mutex);
    Chunk *c = b->head;
    while (c != b->cur) {
        Chunk *next = c->next;
        g_outstanding--;
        chunk_release_locked(c);
        c = next;
    }
    pthread_mutex_unlock(&g_mutex);
    b->head = b->cur;
    b->read = b->cur->count;
    b->depth = 0;
    b->packed.len = 0;
    b->nrec = 0;
    b->open = 0;
    Py_RETURN_NONE;
}

static PyObject *Buffer_get_serial(Buffer *b, void *closure)
{
    return PyLong_FromUnsignedLong(b->serial);
}

static int Buffer_set_serial(Buffer *b, PyObject *v, void *closure)
{
    unsigned long s = v ? PyLong_AsUnsignedLong(v) : (unsigned long)-1;
    if (s == (unsigned long)-1 && PyErr_Occurred()) return -1;
    b->serial = (uint32_t)s;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* func ids */

typedef struct {
    Py_ssize_t ce_size;
    void *ce_extras[1];
} CodeExtra; /* CPython's _PyCodeObjectExtra, the same from 3.7 to 3.13 */

/* 0: not seen yet; otherwise (fid << 1) | 1, fid 0 meaning "not recorded" */
static inline uintptr_t code_slot(PyObject *code)
{
    CodeExtra *ex = (CodeExtra *)((PyCodeObject *)code)->co_extra;
    if (ex == NULL || g_extra_index >= ex->ce_size) return 0;
    return (uintptr_t)ex->ce_extras[g_extra_index];
}

static long call_registry(PyObject *fn, PyObject *arg)
{
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    long fid = 0;
    PyObject *r = PyObject_CallFunctionObjArgs(fn, arg, NULL);
    if (r) {
        fid = PyLong_AsLong(r);
        Py_DECREF(r);
        if (fid < 0 || fid >= (1l << 27)) fid = 0;
    }
    if (PyErr_Occurred()) PyErr_Clear();
    PyErr_Restore(et, ev, tb);
    return fid;
}

static uint32_t define_code(PyObject *code)
{
    if (!g_define_code) return 0;
    long fid = call_registry(g_define_code, code);
    weft_set_extra(code, g_extra_index, (void *)(uintptr_t)(((uintptr_t)fid << 1) | 1));
    return (uint32_t)fid;
}

/* Python 'call'/'c_call' side: define the code when it is new. */
static inline uint32_t code_fid(PyObject *code)
{
    uintptr_t v = code_slot(code);
    if (LIKELY(v)) return (uint32_t)(v >> 1);
    return define_code(code);
}

#define CODE_CACHE_MASK 63

static inline uintptr_t buf_slot(Buffer *b, PyObject *code)
{
    size_t i = ((uintptr_t)code >> 5 ^ (uintptr_t)code >> 11) & CODE_CACHE_MASK;
    if (LIKELY(b->cc[i].key == code)) return b->cc[i].val;
    uintptr_t v = code_slot(code);
    if (v) {
        b->cc[i].key = code;
        b->cc[i].val = v;
    }
    return v;
}

/* code_fid through the thread's cache */
static inline uint32_t buf_fid(Buffer *b, PyObject *code)
{
    uintptr_t v = buf_slot(b, code);
    if (LIKELY(v)) return (uint32_t)(v >> 1);
    return define_code(code);
}

/* C functions: open addressing on (PyMethodDef *, key object). */
typedef struct {
    void *ml;
    PyObject *key;
    uint32_t fid;
    uint32_t used;
} CEntry;

static CEntry *g_ctab = NULL;
static size_t g_ctab_cap = 0, g_ctab_n = 0;

static inline size_t ctab_hash(void *ml, PyObject *key)
{
    uintptr_t h = (uintptr_t)ml * 0x9E3779B97F4A7C15ull ^ ((uintptr_t)key >> 4) * 0xC2B2AE3D27D4EB4Full;
    return (size_t)(h ^ (h >> 29));
}

static int ctab_lookup(void *ml, PyObject *key, uint32_t *fid)
{
    if (!g_ctab) return 0;
    size_t mask = g_ctab_cap - 1;
    for (size_t i = ctab_hash(ml, key) & mask;; i = (i + 1) & mask) {
        CEntry *e = &g_ctab[i];
        if (!e->used) return 0;
        if (e->ml == ml && e->key == key) {
            *fid = e->fid;
            return 1;
        }
    }
}

static void ctab_insert(void *ml, PyObject *key, uint32_t fid)
{
    if ((g_ctab_n + 1) * 2 > g_ctab_cap) {
        size_t cap = g_ctab_cap ? g_ctab_cap * 2 : 1024;
        CEntry *tab = (CEntry *)calloc(cap, sizeof(CEntry));
        if (!tab) return;
        for (size_t j = 0; j < g_ctab_cap; j++) {
            CEntry *e = &g_ctab[j];
            if (!e->used) continue;
            size_t i = ctab_hash(e->ml, e->key) & (cap - 1);
            while (tab[i].used) i = (i + 1) & (cap - 1);
            tab[i] = *e;
        }
        free(g_ctab);
        g_ctab = tab;
        g_ctab_cap = cap;
    }
    size_t mask = g_ctab_cap - 1;
    size_t i = ctab_hash(ml, key) & mask;
    for (;; i = (i + 1) & mask) {
        CEntry *e = &g_ctab[i];
        if (!e->used) break;
        if (e->ml == ml && e->key == key) {
            e->fid = fid;
            return;
        }
    }
    Py_XINCREF(key); /* the key must not be freed and its address reused for another object */
    g_ctab[i].ml = ml;
    g_ctab[i].key = key;
    g_ctab[i].fid = fid;
    g_ctab[i].used = 1;
    g_ctab_n++;
}

/* What a builtin's (module, qualified name) depends on, besides its PyMethodDef: nothing for a
 * plain function; self when it is a type (dict.fromkeys on a subclass) or a module (its name);
 * the type of self otherwise (a method of a subclass is named after the subclass). */
static inline int is_module(PyTypeObject *tp)
{
    /* without PyType_IsSubtype for the builtin types, which are not modules */
    if (tp == &PyModule_Type) return 1;
    return (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && PyType_IsSubtype(tp, &PyModule_Type);
}

static inline PyObject *self_key(PyObject *self)
{
    if (self == NULL) return NULL;
    PyTypeObject *tp = Py_TYPE(self);
    if (PyType_FastSubclass(tp, Py_TPFLAGS_TYPE_SUBCLASS) || is_module(tp)) return self;
    return (PyObject *)tp;
}

/* fid of a builtin function or method object (what a profile function is given) */
static uint32_t cfunc_fid(PyObject *func)
{
    PyTypeObject *ft = Py_TYPE(func);
    if (LIKELY(ft == &PyCFunction_Type || ft == &PyCMethod_Type || PyCFunction_Check(func))) {
        PyCFunctionObject *f = (PyCFunctionObject *)func;
        PyObject *key;
        if (f->m_self && f->m_module && is_module(Py_TYPE(f->m_self))) key = NULL; /* named by m_module */
        else key = self_key(f->m_self);
        uint32_t fid;
        if (LIKELY(ctab_lookup(f->m_ml, key, &fid))) return fid;
        fid = (uint32_t)call_registry(g_define_c, func);
        ctab_insert(f->m_ml, key, fid);
        return fid;
    }
    return (uint32_t)call_registry(g_define_c, func);
}

#ifdef WEFT_MONITORING
/* fid of a method descriptor called with self: what the legacy profiler would have been given is
 * the bound builtin method, made only when the table does not know it yet. */
static uint32_t descr_fid(PyObject *descr, PyObject *self)
{
    PyMethodDef *ml = ((PyMethodDescrObject *)descr)->d_method;
    PyObject *key = self_key(self);
    uint32_t fid;
    if (LIKELY(ctab_lookup(ml, key, &fid))) return fid;
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    PyObject *meth = Py_TYPE(descr)->tp_descr_get(descr, self, (PyObject *)Py_TYPE(self));
    if (!meth) {
        PyErr_Clear();
        PyErr_Restore(et, ev, tb);
        return 0;
    }
    PyErr_Restore(et, ev, tb);
    fid = (uint32_t)call_registry(g_define_c, meth);
    Py_DECREF(meth);
    ctab_insert(ml, key, fid);
    return fid;
}
#endif

/* ------------------------------------------------------------------------------------------ */
/* the events, as hooks.py records them */

static inline void on_call(Buffer *b, uint64_t t, PyObject *code)
{
    uint32_t fid = buf_fid(b, code);
    if (!fid) return;
    if (g_max_depth) {
        b->depth++;
        if (b->depth > g_max_depth) return;
    }
    emit(b, t, fid << 4 | K_ENTER);
}

static inline void on_return(Buffer *b, uint64_t t, PyObject *code)
{
    /* a code never seen is not defined here (it began before tracing) */
    uint32_t fid = (uint32_t)(buf_slot(b, code) >> 1);
    if (!fid) return;
    if (g_max_depth) {
        if (b->depth <= 0) return;
        int d = b->depth--;
        if (d > g_max_depth) return;
    }
    emit(b, t, fid << 4 | K_EXIT);
}

static inline void on_c_call(Buffer *b, uint64_t t, uint32_t cfid)
{
    if (g_max_depth) {
        b->depth++;
        if (b->depth > g_max_depth) return;
    }
    emit(b, t, cfid << 4 | K_C_ENTER);
}

static inline void on_c_return(Buffer *b, uint64_t t)
{
    if (g_max_depth) {
        if (b->depth <= 0) return;
        int d = b->depth--;
        if (d > g_max_depth) return;
    }
    emit(b, t, K_C_EXIT);
}

/* The hooks' fast paths: the common case (a code already in the thread's cache, no max_depth,
 * room in the chunk, the TSC as the clock) needs no callee-saved register and no stack frame;
 * anything else is left to an out-of-line function reached by a tail call, which does the whole
 * event as before. (Measured: on 3.11 this halves the cost above the floor; on 3.12/3.13 nearly
 * all of what is left is the two reads of the TSC per call.) */

#define SLOW __attribute__((noinline))
#define COLD __attribute__((cold, noinline))

/* uint64_t t = now_raw(), in a hook's fast path: the other clock is left to the slow path `slow`
 * (which reads it itself), so that the fast path makes no call. */
#ifdef WEFT_HAVE_TSC
#define HOOK_NOW(t, slow)              \
    if (UNLIKELY(!g_use_tsc)) return slow; \
    uint64_t t = __rdtsc()
#else
#define HOOK_NOW(t, slow) uint64_t t = mono_ns()
#endif

/* The code's cache entry, when it is cached and recorded (fid != 0): its op bits, else 0. */
static inline uintptr_t cc_hit(Buffer *b, PyObject *code)
{
    size_t i = ((uintptr_t)code >> 5 ^ (uintptr_t)code >> 11) & CODE_CACHE_MASK;
    uintptr_t v = b->cc[i].val;
    return b->cc[i].key == code ? v : 0;
}

/* emit without the chunk change: 0 when the chunk is full */
static inline int emit_fast(Buffer *b, uint64_t t, uint32_t op)
{
    Chunk *c = b->cur;
    uint32_t n = c->count;
    if (UNLIKELY(n == c->cap)) return 0;
    c->t[n] = t;
    c->op[n] = op;
    __atomic_store_n(&c->count, n + 1, __ATOMIC_RELEASE);
    return 1;
}

#ifndef WEFT_MONITORING
/* ------------------------------------------------------------------------------------------ */
/* up to 3.11: the profile function */

static inline PyObject *frame_code(PyFrameObject *frame)
{
#ifdef WEFT_FRAME_CODE
    return WEFT_FRAME_CODE(frame);
#else
    PyCodeObject *code = PyFrame_GetCode(frame); /* new reference; the frame keeps one */
    Py_DECREF(code);
    return (PyObject *)code;
#endif
}

/* Everything but the common case of profile_func (reached by a tail call, and redoing the event). */
SLOW static int profile_slow(Buffer *b, uint64_t t, PyFrameObject *frame, int what, PyObject *arg)
{
    switch (what) {
    case PyTrace_CALL:
        on_call(b, t, frame_code(frame));
        break;
    case PyTrace_RETURN:
        on_return(b, t, frame_code(frame));
        break;
    case PyTrace_C_CALL:
        if (g_c_calls && buf_fid(b, frame_code(frame))) on_c_call(b, t, cfunc_fid(arg));
        break;
    case PyTrace_C_RETURN:
    case PyTrace_C_EXCEPTION:
        if (g_c_calls && buf_fid(b, frame_code(frame))) on_c_return(b, t);
        break;
    }
    return 0;
}

COLD static int profile_slow_now(Buffer *b, PyFrameObject *frame, int what, PyObject *arg)
{
    return profile_slow(b, now_raw(), frame, what, arg);
}

static int profile_func(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
#ifdef WEFT_NOOP
    return 0;
#else
    Buffer *b = (Buffer *)obj;
    HOOK_NOW(t, profile_slow_now(b, frame, what, arg));
    /* the common case: a Python call or return of a code in the thread's cache */
    if (LIKELY(what == PyTrace_CALL || what == PyTrace_RETURN)) {
        uintptr_t v = cc_hit(b, frame_code(frame));
        if (UNLIKELY((v >> 1) == 0 || g_max_depth)) return profile_slow(b, t, frame, what, arg);
        uint32_t op = (uint32_t)(v >> 1) << 4 | (what == PyTrace_CALL ? K_ENTER : K_EXIT);
        if (UNLIKELY(!emit_fast(b, t, op))) return profile_slow(b, t, frame, what, arg);
        return 0;
    }
    return profile_slow(b, t, frame, what, arg);
#endif
}
#endif /* !WEFT_MONITORING */

#ifdef WEFT_MONITORING
/* ------------------------------------------------------------------------------------------ */
/* from 3.12: sys.monitoring callbacks */

static WEFT_TLS Buffer *tls_buf = NULL;
static PyObject *g_disable = NULL; /* sys.monitoring.DISABLE */
static PyObject *g_missing = NULL; /* sys.monitoring.MISSING */

enum { CB_START, CB_START_NONLOCAL, CB_RETURN, CB_RETURN_NONLOCAL, CB_CALL, CB_C_RETURN };

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    int kind;
} Callback;

static inline PyObject *ret_none(void)
{
    Py_RETURN_NONE;
}

static inline PyObject *ret_disable(void)
{
    Py_INCREF(g_disable);
    return g_disable;
}

/* An excluded code object: its events are switched off where sys.monitoring allows. */
static inline PyObject *filtered(PyObject *code, int local)
{
    uintptr_t v = code_slot(code);
    if (local && v == 1) return ret_disable();
    return ret_none();
}

/* from 3.12, None is immortal: returned without a reference to count */
#define RET_NONE() return Py_None

SLOW static PyObject *start_slow(Buffer *b, uint64_t t, PyObject *code)
{
    if (!b) return filtered(code, 1);
    uint32_t fid = buf_fid(b, code);
    if (UNLIKELY(!fid)) return ret_disable();
    if (g_max_depth) {
        b->depth++;
        if (b->depth > g_max_depth) return ret_none();
    }
    emit(b, t, fid << 4 | K_ENTER);
    return ret_none();
}

COLD static PyObject *start_slow_now(Buffer *b, PyObject *code)
{
    return start_slow(b, now_raw(), code);
}

static PyObject *cb_start(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
#ifdef WEFT_NOOP
    return ret_none();
#else
    Buffer *b = tls_buf;
    PyObject *code = args[0];
    HOOK_NOW(t, start_slow_now(b, code));
    if (UNLIKELY(!b)) return start_slow(b, t, code);
    uintptr_t v = cc_hit(b, code);
    if (UNLIKELY((v >> 1) == 0 || g_max_depth)) return start_slow(b, t, code);
    if (UNLIKELY(!emit_fast(b, t, (uint32_t)(v >> 1) << 4 | K_ENTER))) return start_slow(b, t, code);
    RET_NONE();
#endif
}

static PyObject *cb_start_nonlocal(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
#ifdef WEFT_NOOP
    return ret_none();
#else
    Buffer *b = tls_buf;
    if (UNLIKELY(!b)) return ret_none();
    on_call(b, now_raw(), args[0]);
    return ret_none();
#endif
}

SLOW static PyObject *return_slow(Buffer *b, uint64_t t, PyObject *code)
{
    if (!b) return filtered(code, 1);
    uintptr_t v = buf_slot(b, code);
    uint32_t fid = (uint32_t)(v >> 1);
    if (UNLIKELY(!fid)) return v == 1 ? ret_disable() : ret_none();
    if (g_max_depth) {
        if (b->depth <= 0) return ret_none();
        int d = b->depth--;
        if (d > g_max_depth) return ret_none();
    }
    emit(b, t, fid << 4 | K_EXIT);
    return ret_none();
}

COLD static PyObject *return_slow_now(Buffer *b, PyObject *code)
{
    return return_slow(b, now_raw(), code);
}

static PyObject *cb_return(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
#ifdef WEFT_NOOP
    return ret_none();
#else
    Buffer *b = tls_buf;
    PyObject *code = args[0];
    HOOK_NOW(t, return_slow_now(b, code));
    if (UNLIKELY(!b)) return return_slow(b, t, code);
    uintptr_t v = cc_hit(b, code);
    if (UNLIKELY((v >> 1) == 0 || g_max_depth)) return return_slow(b, t, code);
    if (UNLIKELY(!emit_fast(b, t, (uint32_t)(v >> 1) << 4 | K_EXIT))) return return_slow(b, t, code);
    RET_NONE();
#endif
}

static PyObject *cb_return_nonlocal(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
#ifdef WEFT_NOOP
    return ret_none();
#else
    Buffer *b = tls_buf;
    if (UNLIKELY(!b)) return ret_none();
    on_return(b, now_raw(), args[0]);
    return ret_none();
#endif
}

/* Whether the legacy profiler reports a call of this callable (of type tp, called with self_arg,
 * args[3] of CALL): 1 for a builtin function, 2 for a method descriptor called with a self,
 * 0 for anything else. */
static inline int c_kind(PyTypeObject *tp, PyObject *self_arg)
{
    if (tp == &PyCFunction_Type || tp == &PyCMethod_Type) return 1;
    if (tp == &PyMethodDescr_Type) return self_arg == g_missing ? 0 : 2;
    if (tp == &PyType_Type) return 0;
    return PyType_IsSubtype(tp, &PyCFunction_Type) ? 1 : 0;
}

SLOW static PyObject *call_c(PyObject *const *args)
{
    PyObject *callable = args[2];
    Buffer *b = tls_buf;
    if (UNLIKELY(!b)) return ret_none();
    int kind = c_kind(Py_TYPE(callable), args[3]);
    if (!kind) return ret_none();
    uint64_t t = now_raw();
    if (UNLIKELY(!buf_fid(b, args[0]))) return ret_disable();
    uint32_t cfid = kind == 1 ? cfunc_fid(callable) : descr_fid(callable, args[3]);
    on_c_call(b, t, cfid);
    return ret_none();
}

/* CALL fires for every call; the legacy profiler (and so the Python agent) reports only
 * builtins and method descriptors called with a self. A Python function, the most common
 * callee, is sent away at the first test. */
static PyObject *cb_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
#ifdef WEFT_NOOP
    return ret_none();
#else
    PyTypeObject *tp = Py_TYPE(args[2]);
    if (LIKELY(tp == &PyFunction_Type)) RET_NONE();
    if (tp == &PyMethod_Type) RET_NONE();
    return call_c(args);
#endif
}

SLOW static PyObject *c_return_slow(Buffer *b, uint64_t t, PyObject *const *args)
{
    if (!b) return ret_none();
    if (!c_kind(Py_TYPE(args[2]), args[3])) return ret_none();
    if (!buf_fid(b, args[0])) return ret_none();
    on_c_return(b, t);
    return ret_none();
}

COLD static PyObject *c_return_slow_now(Buffer *b, PyObject *const *args)
{
    return c_return_slow(b, now_raw(), args);
}

static PyObject *cb_c_return(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
#ifdef WEFT_NOOP
    return ret_none();
#else
    Buffer *b = tls_buf;
    HOOK_NOW(t, c_return_slow_now(b, args));
    if (UNLIKELY(!b)) return c_return_slow(b, t, args);
    PyTypeObject *tp = Py_TYPE(args[2]);
    if (UNLIKELY(tp != &PyCFunction_Type && tp != &PyCMethod_Type &&
                 (tp != &PyMethodDescr_Type || args[3] == g_missing)))
        return c_return_slow(b, t, args);
    if (UNLIKELY((cc_hit(b, args[0]) >> 1) == 0 || g_max_depth)) return c_return_slow(b, t, args);
    if (UNLIKELY(!emit_fast(b, t, K_C_EXIT))) return c_return_slow(b, t, args);
    RET_NONE();
#endif
}

static PyTypeObject CallbackType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "weft._fast.Callback",
    .tp_basicsize = sizeof(Callback),
    .tp_vectorcall_offset = offsetof(Callback, vectorcall),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_call = PyVectorcall_Call,
};

static PyObject *make_callback(int kind)
{
    Callback *cb = PyObject_New(Callback, &CallbackType);
    if (!cb) return NULL;
    cb->kind = kind;
    switch (kind) {
    case CB_START: cb->vectorcall = cb_start; break;
    case CB_START_NONLOCAL: cb->vectorcall = cb_start_nonlocal; break;
    case CB_RETURN: cb->vectorcall = cb_return; break;
    case CB_RETURN_NONLOCAL: cb->vectorcall = cb_return_nonlocal; break;
    case CB_CALL: cb->vectorcall = cb_call; break;
    default: cb->vectorcall = cb_c_return; break;
    }
    return (PyObject *)cb;
}
#endif /* WEFT_MONITORING */

/* ------------------------------------------------------------------------------------------ */
/* module functions */

static Buffer *g_attached = NULL; /* buffers of threads being traced (strong references),
                                     read by the writer's early drains under g_consume */

static PyObject *fast_configure(PyObject *m, PyObject *args, PyObject *kwds)
{
    PyObject *define_code, *define_c;
    int c_calls = 1, max_depth = 0;
    const char *clock = NULL;
    long long cap_mb = 32;
    static char *kwlist[] = {"define_code", "define_c", "c_calls", "max_depth", "clock", "cap_mb", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|pizL", kwlist, &define_code, &define_c, &c_calls,
                                     &max_depth, &clock, &cap_mb))
        return NULL;
    if (g_extra_index < 0) {
        g_extra_index = weft_request_extra(NULL);
        if (g_extra_index < 0) {
            PyErr_SetString(PyExc_RuntimeError, "no free co_extra slot");
            return NULL;
        }
    }
    Py_XSETREF(g_define_code, Py_NewRef(define_code));
    Py_XSETREF(g_define_c, Py_NewRef(define_c));
    g_c_calls = c_calls;
    g_max_depth = max_depth < 0 ? 0 : max_depth;
    g_cap_bytes = (cap_mb < 8 ? 8 : cap_mb) << 20;
    g_use_tsc = clock_choose(clock);
    g_pair_prev = g_pair_cur = clock_pair();
    g_slope = 1.0;
    g_stopped = 0;
    g_configured = 1;
#ifdef WEFT_MONITORING
    PyObject *sys = PyImport_ImportModule("sys");
    if (!sys) return NULL;
    PyObject *mon = PyObject_GetAttrString(sys, "monitoring");
    Py_DECREF(sys);
    if (!mon) return NULL;
    Py_XSETREF(g_disable, PyObject_GetAttrString(mon, "DISABLE"));
    Py_XSETREF(g_missing, PyObject_GetAttrString(mon, "MISSING"));
    Py_DECREF(mon);
    if (!g_disable || !g_missing) return NULL;
#endif
    Py_RETURN_NONE;
}

static void attach_ref(Buffer *b)
{
    if (b->attached) return;
    Py_INCREF(b);
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&g_consume);
    Py_END_ALLOW_THREADS
    b->attached = 1;
    b->next_attached = g_attached;
    g_attached = b;
    pthread_mutex_unlock(&g_consume);
}

/* Stop keeping a buffer alive (its thread has ended and its events are written). */
static PyObject *fast_forget(PyObject *m, PyObject *arg)
{
    if (!PyObject_TypeCheck(arg, &BufferType)) return PyErr_Format(PyExc_TypeError, "a Buffer");
    Buffer *b = (Buffer *)arg;
    if (!b->attached) Py_RETURN_NONE;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&g_consume);
    Py_END_ALLOW_THREADS
    Buffer **p = &g_attached;
    while (*p && *p != b) p = &(*p)->next_attached;
    if (*p) *p = b->next_attached;
    b->attached = 0;
    b->next_attached = NULL;
    pthread_mutex_unlock(&g_consume);
    Py_DECREF(b);
    Py_RETURN_NONE;
}

/* Start recording the calling thread into buf. */
static PyObject *fast_attach(PyObject *m, PyObject *arg)
{
    if (!PyObject_TypeCheck(arg, &BufferType)) return PyErr_Format(PyExc_TypeError, "a Buffer");
    if (!g_configured) return PyErr_Format(PyExc_RuntimeError, "configure() first");
    Buffer *b = (Buffer *)arg;
    attach_ref(b);
#ifdef WEFT_MONITORING
    tls_buf = b;
#else
    PyEval_SetProfile(profile_func, arg);
#endif
    Py_RETURN_NONE;
}

/* Stop recording the calling thread. */
static PyObject *fast_detach(PyObject *m, PyObject *unused)
{
#ifdef WEFT_MONITORING
    tls_buf = NULL;
#else
    PyEval_SetProfile(NULL, NULL);
#endif
    Py_RETURN_NONE;
}

/* Up to 3.11: the event a thread's boot hook was called for, recorded as profile_func would. */
static PyObject *fast_record(PyObject *m, PyObject *args)
{
    PyObject *buf, *frame, *arg;
    const char *event;
    if (!PyArg_ParseTuple(args, "O!OsO", &BufferType, &buf, &frame, &event, &arg)) return NULL;
#ifndef WEFT_MONITORING
    if (!PyFrame_Check(frame)) return PyErr_Format(PyExc_TypeError, "a frame");
    int what = -1;
    if (strcmp(event, "call") == 0) what = PyTrace_CALL;
    else if (strcmp(event, "return") == 0) what = PyTrace_RETURN;
    else if (strcmp(event, "c_call") == 0) what = PyTrace_C_CALL;
    else if (strcmp(event, "c_return") == 0) what = PyTrace_C_RETURN;
    else if (strcmp(event, "c_exception") == 0) what = PyTrace_C_EXCEPTION;
    if (what >= 0) profile_func(buf, (PyFrameObject *)frame, what, arg);
#endif
    Py_RETURN_NONE;
}

#ifdef WEFT_MONITORING
/* {event name: callback} for sys.monitoring.register_callback */
static PyObject *fast_callbacks(PyObject *m, PyObject *unused)
{
    static const struct {
        const char *name;
        int kind;
    } table[] = {
        {"PY_START", CB_START},         {"PY_RESUME", CB_START},         {"PY_THROW", CB_START_NONLOCAL},
        {"PY_RETURN", CB_RETURN},       {"PY_YIELD", CB_RETURN},         {"PY_UNWIND", CB_RETURN_NONLOCAL},
        {"CALL", CB_CALL},              {"C_RETURN", CB_C_RETURN},       {"C_RAISE", CB_C_RETURN},
    };
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        PyObject *cb = make_callback(table[i].kind);
        if (!cb || PyDict_SetItemString(d, table[i].name, cb) < 0) {
            Py_XDECREF(cb);
            Py_DECREF(d);
            return NULL;
        }
        Py_DECREF(cb);
    }
    return d;
}
#endif

/* ---- the writer side ---- */

static int bytes_reserve(Bytes *o, size_t more)
{
    if (o->len + more <= o->cap) return 0;
    size_t cap = o->cap ? o->cap : 65536;
    while (cap < o->len + more) cap *= 2;
    uint8_t *d = (uint8_t *)realloc(o->data, cap);
    if (!d) return -1;
    o->data = d;
    o->cap = cap;
    return 0;
}

static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static inline void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

/* Closes the buffer's open record (its length, count and padding). */
static int rec_close(Buffer *b)
{
    Bytes *o = &b->packed;
    Rec *r = &b->rec;
    if (!b->open) return 0;
    if (bytes_reserve(o, 8)) return -1;
    size_t payload = o->len - r->start - 8;
    put_u32(o->data + r->start + 4, (uint32_t)payload);
    put_u32(o->data + r->start + 12, r->count);
    size_t pad = (8 - (payload & 7)) & 7;
    memset(o->data + o->len, 0, pad);
    o->len += pad;
    if (b->nrec == b->rec_cap) {
        size_t cap = b->rec_cap ? b->rec_cap * 2 : 8;
        size_t *off = (size_t *)realloc(b->rec_off, cap * sizeof(size_t));
        if (!off) return -1;
        b->rec_off = off;
        uint32_t *n = (uint32_t *)realloc(b->rec_n, cap * sizeof(uint32_t));
        if (!n) return -1;
        b->rec_n = n;
        b->rec_cap = cap;
    }
    b->rec_off[b->nrec] = r->start;
    b->rec_n[b->nrec] = r->count;
    b->nrec++;
    b->open = 0;
    return 0;
}

/* Packs the buffer's pending events into its records (a new one every `step` events, the last
 * one left open), and recycles the chunks it has read. Under g_consume, without the GIL. */
static int drain_buffer(Buffer *b, uint64_t step)
{
    Bytes *o = &b->packed;
    Chunk *c = b->head;
    for (;;) {
        uint32_t cnt = __atomic_load_n(&c->count, __ATOMIC_ACQUIRE);
        uint32_t i = b->read;
        while (i < cnt) {
            uint32_t take = cnt - i;
            if (step) {
                uint64_t room = step - (b->open ? b->rec.count : 0);
                if (take > room) take = (uint32_t)room;
            }
            if (!b->open) {
                if (bytes_reserve(o, 32)) return -1;
                b->rec.start = o->len;
                b->rec.count = 0;
                int64_t base = raw_to_ns(c->t[i]);
                if (b->has_last && base < b->last_ns) base = b->last_ns;
                b->rec.prev = base;
                uint8_t *h = o->data + o->len;
                h[0] = RECORD_EVENTS_PACKED;
                h[1] = 0;
                h[2] = h[3] = 0;
                put_u32(h + 4, 0);
                put_u32(h + 8, b->serial);
                put_u32(h + 12, 0);
                put_u64(h + 16, (uint64_t)base);
                o->len += 24;
                b->open = 1;
            }
            if (bytes_reserve(o, (size_t)take * 15 + 8)) return -1;
            uint8_t *p = o->data + o->len;
            int64_t prev = b->rec.prev;
            const uint64_t *ts = c->t + i;
            const uint32_t *ops = c->op + i;
            for (uint32_t k = 0; k < take; k++) {
                int64_t ns = raw_to_ns(ts[k]);
                if (ns < prev) ns = prev;
                p = put_varint(p, ops[k]);
                p = put_varint(p, (uint64_t)(ns - prev));
                prev = ns;
            }
            o->len = (size_t)(p - o->data);
            b->rec.prev = prev;
            b->rec.count += take;
            b->last_ns = prev;
            b->has_last = 1;
            i += take;
            if (step && b->rec.count >= step && rec_close(b)) return -1;
        }
        b->read = cnt;
        if (cnt < c->cap) break;
        Chunk *next = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE);
        if (!next) break;
        b->head = next;
        b->read = 0;
        pthread_mutex_lock(&g_mutex);
        g_outstanding--;
        chunk_release_locked(c);
        pthread_cond_broadcast(&g_room);
        pthread_mutex_unlock(&g_mutex);
        c = next;
    }
    return 0;
}

static uint64_t g_step = 0; /* the agent's last `step`, for the writer's early drains */

/* drain(buffers, step=0) -> [(serial, record bytes, events), ...]: every pending event of those
 * buffers as EVENTS_PACKED records of at most `step` events (0: no limit), including what the
 * writer packed early (wait()). The traced threads go on appending meanwhile. */
static PyObject *fast_drain(PyObject *m, PyObject *args)
{
    PyObject *seq;
    unsigned long long step = 0;
    if (!PyArg_ParseTuple(args, "O|K", &seq, &step)) return NULL;
    PyObject *fast = PySequence_Fast(seq, "drain() takes a sequence of Buffers");
    if (!fast) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyObject_TypeCheck(items[i], &BufferType)) {
            Py_DECREF(fast);
            return PyErr_Format(PyExc_TypeError, "drain() takes a sequence of Buffers");
        }
    }
    /* What each buffer had, taken out under the lock; made into Python objects after it. */
    typedef struct {
        uint32_t serial;
        Bytes packed;
        size_t nrec;
        size_t *rec_off;
        uint32_t *rec_n;
    } Taken;
    Taken *taken = (Taken *)calloc((size_t)(n > 0 ? n : 1), sizeof(Taken));
    if (!taken) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&g_consume);
    pthread_mutex_lock(&g_mutex);
    g_urgent = 0;
    pthread_mutex_unlock(&g_mutex);
    g_step = step;
    clock_advance();
    for (Py_ssize_t i = 0; i < n; i++) {
        Buffer *b = (Buffer *)items[i];
        if (!failed && (drain_buffer(b, step) || rec_close(b))) failed = 1;
        taken[i].serial = b->serial;
        taken[i].packed = b->packed;
        taken[i].nrec = b->nrec;
        taken[i].rec_off = b->rec_off;
        taken[i].rec_n = b->rec_n;
        memset(&b->packed, 0, sizeof(Bytes));
        b->nrec = b->rec_cap = 0;
        b->rec_off = NULL;
        b->rec_n = NULL;
    }
    pthread_mutex_unlock(&g_consume);
    Py_END_ALLOW_THREADS
    PyObject *result = failed ? NULL : PyList_New(0);
    if (failed) PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        Taken *t = &taken[i];
        for (size_t r = 0; result && r < t->nrec; r++) {
            size_t from = t->rec_off[r];
            size_t to = r + 1 < t->nrec ? t->rec_off[r + 1] : t->packed.len;
            PyObject *tuple = Py_BuildValue("(Iy#I)", t->serial, (const char *)t->packed.data + from,
                                            (Py_ssize_t)(to - from), t->rec_n[r]);
            if (!tuple || PyList_Append(result, tuple) < 0) Py_CLEAR(result);
            Py_XDECREF(tuple);
        }
        free(t->packed.data);
        free(t->rec_off);
        free(t->rec_n);
    }
    free(taken);
    Py_DECREF(fast);
    return result;
}

/* The writer's early drain: the buffers filled faster than it flushes. Packing their events now
 * gives the chunks back at once (memory stays small and warm) without taking the GIL, which
 * the agent's drain() needs only at each flush. */
static void drain_attached_early(void)
{
    pthread_mutex_lock(&g_consume);
    clock_advance();
    for (Buffer *b = g_attached; b; b = b->next_attached) {
        if (drain_buffer(b, g_step)) break;
    }
    pthread_mutex_unlock(&g_consume);
}

/* wait(seconds): sleep with the GIL released until the time is up; buffers that fill up
 * meanwhile are packed early. */
static PyObject *fast_wait(PyObject *m, PyObject *arg)
{
    double s = PyFloat_AsDouble(arg);
    if (s == -1.0 && PyErr_Occurred()) return NULL;
    Py_BEGIN_ALLOW_THREADS
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long long add = (long long)(s * 1e9);
    until.tv_sec += (time_t)(add / 1000000000ll);
    until.tv_nsec += (long)(add % 1000000000ll);
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&g_mutex);
    g_writer_alive = 1;
    for (;;) {
        if (g_outstanding >= g_wake_at || g_urgent) {
            g_urgent = 0;
            pthread_mutex_unlock(&g_mutex);
            drain_attached_early();
            pthread_mutex_lock(&g_mutex);
            continue;
        }
        int rc = pthread_cond_timedwait(&g_wake, &g_mutex, &until);
        if (rc == ETIMEDOUT) break;
    }
    pthread_mutex_unlock(&g_mutex);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

/* The writer is gone (finished, or failed): full buffers must not wait for it. */
static PyObject *fast_writer_gone(PyObject *m, PyObject *unused)
{
    pthread_mutex_lock(&g_mutex);
    g_writer_alive = 0;
    pthread_cond_broadcast(&g_room);
    pthread_mutex_unlock(&g_mutex);
    Py_RETURN_NONE;
}

/* The agent has finished: nothing will be drained any more. */
static PyObject *fast_stop(PyObject *m, PyObject *unused)
{
    g_stopped = 1;
    return fast_writer_gone(m, NULL);
}

/* fork() takes the locks first (so that no other thread holds one halfway through a change), and
 * the child starts with a fresh one: the child's first events, in the interpreter's and other
 * modules' after-fork handlers, may need a new chunk before the agent's own handler runs. */
static void atfork_prepare(void)
{
    pthread_mutex_lock(&g_consume);
    pthread_mutex_lock(&g_mutex);
}

static void atfork_parent(void)
{
    pthread_mutex_unlock(&g_mutex);
    pthread_mutex_unlock(&g_consume);
}

static void atfork_child(void)
{
    pthread_mutex_init(&g_consume, NULL);
    pthread_mutex_init(&g_mutex, NULL);
    pthread_cond_init(&g_wake, NULL);
    pthread_cond_init(&g_room, NULL);
    g_writer_alive = 0; /* the writer thread is not in the child (until the agent starts one) */
    g_urgent = 0;
}

/* In a forked child (called by the agent's after-fork handler): only the buffer of the forking
 * thread is still attached; the parent's unwritten events and drop count are not the child's. */
static PyObject *fast_after_fork_child(PyObject *m, PyObject *survivor)
{
    g_dropped = 0;
    Buffer *keep = PyObject_TypeCheck(survivor, &BufferType) ? (Buffer *)survivor : NULL;
    Buffer *b = g_attached;
    g_attached = NULL;
    while (b) {
        Buffer *next = b->next_attached;
        b->attached = 0;
        b->next_attached = NULL;
        if (b == keep) attach_ref(b);
        Py_DECREF(b);
        b = next;
    }
    Py_RETURN_NONE;
}

static PyObject *fast_stats(PyObject *m, PyObject *unused)
{
    pthread_mutex_lock(&g_mutex);
    long long bytes = g_chunks_bytes, outstanding = g_outstanding;
    int nfree = g_free_n;
    pthread_mutex_unlock(&g_mutex);
    return Py_BuildValue("{s:s,s:L,s:L,s:i,s:K,s:d,s:i}", "clock", g_use_tsc ? "tsc" : "monotonic",
                         "chunk_bytes", bytes, "outstanding", outstanding, "free_chunks", nfree,
                         "dropped", (unsigned long long)g_dropped, "slope", g_slope,
#ifdef WEFT_NOOP
                         "noop", 1
#else
                         "noop", 0
#endif
    );
}

/* The cost of reading each clock here, in ns (weft check shows it). */
static PyObject *fast_clock_cost(PyObject *m, PyObject *unused)
{
    const int N = 200000;
    volatile uint64_t sink = 0;
    uint64_t a = mono_ns();
    for (int i = 0; i < N; i++) sink += mono_ns();
    uint64_t b = mono_ns();
    double mono = (double)(b - a) / N, tsc = -1;
#ifdef WEFT_HAVE_TSC
    a = mono_ns();
    for (int i = 0; i < N; i++) sink += __rdtsc();
    b = mono_ns();
    tsc = (double)(b - a) / N;
#endif
    (void)sink;
    return Py_BuildValue("{s:d,s:d}", "monotonic", mono, "tsc", tsc);
}

static PyObject *fast_now(PyObject *m, PyObject *unused)
{
    return PyLong_FromLongLong(raw_to_ns(now_raw()));
}

static PyMethodDef Buffer_methods[] = {
    {"pending", (PyCFunction)Buffer_pending, METH_NOARGS, "undrained events?"},
    {"clear", (PyCFunction)Buffer_clear, METH_NOARGS, "forget undrained events"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Buffer_getset[] = {
    {"serial", (getter)Buffer_get_serial, (setter)Buffer_set_serial, "thread serial", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject BufferType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "weft._fast.Buffer",
    .tp_basicsize = sizeof(Buffer),
    .tp_dealloc = (destructor)Buffer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "the events of one traced thread",
    .tp_methods = Buffer_methods,
    .tp_getset = Buffer_getset,
    .tp_new = Buffer_new,
};

/* SIGTERM, seen without Python's help: a Python-level handler runs only when the main thread
 * reaches its next bytecode, which a main thread asleep in C (a Pool worker in sem_wait) may never
 * do, and a program may clear Python's wakeup fd (multiprocessing's forkserver children do).
 * This handler only writes the signal number to the agent's pipe, with SA_RESTART so that the
 * program's system calls do not even notice; the agent's watcher thread writes the trace and then
 * lets the default action end the process. A program that installs its own SIGTERM handler
 * replaces this one, and handles SIGTERM itself. */
static volatile int g_sigterm_fd = -1;

static void on_sigterm(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (g_sigterm_fd >= 0) {
        ssize_t ignored = write(g_sigterm_fd, &b, 1);
        (void)ignored;
    }
    errno = saved;
}

static PyObject *fast_watch_sigterm(PyObject *m, PyObject *arg)
{
    long fd = PyLong_AsLong(arg);
    if (fd == -1 && PyErr_Occurred()) return NULL;
    g_sigterm_fd = (int)fd;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigterm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGTERM, &sa, NULL) != 0) return PyErr_SetFromErrno(PyExc_OSError);
    Py_RETURN_NONE;
}

static PyMethodDef fast_methods[] = {
    {"configure", (PyCFunction)(void (*)(void))fast_configure, METH_VARARGS | METH_KEYWORDS, NULL},
    {"attach", fast_attach, METH_O, NULL},
    {"detach", fast_detach, METH_NOARGS, NULL},
    {"forget", fast_forget, METH_O, NULL},
    {"record", fast_record, METH_VARARGS, NULL},
#ifdef WEFT_MONITORING
    {"callbacks", fast_callbacks, METH_NOARGS, NULL},
#endif
    {"drain", fast_drain, METH_VARARGS, NULL},
    {"wait", fast_wait, METH_O, NULL},
    {"watch_sigterm", fast_watch_sigterm, METH_O, NULL},
    {"writer_gone", fast_writer_gone, METH_NOARGS, NULL},
    {"stop", fast_stop, METH_NOARGS, NULL},
    {"after_fork_child", fast_after_fork_child, METH_O, NULL},
    {"stats", fast_stats, METH_NOARGS, NULL},
    {"clock_cost", fast_clock_cost, METH_NOARGS, NULL},
    {"now", fast_now, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fast_module = {
    PyModuleDef_HEAD_INIT, "_fast", "weft's C fast path", -1, fast_methods,
};

PyMODINIT_FUNC PyInit__fast(void)
{
    static int atfork_done = 0;
    if (!atfork_done) {
        pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
        atfork_done = 1;
    }
    if (PyType_Ready(&BufferType) < 0) return NULL;
#ifdef WEFT_MONITORING
    if (PyType_Ready(&CallbackType) < 0) return NULL;
#endif
    PyObject *m = PyModule_Create(&fast_module);
    if (!m) return NULL;
    Py_INCREF(&BufferType);
    if (PyModule_AddObject(m, "Buffer", (PyObject *)&BufferType) < 0) return NULL;
#ifdef WEFT_NOOP
    PyModule_AddIntConstant(m, "NOOP", 1);
#else
    PyModule_AddIntConstant(m, "NOOP", 0);
#endif
#ifdef WEFT_MONITORING
    PyModule_AddStringConstant(m, "HOOKS", "sys.monitoring");
#else
    PyModule_AddStringConstant(m, "HOOKS", "PyEval_SetProfile");
#endif
    return m;
}

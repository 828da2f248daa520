/* Per-thread chunked buffers (one producer: the thread, one consumer: the writer), Buffer type.
 * Included by _fast.c only (static functions, one translation unit). */

#define SMALL_CHUNK 512
#define BIG_CHUNK 16384
/* Consumed big chunks kept for reuse (12.5 MB at most, within the 32 MB cap on chunks in flight):
 * with 16, four threads' chunks outran the list, and mapping fresh ones (the kernel zeroing their
 * pages) cost the threaded benchmark ~9 ns per call. */
#define FREE_LIST_MAX 64

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

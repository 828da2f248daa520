/* The writer side: packing EVENTS_PACKED records, wait, writer_gone, stop, fork, stats.
 * Included by _fast.c only (static functions, one translation unit). */

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

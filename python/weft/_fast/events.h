/* The events, as hooks.py records them, and the helpers of the hooks' fast paths.
 * Included by _fast.c only (static functions, one translation unit). */

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

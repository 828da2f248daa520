/* The clock: TSC or CLOCK_MONOTONIC, their calibration into ns, clock_cost() and now().
 * Included by _fast.c only (static functions, one translation unit). */

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

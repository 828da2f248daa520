/* Func ids: the code extra slot, the per-thread code cache, the C-function table.
 * Included by _fast.c only (static functions, one translation unit). */

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

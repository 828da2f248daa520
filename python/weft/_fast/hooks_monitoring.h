/* From 3.12: the sys.monitoring callbacks.
 * Included by _fast.c only (static functions, one translation unit). */

#ifdef WEFT_MONITORING

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

/* Module functions that control tracing: configure, attach, detach, forget, record, callbacks.
 * Included by _fast.c only (static functions, one translation unit). */

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

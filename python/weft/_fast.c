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

/* The parts, in this order: each uses what the ones before it define. They are included, not
 * compiled apart, so that the compiler sees one translation unit and inlines across them. */
#include "_fast/clock.h"
#include "_fast/buffer.h"
#include "_fast/funcs.h"
#include "_fast/events.h"
#include "_fast/hooks_profile.h"
#include "_fast/hooks_monitoring.h"
#include "_fast/control.h"
#include "_fast/drain.h"
#include "_fast/sigterm.h"

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

/* Up to 3.11: the profile function (PyEval_SetProfile).
 * Included by _fast.c only (static functions, one translation unit). */

#ifndef WEFT_MONITORING

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

"""The pure-Python profile hooks (sys.setprofile), one closure per thread.

Each event appends (t_ns, op) to the thread's own array; the writer thread takes complete pairs
from the front. Nothing here may raise: an exception in a profile hook would surface in the
traced program."""
import time
from array import array

ENTER, EXIT, C_ENTER, C_EXIT = 1, 0, 2, 3


class ThreadState:
    __slots__ = ("serial", "buf", "thread", "ident", "native", "name", "idle_flushes", "hook")

    def __init__(self, serial, thread, ident, native):
        self.serial = serial
        self.buf = array("q")
        self.thread = thread
        self.ident = ident
        self.native = native
        self.name = getattr(thread, "name", None) or "Thread-%d" % serial
        self.idle_flushes = 0
        self.hook = None


def make_hook(state, registry, c_calls=True, max_depth=0):
    """Return the profile function of one thread."""
    append = state.buf.append
    ids = registry.ids
    define_code = registry.code
    define_c = registry.c_function
    now = time.monotonic_ns

    if max_depth:
        return _make_depth_limited_hook(append, ids, define_code, define_c, now, c_calls, max_depth)

    def hook(frame, event, arg):
        t = now()
        if event == "call":
            code = frame.f_code
            fid = ids.get(code)
            if fid is None:
                fid = define_code(code)
            if fid:
                append(t)
                append(fid << 4 | ENTER)
        elif event == "return":
            fid = ids.get(frame.f_code)
            if fid:
                append(t)
                append(fid << 4)
        elif c_calls:
            if not _caller_recorded(frame.f_code, ids, define_code):
                return
            append(t)
            # The exit needs no id (the innermost open C call ends), which saves a look-up.
            append(define_c(arg) << 4 | C_ENTER if event == "c_call" else C_EXIT)

    return hook


def _make_depth_limited_hook(append, ids, define_code, define_c, now, c_calls, max_depth):
    depth = 0

    def hook(frame, event, arg):
        nonlocal depth
        t = now()
        if event == "call":
            code = frame.f_code
            fid = ids.get(code)
            if fid is None:
                fid = define_code(code)
            if fid:
                depth += 1
                if depth <= max_depth:
                    append(t)
                    append(fid << 4 | ENTER)
        elif event == "return":
            fid = ids.get(frame.f_code)
            if fid and depth > 0:
                if depth <= max_depth:
                    append(t)
                    append(fid << 4)
                depth -= 1
        elif c_calls:
            if not _caller_recorded(frame.f_code, ids, define_code):
                return
            if event == "c_call":
                depth += 1
                if depth <= max_depth:
                    append(t)
                    append(define_c(arg) << 4 | C_ENTER)
            elif depth > 0:
                if depth <= max_depth:
                    append(t)
                    append(C_EXIT)
                depth -= 1

    return hook


def _caller_recorded(code, ids, define_code):
    """C calls follow their caller's filters (a caller from before tracing began is decided
    here, the first time it calls anything)."""
    fid = ids.get(code)
    if fid is None:
        fid = define_code(code)
    return fid


"""The pure-Python profile hooks (sys.setprofile), one closure per thread, and PyBackend, the
hook/buffer layer of the agent that uses them (fast.py has the C one, with the same methods).

Each event appends (t_ns, op) to the thread's own array; the writer thread takes complete pairs
from the front. Nothing here may raise: an exception in a profile hook would surface in the
traced program."""
import sys
import threading
import time
from array import array

from . import stream

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



class PyBackend:
    """The agent's hook/buffer layer in pure Python: sys.setprofile in every thread."""
    name = "py"

    def __init__(self, options, registry):
        self.registry = registry
        self.c_calls = options.get("c_calls", True)
        self.max_depth = int(options.get("max_depth", 0) or 0)

    def new_state(self, serial, thread, ident, native):
        return ThreadState(serial, thread, ident, native)

    def _install(self, state):
        state.hook = make_hook(state, self.registry, self.c_calls, self.max_depth)
        sys.setprofile(state.hook)
        return state.hook

    def start(self, main, boot_hook):
        """Hooks on, for the calling (main) thread and every thread started from now on, whose
        first event goes to boot_hook."""
        threading.setprofile(boot_hook)
        self._install(main)

    def boot_thread(self, state, frame, event, arg):
        """In a new thread's first event: its own hook from now on, this event included."""
        self._install(state)(frame, event, arg)

    def stop(self):
        sys.setprofile(None)
        threading.setprofile(None)

    def take(self, states, segment_limit):
        """[(serial, events record, number of events)] of every complete event so far."""
        out = []
        for state in states:
            buf = state.buf
            n = len(buf) & ~1  # whole (t, op) pairs only; the owner may be appending
            if not n:
                continue
            chunk = buf[:n]
            del buf[:n]
            # In ring mode a segment holds a bounded number of events, so big chunks are cut.
            step = 2 * segment_limit or n
            for i in range(0, n, step):
                out.append((state.serial, stream.events_record(state.serial, chunk[i:i + step]),
                            min(step, n - i) // 2))
        return out

    def wait(self, seconds):
        time.sleep(seconds)

    def writer_gone(self):
        pass

    def finished(self):
        pass

    def dropped(self):
        return 0

    def forget(self, state):
        pass

    def after_fork_child(self, states, survivor):
        sys.setprofile(None)
        for state in states:
            del state.buf[:]

    def resume(self, state):
        """A forked child's surviving thread goes on with its hook."""
        sys.setprofile(state.hook)

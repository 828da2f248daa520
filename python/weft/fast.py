"""CBackend: the agent's hook/buffer layer in C (_fast.c), with the methods of hooks.PyBackend.

Up to 3.11 every thread gets the C profile function (PyEval_SetProfile); from 3.12 the agent is
a sys.monitoring tool with C callbacks (a free tool id, never PROFILER_ID: cProfile takes that
one, and a traced program that profiles itself must keep working), and each thread is attached
to its buffer. New threads are found as the Python agent finds them: threading.setprofile's hook
runs once at the start of each threading.Thread and attaches it.
"""
import os
import sys
import threading

from .hooks import ThreadState

# sys.monitoring tool ids without a predefined meaning. Not PROFILER_ID (2): cProfile takes that
# one from 3.12, and a traced program that profiles itself must keep working.
TOOL_IDS = (4, 3)

_EVENTS = ("PY_START", "PY_RESUME", "PY_THROW", "PY_RETURN", "PY_YIELD", "PY_UNWIND")
_C_EVENTS = ("CALL", "C_RETURN", "C_RAISE")


class Unavailable(Exception):
    """The C agent cannot be used in this process; the message says why, in a few words."""


def _built_for_me(path):
    """weft run built fast_so for the interpreter it started; a child process may run another
    one (subprocess of python3.9 from a 3.12 program), which must not load it."""
    import _imp
    name = os.path.basename(path)
    if name.endswith(_imp.extension_suffixes()[0]):
        return True
    # Another interpreter's extension suffix (.cpython-39-x86_64-linux-gnu.so): not for us.
    return ".cpython-" not in name and ".pypy" not in name


def load_module(options):
    path = options.get("fast_so")
    if not path or not _built_for_me(path):
        # Started without weft run's preparation, or by another interpreter than the one weft run
        # prepared: a build in the cache will do.
        try:
            from . import _build
            path = _build.cache_path(options.get("fast_variant", "full"))
        except Exception as exc:
            raise Unavailable("cannot find the C agent: %s" % exc)
        if not os.path.exists(path):
            raise Unavailable("the C agent is not built for this interpreter (weft check --build builds it)")
    try:
        from . import _build
        return _build.load(path)
    except Exception as exc:
        raise Unavailable("cannot load the C agent %s: %s" % (path, exc))


class CBackend:
    name = "c"

    def __init__(self, options, registry):
        if not getattr(sys, "_is_gil_enabled", lambda: True)():
            raise Unavailable("the C agent does not run without the GIL (free-threaded build)")
        self.registry = registry
        self.c_calls = bool(options.get("c_calls", True))
        self.fast = load_module(options)
        self.monitoring = sys.version_info >= (3, 12)
        self.noop = bool(self.fast.NOOP)
        self.tool = None
        if self.monitoring:
            # Never evict another tool: take a free id, or say which ones are taken.
            mon = sys.monitoring
            for tool in TOOL_IDS:
                if mon.get_tool(tool) is None:
                    try:
                        mon.use_tool_id(tool, "weft")
                    except ValueError:
                        continue
                    self.tool = tool
                    break
            if self.tool is None:
                raise Unavailable("sys.monitoring tools %s are taken (by %s)" % (
                    " and ".join(str(t) for t in TOOL_IDS),
                    ", ".join(repr(mon.get_tool(t)) for t in TOOL_IDS)))
        self.fast.configure(registry.code, registry.c_function, self.c_calls,
                            int(options.get("max_depth", 0) or 0), os.environ.get("WEFT_CLOCK"))
        self.hooks_on = False

    def new_state(self, serial, thread, ident, native):
        state = ThreadState(serial, thread, ident, native)
        state.buf = self.fast.Buffer(serial)
        return state

    def start(self, main, boot_hook):
        threading.setprofile(boot_hook)
        self.fast.attach(main.buf)
        if self.monitoring:
            mon = sys.monitoring
            events = _EVENTS + (_C_EVENTS if self.c_calls else ())
            callbacks = self.fast.callbacks()
            mask = 0
            for name in events:
                event = getattr(mon.events, name)
                mon.register_callback(self.tool, event, callbacks[name])
                mask |= event
            mon.set_events(self.tool, mask)
        self.hooks_on = True

    def boot_thread(self, state, frame, event, arg):
        self.fast.attach(state.buf)
        if self.monitoring:
            # The C callbacks are called after this legacy hook for the same event, and record
            # it; the legacy profiler is no longer needed in this thread.
            sys.setprofile(None)
        else:
            self.fast.record(state.buf, frame, event, arg)

    def stop(self):
        """Hooks off first, so that the agent's own work after this is not recorded."""
        if self.monitoring and self.hooks_on:
            mon = sys.monitoring
            mon.set_events(self.tool, 0)
            for name in _EVENTS + _C_EVENTS:
                mon.register_callback(self.tool, getattr(mon.events, name), None)
            try:
                mon.free_tool_id(self.tool)
            except ValueError:
                pass
        self.fast.detach()
        threading.setprofile(None)
        self.hooks_on = False

    def take(self, states, segment_limit):
        return self.fast.drain([s.buf for s in states], segment_limit)

    def wait(self, seconds):
        self.fast.wait(seconds)

    def writer_gone(self):
        self.fast.writer_gone()

    def finished(self):
        self.fast.stop()

    def dropped(self):
        return self.fast.stats()["dropped"]

    def forget(self, state):
        self.fast.forget(state.buf)

    def after_fork_child(self, states, survivor):
        self.fast.detach()
        self.fast.after_fork_child(survivor.buf if survivor is not None else None)
        for state in states:
            state.buf.clear()

    def resume(self, state):
        """A forked child's surviving thread goes on (under its new serial)."""
        state.buf.serial = state.serial
        self.fast.attach(state.buf)

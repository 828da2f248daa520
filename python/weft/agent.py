"""The agent of one traced process: session stream, per-thread hooks, the writer thread, and
the ways a process can end (exit, os._exit, SIGTERM, fork, crash)."""
import atexit
import faulthandler
import json
import os
import sys
import threading
import time
import _thread

from . import hooks, stream, termination
from .functions import FuncRegistry

_agent = None


def start_from_environment():
    global _agent
    if _agent is None:
        options = json.loads(os.environ["WEFT_OPTIONS"])
        _agent = Agent(options)
        _agent.start()
    return _agent


def _process_argv():
    try:
        with open("/proc/self/cmdline", "rb") as f:
            return [a.decode("utf-8", "replace") for a in f.read().split(b"\0")[:-1]]
    except OSError:
        return list(getattr(sys, "orig_argv", sys.argv))


class Agent:
    def __init__(self, options):
        self.options = options
        self.session = options["session"]
        self.flush_interval = options.get("flush_ms", 50) / 1000.0
        self.registry = FuncRegistry(options.get("include", ()), options.get("exclude", ()),
                                     options.get("show_imports", False))
        self.lock = _thread.RLock()  # re-entrant: the SIGTERM handler may interrupt a write
        self.states = []
        self.next_serial = 0
        self.finished = False
        self.finishing = False
        self.pending_signal = None
        self.stream = None
        self.fork_of = None
        self.process_name = None
        self.dropped_reported = 0
        self._real_exit = os._exit
        self.termination = termination.TerminationWatch(self._end_by_signal)
        self.backend = self._choose_backend(options)

    def _choose_backend(self, options):
        """The C hooks when weft run asked for them (agent "c") and they work in this process;
        else the pure-Python ones, saying why in one line."""
        if options.get("agent", "py") == "c":
            from . import fast
            try:
                return fast.CBackend(options, self.registry)
            except fast.Unavailable as exc:
                sys.stderr.write("weft: process %d: %s; using the pure-Python agent\n" % (os.getpid(), exc))
        return hooks.PyBackend(options, self.registry)

    # -- start ----------------------------------------------------------------------------
    def start(self):
        self._open_stream()
        self._start_writer()
        main = self._new_thread_state(threading.main_thread())
        atexit.register(self.finish, "exit")
        os._exit = self._os_exit
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(before=self._before_fork, after_in_parent=self._after_fork_parent,
                                after_in_child=self._after_fork_child)
        self.termination.install(getattr(self.backend, "fast", None))
        # Hooks last, so that the agent's own start is not in the trace.
        self.backend.start(main, self._thread_boot_hook)

    def _open_stream(self):
        self.pid = os.getpid()
        self.start_ns = time.monotonic_ns()
        self.stream = stream.StreamFile(self.session, self.pid, self.start_ns,
                                        int(self.options.get("ring", 0) or 0))
        self._open_fault_file()
        self.stream.write(self._process_record())

    def _open_fault_file(self):
        inherited = getattr(self, "fault_file", None)
        if inherited is not None:
            inherited.close()
        try:
            path = "%s.fault" % self.stream.base
            self.fault_file = open(path, "w")
            faulthandler.enable(file=self.fault_file, all_threads=True)
        except (OSError, RuntimeError, ValueError):
            self.fault_file = None

    def _process_record(self):
        return stream.meta_record({
            "k": "process", "pid": self.pid, "ppid": os.getppid(), "argv": _process_argv(),
            "exe": sys.executable, "python": "%d.%d.%d" % sys.version_info[:3],
            "start_ns": self.start_ns, "fork_of": self.fork_of, "agent": self.backend.name,
            "options": {k: v for k, v in self.options.items() if k != "session"},
        })

    def _new_thread_state(self, thread):
        state = self.backend.new_state(self.next_serial, thread, _thread.get_ident(),
                                       getattr(threading, "get_native_id", _thread.get_ident)())
        self.next_serial += 1
        self.states.append(state)
        state_record = self._thread_record(state, state.name)
        with self.lock:
            self.stream.write(state_record)
        return state

    def _thread_record(self, state, name):
        return stream.meta_record({
            "k": "thread", "tid": state.serial, "ident": state.ident, "native": state.native,
            "name": name, "main": state.thread is threading.main_thread(),
            "start_ns": time.monotonic_ns(),
        })

    def _thread_boot_hook(self, frame, event, arg):
        """threading.setprofile's hook: runs once in each new thread, then hands over to the
        thread's own hook (which records this first event too)."""
        state = self._new_thread_state(threading.current_thread())
        self.backend.boot_thread(state, frame, event, arg)

    # -- writing --------------------------------------------------------------------------
    def _start_writer(self):
        _thread.start_new_thread(self._writer_loop, ())

    def _writer_loop(self):
        # Not a threading.Thread: the program's threading.enumerate() must not see it. Signals
        # are left to the program's threads: one taken here would wait for the main thread's
        # next bytecode, where the program's own default action would have acted at once.
        termination.block_signals()
        while not self.finished:
            self.backend.wait(self.flush_interval)
            try:
                self.flush()
            except Exception as exc:  # a full disk must not kill the program
                self.backend.writer_gone()
                sys.stderr.write("weft: cannot write the trace: %s\n" % exc)
                return

    def flush(self):
        with self.lock:
            self._flush_locked()

    def _flush_locked(self):
        if self.stream is None:
            return
        parts = []  # records, or (events record, number of events)
        self._note_names(parts)
        states = list(self.states)
        taken = self.backend.take(states, self.stream.segment_limit)
        active = set()
        for serial, record, n in taken:
            active.add(serial)
            parts.append((record, n))
        for state in states:
            if state.serial in active:
                state.idle_flushes = 0
            else:
                self._forget_if_ended(state)
        dropped = self.backend.dropped()
        if dropped != self.dropped_reported:
            self.dropped_reported = dropped
            parts.append(stream.meta_record({"k": "dropped", "events": dropped, "reason": "buffer"}))
        # Taken after the events: a hook defines a function before appending events that use
        # it, so every id in this flush is defined in it or earlier.
        funcs = self.registry.take_pending()
        if funcs:
            parts.insert(0, stream.meta_record({"k": "funcs", "items": funcs}))
        if parts:
            self.stream.write_parts(parts, self._preamble)

    def _note_names(self, parts):
        for state in self.states:
            name = getattr(state.thread, "name", None)
            if name and name != state.name:
                state.name = name
                parts.append(self._thread_record(state, name))
        mp = sys.modules.get("multiprocessing.process")
        if mp is not None:
            try:
                name = mp.current_process().name
            except Exception:
                name = None
            if name and name != self.process_name:
                self.process_name = name
                parts.append(stream.meta_record({"k": "process_name", "name": name}))

    def _forget_if_ended(self, state):
        thread = state.thread
        if thread is not None and not thread.is_alive():
            state.idle_flushes += 1
            if state.idle_flushes > 2:
                self.states.remove(state)
                self.backend.forget(state)

    def _preamble(self):
        """What a new segment needs to be read on its own (ring mode)."""
        parts = [self._process_record()]
        if self.process_name:
            parts.append(stream.meta_record({"k": "process_name", "name": self.process_name}))
        parts += [self._thread_record(s, s.name) for s in self.states]
        parts.append(stream.meta_record({"k": "funcs", "items": self.registry.all}))
        return b"".join(parts)

    # -- the end --------------------------------------------------------------------------
    def finish(self, how, code=None, signum=None):
        """Write what is left and the end record. False when another call does (or did) it."""
        if self.finished or self.finishing:
            return False
        self.finishing = True
        self.backend.stop()  # the agent's own work is not the program's
        with self.lock:
            if self.finished or self.stream is None:
                return False
            self._flush_locked()
            end = {"k": "end", "how": how, "code": code, "t": time.monotonic_ns()}
            if signum is not None:
                end["signal"] = signum
            self.stream.write(stream.meta_record(end))
            self.finished = True
            self.backend.finished()
            self.stream.close()
            self.stream = None
        if self.pending_signal:
            termination.die_of(self.pending_signal, self._real_exit)
        return True

    def _os_exit(self, code):
        try:
            self.finish("os._exit", code)
        finally:
            self._real_exit(code)

    def _end_by_signal(self, signum):
        """SIGTERM, from the main thread's handler or the watcher thread: write the trace, then
        die of the signal as the program would have without weft."""
        if self.finished or self.finish("signal", None, signum):
            termination.die_of(signum, self._real_exit)
        # A finish is under way (atexit, os._exit, the other path): cutting into its flush would
        # lose the events it has taken, so it ends first and then dies of the signal.
        self.pending_signal = signum

    # -- fork -----------------------------------------------------------------------------
    def _before_fork(self):
        self.lock.acquire()

    def _after_fork_parent(self):
        self.lock.release()

    def _after_fork_child(self):
        """A forked child is a new process: a new stream, only the forking thread, and the
        parent's unwritten events left to the parent."""
        self.lock = _thread.RLock()
        self.termination.after_fork_child()
        if self.finished:
            return
        parent = self.pid
        me = _thread.get_ident()
        survivor = None
        for state in self.states:
            if state.ident == me:
                survivor = state
        self.backend.after_fork_child(self.states, survivor)
        self.dropped_reported = 0
        self.fork_of = parent
        self._open_stream()
        self.states = []
        self.next_serial = 0
        self.stream.write(stream.meta_record({"k": "funcs", "items": self.registry.all}))
        self.registry.pending = []
        if survivor is not None:
            survivor.serial = self.next_serial
            survivor.native = getattr(threading, "get_native_id", _thread.get_ident)()
            self.next_serial += 1
            self.states.append(survivor)
            self.stream.write(self._thread_record(survivor, survivor.name))
        self._start_writer()
        if survivor is not None:
            self.backend.resume(survivor)

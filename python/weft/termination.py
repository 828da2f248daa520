"""SIGTERM with the trace written, and otherwise what SIGTERM does without weft.

A Python-level handler alone is not enough: it runs only when the main thread reaches its next
bytecode, and a main thread asleep in C (a multiprocessing Pool worker waiting on its queue's
semaphore, say) may never get there, so the process that SIGTERM kills at once without weft
would hang, and its parent with it (Pool.terminate joins its workers). So CPython's wakeup fd
tells a watcher thread about the signal too, and whichever of the two gets there first writes
the trace and then lets the signal's default action end the process. With the C agent, its own
C-level handler feeds the watcher instead (a program may clear Python's wakeup fd: the children
of multiprocessing's forkserver do), and no Python-level handler is installed at all.
"""
import os
import signal
import time
import _thread


def block_signals():
    """For the agent's own threads: asynchronous signals go to the program's threads."""
    if hasattr(signal, "pthread_sigmask"):
        synchronous = {signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGILL, signal.SIGABRT}
        try:
            signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.valid_signals()) - synchronous)
        except (OSError, ValueError):
            pass


def die_of(signum, last_resort_exit):
    """End the process by the signal's default action, from any thread."""
    try:
        signal.signal(signum, signal.SIG_DFL)
    except ValueError:  # not the main thread: ask libc directly
        try:
            import ctypes
            libc = ctypes.CDLL(None)
            libc.signal.argtypes = (ctypes.c_int, ctypes.c_void_p)
            libc.signal.restype = ctypes.c_void_p
            libc.signal(signum, None)  # SIG_DFL
        except Exception:
            pass
    os.kill(os.getpid(), signum)
    time.sleep(1.0)  # the signal may be taken by another thread, which ends the process
    last_resort_exit(128 + signum)


class TerminationWatch:
    """Calls on_signal(signum) once SIGTERM arrives, from the main thread's handler or from the
    watcher thread, whichever comes first (on_signal must cope with both)."""

    def __init__(self, on_signal):
        self.on_signal = on_signal
        self.read_fd = self.write_fd = -1
        self.fast = None  # the C agent, whose own SIGTERM handler writes to our pipe

    def install(self, fast=None):
        """In the main thread. Only when the program left SIGTERM to its default action."""
        try:
            if signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
                return
        except (ValueError, OSError):
            return
        if hasattr(fast, "watch_sigterm"):
            self.fast = fast
            self._watch_c_handler()
            return
        try:
            signal.signal(signal.SIGTERM, self.handler)
        except (ValueError, OSError):
            return
        self._watch_wakeup_fd()

    def after_fork_child(self):
        """The pipe is shared with the parent: a child's signal must not wake the parent."""
        for fd in (self.read_fd, self.write_fd):
            if fd >= 0:
                os.close(fd)
        self.read_fd = self.write_fd = -1
        if self.fast is not None:
            self._watch_c_handler()
        elif signal.getsignal(signal.SIGTERM) == self.handler:
            try:
                signal.set_wakeup_fd(-1)
            except ValueError:
                return
            self._watch_wakeup_fd()

    def handler(self, signum, frame):
        self.on_signal(signum)

    def _watch_c_handler(self):
        try:
            read_fd, write_fd = os.pipe()
            os.set_blocking(write_fd, False)
            self.fast.watch_sigterm(write_fd)
        except OSError:
            return
        self.read_fd, self.write_fd = read_fd, write_fd
        _thread.start_new_thread(self._watch, (read_fd,))

    def _watch_wakeup_fd(self):
        try:
            previous = signal.set_wakeup_fd(-1)
            if previous != -1:  # the program's own: leave it alone
                signal.set_wakeup_fd(previous)
                return
            read_fd, write_fd = os.pipe()
            os.set_blocking(write_fd, False)
            signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        except (ValueError, OSError):
            return
        self.read_fd, self.write_fd = read_fd, write_fd
        _thread.start_new_thread(self._watch, (read_fd,))

    def _watch(self, read_fd):
        block_signals()
        while True:
            try:
                data = os.read(read_fd, 64)
            except OSError:
                return
            if not data:
                return
            # Every signal with a Python handler is written here; SIGTERM only counts while the
            # handler is still ours (the program may have installed its own since).
            ours = self.fast is not None or signal.getsignal(signal.SIGTERM) == self.handler
            if signal.SIGTERM in data and ours:
                self.on_signal(signal.SIGTERM)
                return

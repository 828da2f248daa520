/* The SIGTERM watcher.
 * Included by _fast.c only (static functions, one translation unit). */

/* SIGTERM, seen without Python's help: a Python-level handler runs only when the main thread
 * reaches its next bytecode, which a main thread asleep in C (a Pool worker in sem_wait) may never
 * do, and a program may clear Python's wakeup fd (multiprocessing's forkserver children do).
 * This handler only writes the signal number to the agent's pipe, with SA_RESTART so that the
 * program's system calls do not even notice; the agent's watcher thread writes the trace and then
 * lets the default action end the process. A program that installs its own SIGTERM handler
 * replaces this one, and handles SIGTERM itself. */
static volatile int g_sigterm_fd = -1;

static void on_sigterm(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (g_sigterm_fd >= 0) {
        ssize_t ignored = write(g_sigterm_fd, &b, 1);
        (void)ignored;
    }
    errno = saved;
}

static PyObject *fast_watch_sigterm(PyObject *m, PyObject *arg)
{
    long fd = PyLong_AsLong(arg);
    if (fd == -1 && PyErr_Occurred()) return NULL;
    g_sigterm_fd = (int)fd;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigterm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGTERM, &sa, NULL) != 0) return PyErr_SetFromErrno(PyExc_OSError);
    Py_RETURN_NONE;
}

"""Shared by the benchmark programs: one machine-readable line on stdout at the end.

work_ns is the time of the work part only (measured inside the program, so it leaves out
interpreter start-up, the tracer's set-up and whatever a tracer does after the program ends);
work_end_ns is time.monotonic_ns() when the work ended: CLOCK_MONOTONIC, the clock Node's
process.hrtime uses too, so the harness can tell how long a tool took after the work was done.
"""
import json
import sys


def _peak_rss_kb():
    """Peak RSS of this process so far, kB: VmHWM of the process's own memory. (getrusage's
    ru_maxrss would do elsewhere, but on Linux it keeps the peak of the process that forked and
    exec'd this one, here the benchmark's node.)"""
    try:
        with open("/proc/self/status") as f:
            for row in f:
                if row.startswith("VmHWM:"):
                    return int(row.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except (ImportError, OSError):
        return None


def report(t0, t1, **extra):
    line = {"work_ns": t1 - t0, "work_end_ns": t1}
    peak = _peak_rss_kb()
    if peak is not None:
        line["maxrss_kb"] = peak
    line.update(extra)
    sys.stdout.write("WEFT_BENCH " + json.dumps(line, sort_keys=True) + "\n")
    sys.stdout.flush()

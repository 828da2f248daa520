"""Shared by the benchmark programs: one machine-readable line on stdout at the end.

work_ns is the time of the work part only (measured inside the program, so it leaves out
interpreter start-up, the tracer's set-up and whatever a tracer does after the program ends);
work_end_ns is time.monotonic_ns() when the work ended: CLOCK_MONOTONIC, the clock Node's
process.hrtime uses too, so the harness can tell how long a tool took after the work was done.
"""
import json
import sys


def report(t0, t1, **extra):
    line = {"work_ns": t1 - t0, "work_end_ns": t1}
    try:
        import resource  # peak RSS so far (kB on Linux): what the tracer added while the work ran
        line["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except (ImportError, OSError):
        pass
    line.update(extra)
    sys.stdout.write("WEFT_BENCH " + json.dumps(line, sort_keys=True) + "\n")
    sys.stdout.flush()

"""Threaded: 4 CPU-bound threads calling small functions (helpers that do a little arithmetic
in a loop, plus a little recursion): about 5M calls per second untraced, like mixed.py, and
the density that the issue's VizTracer figure for 4 CPU-bound threads (8.6x end to end) implies.
With the GIL they take turns; the total work is fixed, so the untraced time is about that of
one thread doing it all. usage: threaded.py UNITS [THREADS]"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import report  # noqa: E402


def step(x):
    for _ in range(6):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
    return x


def mix(a, b):
    return (a ^ b) + 1


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def unit(seed):
    acc = seed
    for i in range(200):
        acc = mix(acc, step(i + acc % 7))
    return acc + fib(12)


def worker(index, units, results):
    acc = 0
    for u in range(units):
        acc = (acc + unit(index * 1000003 + u)) & 0xFFFFFFFF
    results[index] = acc


def main():
    units = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    nthreads = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    results = [0] * nthreads
    t0 = time.monotonic_ns()
    threads = [threading.Thread(target=worker, args=(i, units, results), name="worker-%d" % i)
               for i in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t1 = time.monotonic_ns()
    # per unit: 200 step + 200 mix + 465 fib calls, plus unit() itself
    calls = nthreads * units * (200 + 200 + 465 + 1)
    report(t0, t1, threads=nthreads, units=units, checksum=sum(results) & 0xFFFFFFFF, calls=calls)


if __name__ == "__main__":
    main()

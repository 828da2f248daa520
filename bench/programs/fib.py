"""Call-heavy: naive recursive fib(N). Every call is a Python call; there are no C calls
in the hot part. usage: fib.py N"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import report  # noqa: E402


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def calls_of_fib(n):
    """Number of fib() calls that fib(n) makes, itself included: 2*F(n+1) - 1."""
    a, b = 0, 1
    for _ in range(n + 1):
        a, b = b, a + b
    return 2 * a - 1


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    t0 = time.monotonic_ns()
    result = fib(n)
    t1 = time.monotonic_ns()
    report(t0, t1, n=n, result=result, calls=calls_of_fib(n))


if __name__ == "__main__":
    main()

"""Primes in 3 processes: each process has its own interpreter and its own GIL, so the work
really runs in parallel (on a machine with 3 cores or more).

Usage: primes_processes.py [fork|spawn|forkserver]   (the multiprocessing start method)"""
import multiprocessing
import random
import sys

from primes_single import get_prime_arr


def main(method):
    random.seed(42)
    num_arr = [random.randint(100, 10000) for _ in range(6000)]
    parts = [num_arr[i::3] for i in range(3)]
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(3) as pool:
        results = pool.map(get_prime_arr, parts)
    print(f"{sum(sum(r) for r in results)} of {len(num_arr)} numbers are prime ({method})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fork")

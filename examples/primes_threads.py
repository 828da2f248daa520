"""Primes in 3 threads: the same work as primes_single.py split three ways.

It is not faster: the threads take turns holding the GIL, so only one of them runs Python
code at any moment. The trace shows three lanes that never really overlap."""
import random
import threading

from primes_single import get_prime_arr


def main():
    random.seed(42)
    num_arr = [random.randint(100, 10000) for _ in range(6000)]
    parts = [num_arr[i::3] for i in range(3)]
    results = [None] * 3

    def work(k):
        results[k] = get_prime_arr(parts[k])

    threads = [threading.Thread(target=work, args=(k,), name=f"primes-{k}") for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"{sum(sum(r) for r in results)} of {len(num_arr)} numbers are prime")


if __name__ == "__main__":
    main()

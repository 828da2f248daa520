"""Primes in one thread: the baseline for primes_threads.py and primes_processes.py.

Checks 6000 numbers for primality by trial division, the slow way on purpose."""
import random


def is_prime(n):
    for i in range(2, n):
        if n % i == 0:
            return False
    return True


def get_prime_arr(arr):
    return [is_prime(elem) for elem in arr]


if __name__ == "__main__":
    random.seed(42)
    num_arr = [random.randint(100, 10000) for _ in range(6000)]
    primes = get_prime_arr(num_arr)
    print(f"{sum(primes)} of {len(num_arr)} numbers are prime")

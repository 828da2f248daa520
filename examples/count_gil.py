"""CPU-bound counting, sequential vs two threads (David Beazley's classic GIL demo).

Counting down from N twice in a row, and then in two threads at once. With the GIL the
threaded version is no faster, and often slower: the threads fight over the lock."""
import threading
import time

N = 5_000_000


def countdown(n):
    while n > 0:
        n -= 1


def sequential():
    countdown(N)
    countdown(N)


def two_threads():
    threads = [threading.Thread(target=countdown, args=(N,), name=f"count-{i}") for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    for run in (sequential, two_threads):
        began = time.perf_counter()
        run()
        print(f"{run.__name__:>12}: {time.perf_counter() - began:.2f} s")

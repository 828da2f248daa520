"""Sleeping I/O in threads: where threads do help. Each task waits 0.2 s (standing in for a
network call); the waits overlap, so 8 tasks take about 0.2 s in 8 threads, 1.6 s in one."""
import threading
import time


def fetch(url):
    time.sleep(0.2)  # the GIL is released while waiting
    return len(url)


def sequential(urls):
    return [fetch(u) for u in urls]


def threaded(urls):
    results = [None] * len(urls)

    def worker(i, url):
        results[i] = fetch(url)

    threads = [threading.Thread(target=worker, args=(i, u), name=f"fetch-{i}") for i, u in enumerate(urls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


if __name__ == "__main__":
    urls = [f"https://example.com/page/{i}" for i in range(8)]
    for run in (sequential, threaded):
        began = time.perf_counter()
        run(urls)
        print(f"{run.__name__:>10}: {time.perf_counter() - began:.2f} s")

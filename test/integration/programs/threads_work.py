# 3 threads each call work() exactly 1000 times; the main thread never does.
import threading


def work(i):
    return i * 2


def worker():
    for i in range(1000):
        work(i)


threads = [threading.Thread(target=worker, name="worker-%d" % k) for k in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()

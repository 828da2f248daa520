# Child Python processes of every kind: a ProcessPoolExecutor, subprocess.run of the same
# interpreter, and a bare os.fork. Each child calls child_work() a known number of times.
import concurrent.futures
import os
import subprocess
import sys


def child_work(n):
    return n + 1


def task(n):
    for i in range(n):
        child_work(i)
    return n


if __name__ == "__main__":
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        print(sum(pool.map(task, [10, 20, 30])))
    code = "import sys; sys.path.insert(0, %r); import children; children.task(7)" % os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, "-c", code], check=True)
    pid = os.fork()
    if pid == 0:
        task(5)
        os._exit(0)
    os.waitpid(pid, 0)

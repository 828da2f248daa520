# Child processes of three kinds (fork, subprocess of the same interpreter, multiprocessing
# spawn), each doing known work: the process tree and every process's calls must be the same
# under the C agent and the pure-Python one (fast-path.test.ts).
import multiprocessing
import os
import subprocess
import sys


def work(n):
    return sum(i * i for i in range(n))


def child(n):
    for i in range(n):
        work(i)


if __name__ == "__main__":
    child(5)
    pid = os.fork()
    if pid == 0:
        child(3)
        os._exit(0)
    os.waitpid(pid, 0)
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, %r); import fast_procs; fast_procs.child(4)" % here],
                   check=True)
    p = multiprocessing.get_context("spawn").Process(target=child, args=(6,), name="spawned")
    p.start()
    p.join()

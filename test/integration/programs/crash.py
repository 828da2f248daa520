# Does some work, waits long enough for it to be flushed, then ends the way argv[1] says.
import ctypes
import os
import signal
import sys
import time


def work(n):
    return sum(range(n))


def phase():
    for _ in range(100):
        work(1000)


phase()
time.sleep(0.4)
mode = sys.argv[1]
if mode == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
elif mode == "exit3":
    os._exit(3)
elif mode == "segv":
    ctypes.string_at(0)
elif mode == "wait":
    print("ready", flush=True)
    time.sleep(60)
    print("not interrupted")

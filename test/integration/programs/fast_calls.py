# A deterministic program for comparing the C agent with the pure-Python one (fast-path.test.ts):
# recursion, generators (next, throw, close), exceptions caught and uncaught in frames, coroutines
# under asyncio, builtins and method descriptors (on builtin types and on subclasses, whose names
# follow the subclass), classmethods on subclasses, C functions calling back into Python, and
# threads. Every thread's own sequence of calls is the same from run to run.
import asyncio
import collections
import functools
import itertools
import json
import os
import re
import sys
import threading


class MyList(list):
    pass


class MyDict(dict):
    pass


def gen(n):
    for i in range(n):
        try:
            yield i
        except ValueError:
            yield -1


def boom():
    raise KeyError("x")


def catches():
    try:
        boom()
    except KeyError:
        pass
    try:
        int("nope")
    except ValueError:
        pass


async def leaf(i):
    await asyncio.sleep(0)
    return i * 2


async def main_async():
    r = await asyncio.gather(*(leaf(i) for i in range(5)))
    await asyncio.ensure_future(leaf(10))
    return sum(r)


def descriptors():
    a = MyList()
    a.append(1)
    a.extend([2, 3])
    b = []
    b.append(1)
    MyDict.fromkeys("ab")
    dict.fromkeys("cd")
    ", ".join(["x", "y"])
    str.upper("abc")
    f = "abc".upper
    f()
    f()
    list(map(abs, [-1, 2]))
    sorted([3, 1, 2], key=lambda x: -x)
    functools.reduce(lambda a, b: a + b, [1, 2, 3])
    [x * 2 for x in range(3)]
    {k: v for k, v in zip("ab", range(2))}
    collections.Counter("hello").most_common(1)
    json.loads(json.dumps({"a": [1, 2, {"b": None}]}))
    re.sub(r"\d", "#", "a1b22")
    getattr(os, "getpid")()
    len(sys.argv)
    isinstance(1, int)
    max(1, 2)


def deep(n):
    if n:
        return deep(n - 1)
    return list(itertools.islice(gen(5), 3))


def main():
    g = gen(3)
    next(g)
    g.throw(ValueError)
    g.close()
    catches()
    descriptors()
    deep(30)
    asyncio.run(main_async())
    threads = [threading.Thread(target=descriptors, name="worker-%d" % i) for i in range(2)]
    for t in threads:
        t.start()
        t.join()


main()

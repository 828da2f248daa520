# A program that profiles part of itself with cProfile while weft traces it: both must work
# (from 3.12 cProfile is a sys.monitoring tool, which weft's C agent must leave it room for).
import cProfile
import io
import pstats


def inner(n):
    return sum(range(n))


def outer():
    for i in range(20):
        inner(i)


prof = cProfile.Profile()
prof.enable()
outer()
prof.disable()
out = io.StringIO()
pstats.Stats(prof, stream=out).print_stats()
print("cProfile saw inner: %s" % ("inner" in out.getvalue()))
outer()

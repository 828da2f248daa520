# Runs a script under cProfile and prints {"line:name": [ncalls, primitive]} for the functions
# defined in that script: the reference weft's counts are held to.
import json
import os
import pstats
import subprocess
import sys
import tempfile

script = os.path.abspath(sys.argv[1])
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "prof")
    subprocess.run([sys.executable, "-m", "cProfile", "-o", out, script], check=True,
                   stdout=subprocess.DEVNULL)
    stats = pstats.Stats(out).stats
counts = {}
for (filename, line, name), (primitive, ncalls, _tt, _ct, _callers) in stats.items():
    if os.path.abspath(filename) == script:
        counts["%d:%s" % (line, name.split(".")[-1])] = [ncalls, primitive]
print(json.dumps(counts, sort_keys=True))

# Reports what a program sees of its invocation, and exits with the status it is asked for.
import json
import sys

data = sys.stdin.read()
print(json.dumps({
    "argv": sys.argv,
    "name": __name__,
    "path0": sys.path[0],
    "stdin": data,
    "file": __file__,
}))
sys.stderr.write("to stderr\n")
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0)

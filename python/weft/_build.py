"""Builds weft's C fast path (_fast.c, and the parts it includes from _fast/) for the interpreter
that runs this file, with that interpreter's own compiler, flags and headers (sysconfig), and
caches the result per interpreter version and ABI, so that later runs load it at once.

Standalone (stdlib only, no package imports), because `weft run` and `weft check` run it as a
script before the traced program starts:

    python -I -S _build.py ensure [--variant full|noop]   build if needed, print one JSON line
    python -I -S _build.py status                          what would be used and why (no build)

The cache is $XDG_CACHE_HOME/weft (default ~/.cache/weft), or $WEFT_CACHE_DIR when set. A cached
file's name holds a hash of the sources, the interpreter's full version string and its extension
suffix (the ABI), so a changed source or another build of the interpreter never loads a stale one.
"""
import os
import sys

# The agent imports this module to load a built file (load()); the rest is for the command line,
# so the other imports are made where they are needed: the traced program must not find
# subprocess and the like imported on its behalf.

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "_fast.c")
PARTS = os.path.join(HERE, "_fast")  # the files _fast.c includes: they are compiled as much as it is
MODULE = "weft._fast"
VARIANTS = {"full": [], "noop": ["-DWEFT_NOOP"]}
_FORMAT = "1"  # bump to invalidate every cached build


def _suffix():
    import importlib.machinery
    return importlib.machinery.EXTENSION_SUFFIXES[0]


def cache_dir():
    explicit = os.environ.get("WEFT_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "weft")


def sources():
    """Every file a build compiles, relative to HERE: _fast.c, then the files of _fast/ by name."""
    names = sorted(os.listdir(PARTS)) if os.path.isdir(PARTS) else []
    return ["_fast.c"] + ["_fast/" + n for n in names if os.path.isfile(os.path.join(PARTS, n))]


def cache_path(variant="full"):
    import hashlib
    h = hashlib.sha256()
    for name in sources():
        # the name too: a part renamed (or moved out) changes what _fast.c includes
        with open(os.path.join(HERE, name), "rb") as f:
            h.update(name.encode())
            h.update(b"\0")
            h.update(f.read())
            h.update(b"\0")
    for part in (sys.version.encode(), _suffix().encode(), variant.encode(), _FORMAT.encode(),
                 sys.implementation.cache_tag.encode()):
        h.update(part)
        h.update(b"\0")
    name = "_fast-%s-%s-%s%s" % (sys.implementation.cache_tag, variant, h.hexdigest()[:16], _suffix())
    return os.path.join(cache_dir(), name)


def hooks_name():
    return "sys.monitoring" if sys.version_info >= (3, 12) else "PyEval_SetProfile"


def toolchain():
    """The compile command's parts, or a reason why there is none."""
    import shlex
    import shutil
    import sysconfig
    cc = shlex.split(sysconfig.get_config_var("LDSHARED") or "")
    if not cc:
        cc = shlex.split(sysconfig.get_config_var("CC") or "cc") + ["-shared"]
    include = sysconfig.get_paths().get("include") or ""
    platinclude = sysconfig.get_paths().get("platinclude") or include
    out = {"cc": cc, "include": include, "platinclude": platinclude,
           "cflags": shlex.split(sysconfig.get_config_var("CFLAGS") or ""),
           "ccshared": shlex.split(sysconfig.get_config_var("CCSHARED") or "-fPIC"),
           "compiler": shutil.which(cc[0]) if cc else None, "headers": None, "reason": None}
    if os.path.exists(os.path.join(include, "Python.h")):
        out["headers"] = include
    if out["compiler"] is None:
        out["reason"] = "no C compiler (%s) on PATH" % (cc[0] if cc else "cc")
    elif out["headers"] is None:
        out["reason"] = "no Python headers (Python.h) in %s (install the python%d.%d-dev package)" % (
            include or "the include folder", sys.version_info[0], sys.version_info[1])
    return out


def _compile(tc, variant, target, extra):
    import shlex
    import subprocess
    flags = [f for f in tc["cflags"] if not f.startswith("-g")]  # no debug info: faster build
    cmd = (tc["cc"] + flags + tc["ccshared"] + ["-I" + tc["include"], "-I" + tc["platinclude"]]
           + VARIANTS[variant] + extra + ["-fvisibility=hidden", SOURCE, "-o", target])
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return proc.returncode, " ".join(shlex.quote(c) for c in cmd), proc.stdout.decode("utf-8", "replace")


def load(path):
    """Imports a built module from its file, without importing anything else (the traced
    program's own imports must happen, and be traced, as they would without weft)."""
    import _imp
    spec = sys.modules["_frozen_importlib"].ModuleSpec(MODULE, None, origin=path)
    module = _imp.create_dynamic(spec)
    _imp.exec_dynamic(module)
    return module


def _loads(path):
    """Whether the file loads in a fresh interpreter (an initial-exec TLS variable can fail to
    load where the static TLS space is used up)."""
    import subprocess
    code = "import sys; sys.path.insert(0, %r); import _build; m = _build.load(%r); print(m.HOOKS)" % (HERE, path)
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", code], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    return proc.returncode == 0, proc.stdout.decode("utf-8", "replace").strip()


def build(variant="full"):
    """Compiles into the cache (atomically: concurrent builds do not see half a file)."""
    import tempfile
    import time
    target = cache_path(variant)
    tc = toolchain()
    if tc["reason"]:
        return {"ok": False, "reason": tc["reason"]}
    folder = os.path.dirname(target)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        return {"ok": False, "reason": "cannot create the cache folder %s: %s" % (folder, exc.strerror)}
    began = time.monotonic()
    fd, tmp = tempfile.mkstemp(prefix=".build-", suffix=_suffix(), dir=folder)
    os.close(fd)
    log = target + ".log"
    try:
        attempts = ([], ["-DWEFT_TLS_GLOBAL_DYNAMIC"])
        notes = []
        for extra in attempts:
            rc, cmd, output = _compile(tc, variant, tmp, extra)
            notes.append("$ %s\n%s" % (cmd, output))
            if rc != 0:
                break
            ok, why = _loads(tmp)
            if ok:
                os.chmod(tmp, 0o755)
                os.replace(tmp, target)
                return {"ok": True, "path": target, "built": True,
                        "seconds": round(time.monotonic() - began, 2), "variant": variant}
            notes.append("loading failed: %s" % why)
        with open(log, "w") as f:
            f.write("\n".join(notes))
        return {"ok": False, "reason": "the C agent did not compile with %s (details: %s)" % (tc["cc"][0], log)}
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def ensure(variant="full"):
    path = cache_path(variant)
    if os.path.exists(path):
        return {"ok": True, "path": path, "built": False, "seconds": 0, "variant": variant}
    # One build at a time per cache folder: the other weft runs starting now wait for it.
    lock = None
    try:
        import fcntl
        os.makedirs(os.path.dirname(path), exist_ok=True)
        lock = open(os.path.join(os.path.dirname(path), ".build.lock"), "w")
        fcntl.flock(lock, fcntl.LOCK_EX)
    except (ImportError, OSError):
        pass
    try:
        if os.path.exists(path):
            return {"ok": True, "path": path, "built": False, "seconds": 0, "variant": variant}
        return build(variant)
    finally:
        if lock is not None:
            lock.close()


def clock_source():
    """What _fast.c will time events with: the CPU's TSC when the kernel uses it as its own clock
    (invariant and synchronized across CPUs), else CLOCK_MONOTONIC through the vDSO."""
    try:
        with open("/sys/devices/system/clocksource/clocksource0/current_clocksource") as f:
            source = f.read().strip()
    except OSError:
        source = "unknown"
    import platform
    tsc = source == "tsc" and platform.machine() in ("x86_64", "AMD64", "i386", "i686")
    return {"clock": "tsc" if tsc else "monotonic", "clocksource": source}


def status():
    path = cache_path("full")
    tc = toolchain()
    out = {"python": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable,
           "hooks": hooks_name(), "cached": path if os.path.exists(path) else None,
           "cache_path": path, "compiler": tc["compiler"], "headers": tc["headers"]}
    out.update(clock_source())
    if out["cached"]:
        out.update(agent="c", why="built and cached")
    elif tc["reason"]:
        out.update(agent="py", why=tc["reason"])
    else:
        out.update(agent="c", why="will be compiled with %s on the first run (a few seconds, once)" % tc["compiler"])
    return out


def main(argv):
    import json
    variant = "full"
    if "--variant" in argv:
        variant = argv[argv.index("--variant") + 1]
        if variant not in VARIANTS:
            print(json.dumps({"ok": False, "reason": "unknown variant %r" % variant}))
            return 2
    command = argv[0] if argv else "ensure"
    try:
        if command == "ensure":
            result = ensure(variant)
        elif command == "status":
            result = status()
        else:
            result = {"ok": False, "reason": "unknown command %r" % command}
    except Exception as exc:  # one line for weft to show, never a traceback
        result = {"ok": False, "reason": "%s: %s" % (type(exc).__name__, exc)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

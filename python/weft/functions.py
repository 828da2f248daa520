"""Func ids: every code object and C function gets a small integer once, named once in the
stream. Id 0 means "not recorded" (filtered out), so the hooks test a single truthy value."""
import fnmatch
import os
import sys

PYTHON = 1
C = 2
MARK = 3

# The import machinery runs around every import; it is noise unless asked for.
_IMPORT_FILES = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>",
                 "<frozen zipimport>")
_AGENT_DIR = os.path.dirname(os.path.abspath(__file__))


def _startup_files():
    """The interpreter's own start (site runs usercustomize after our sitecustomize): not the
    program's time."""
    files = {"<frozen site>"}
    site = sys.modules.get("site")
    if getattr(site, "__file__", None):
        files.add(site.__file__)
    return files


def _glob(pattern):
    """A user's path glob: a folder means everything below it; a relative pattern may match
    the end of an absolute path ("src/*.py" matches "/home/me/app/src/x.py")."""
    if os.path.isdir(pattern):
        return os.path.join(os.path.abspath(pattern), "*")
    if os.path.isabs(pattern) or pattern.startswith("*"):
        return pattern
    return "*/" + pattern


class FuncRegistry:
    def __init__(self, include=(), exclude=(), show_imports=False):
        self.include = [_glob(p) for p in include]
        self.exclude = [_glob(p) for p in exclude]
        self.show_imports = show_imports
        self.startup_files = _startup_files()
        self.ids = {}  # code object or C-function key -> id (0 = filtered out)
        self.file_decisions = {}
        self.next_id = 1
        self.pending = []  # definitions not yet written
        self.all = []  # every definition, repeated at the start of a new stream (fork, ring)

    def _file_recorded(self, filename):
        decided = self.file_decisions.get(filename)
        if decided is None:
            decided = self._decide(filename)
            self.file_decisions[filename] = decided
        return decided

    def _decide(self, filename):
        if filename.startswith(_AGENT_DIR) or filename in self.startup_files:
            return False
        if not self.show_imports and filename in _IMPORT_FILES:
            return False
        if self.include and not any(fnmatch.fnmatchcase(filename, p) for p in self.include):
            return False
        return not any(fnmatch.fnmatchcase(filename, p) for p in self.exclude)

    def _add(self, key, kind, name, filename, line):
        fid = self.next_id
        self.next_id += 1
        item = [fid, kind, name, filename, line]
        self.pending.append(item)
        self.all.append(item)
        self.ids[key] = fid
        return fid

    def code(self, code):
        filename = code.co_filename
        if not self._file_recorded(filename):
            self.ids[code] = 0
            return 0
        name = getattr(code, "co_qualname", None) or code.co_name
        return self._add(code, PYTHON, name, filename, code.co_firstlineno)

    def c_function(self, func):
        """C functions have no file; they are known by module and qualified name, because a
        bound method is a new object at every call."""
        name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
        module = getattr(func, "__module__", None)
        if module is None:
            owner = getattr(func, "__self__", None)
            if owner is not None and type(owner).__name__ == "module":
                module = owner.__name__
        key = (module, name)
        fid = self.ids.get(key)
        if fid is None:
            full = name if not module or module == "builtins" and "." in name else "%s.%s" % (module, name)
            fid = self._add(key, C, full, "", 0)
        return fid

    def mark(self, name):
        key = ("<mark>", name)
        fid = self.ids.get(key)
        if fid is None:
            fid = self._add(key, MARK, name, "", 0)
        return fid

    def take_pending(self):
        items = self.pending
        self.pending = []
        return items

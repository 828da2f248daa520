# weft puts this folder on PYTHONPATH so that every Python process of the traced program,
# children included, starts the agent before any of the program's code runs.
import os
import sys


def _start_weft():
    here = os.path.dirname(os.path.abspath(__file__))
    package_root = os.path.dirname(os.path.dirname(here))
    sys.path.insert(0, package_root)
    try:
        from weft import agent
        agent.start_from_environment()
    except Exception as exc:  # the program must run even if weft cannot trace it
        sys.stderr.write("weft: tracing disabled in process %d: %s\n" % (os.getpid(), exc))
    finally:
        try:
            sys.path.remove(package_root)
        except ValueError:
            pass


def _chain_next_sitecustomize():
    """Run the sitecustomize that ours hides (Debian's, a virtualenv's, the user's)."""
    here = os.path.dirname(os.path.abspath(__file__))
    ours = sys.modules.pop("sitecustomize", None)
    saved_path = list(sys.path)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    try:
        import sitecustomize  # noqa: F401  (the next one on the path, if any)
    except ImportError as exc:
        if getattr(exc, "name", None) != "sitecustomize":
            raise
    finally:
        sys.path[:] = [p for p in saved_path if os.path.abspath(p or ".") != here]
        if "sitecustomize" not in sys.modules and ours is not None:
            sys.modules["sitecustomize"] = ours


# The next sitecustomize first: it belongs to the environment, not to the traced program.
_chain_next_sitecustomize()
if os.environ.get("WEFT_OPTIONS"):
    _start_weft()

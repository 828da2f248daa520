// The interpreters under test: what they are (resolved executable, version, optional tool
// modules) and the environment every measured command gets.
import { spawnSync } from 'node:child_process';
import { fail } from './options.js';

export interface Interpreter {
  requested: string;
  executable: string;
  version: string;
  /** Version of each optional tool module, or null when it is not importable. */
  modules: Record<string, string | null>;
}

const PROBE = `
import json, sys, importlib.util
try:
    from importlib.metadata import version
except ImportError:
    version = None
mods = {}
for m in ("viztracer", "pyinstrument", "yappi"):
    if importlib.util.find_spec(m) is None:
        mods[m] = None
    else:
        try:
            mods[m] = version(m) if version else "?"
        except Exception:
            mods[m] = "?"
print(json.dumps({"executable": sys.executable, "version": "%d.%d.%d" % sys.version_info[:3], "modules": mods}))
`;

export function probeInterpreter(requested: string): Interpreter {
  const r = spawnSync(requested, ['-c', PROBE], { encoding: 'utf8', env: cleanEnv() });
  if (r.error || r.status !== 0) {
    fail(`cannot run '${requested}': ${r.error?.message ?? r.stderr.trim()}`);
  }
  const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<Interpreter, 'requested'>;
  // The real executable, not a pyenv shim (a shell script that costs ~50 ms a start).
  return { requested, ...info };
}

export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.WEFT_OPTIONS; // never trace a run by inheritance
  delete env.PYTHONPROFILEIMPORTTIME;
  return env;
}

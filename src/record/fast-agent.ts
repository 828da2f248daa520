// Which agent a run uses: the C fast path (python/weft/_fast.c, built for the interpreter in use
// by python/weft/_build.py and cached per interpreter version and ABI) or the pure-Python one.
// The builder runs as a script of the traced interpreter, before the program starts, so that a
// build (once per interpreter) or a missing compiler is told once, in weft's own voice.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { packageRoot } from '../util/paths.js';

/** What the user asked for: `c-noop` is the C agent with hooks that do nothing (bench floor). */
export type AgentMode = 'auto' | 'c' | 'py' | 'c-noop';
export const AGENT_MODES: AgentMode[] = ['auto', 'c', 'py', 'c-noop'];

export interface AgentChoice {
  agent: 'c' | 'py';
  /** The built extension the agent loads (agent "c"). */
  fastSo?: string;
  fastVariant?: 'full' | 'noop';
  /** One line for stderr: why the pure-Python agent is used although C was possible. */
  notice?: string;
}

export interface BuilderResult {
  ok: boolean;
  path?: string;
  built?: boolean;
  seconds?: number;
  reason?: string;
}

export function builderScript(): string {
  return join(packageRoot(), 'python', 'weft', '_build.py');
}

/** Runs `_build.py <args>` with the interpreter and returns its JSON answer. */
export function runBuilder(python: string, args: string[], timeoutMs = 180_000): Record<string, unknown> {
  // -I: nothing from the user's environment (PYTHONPATH, user site) changes what is built;
  // -S: no site, a faster start.
  const r = spawnSync(python, ['-I', '-S', builderScript(), ...args], { encoding: 'utf8', timeout: timeoutMs });
  if (r.error) return { ok: false, reason: `cannot run ${python}: ${r.error.message}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as unknown;
    if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
  } catch {
    // below
  }
  const why = (r.stderr.trim().split('\n').pop() ?? '').slice(0, 300);
  return { ok: false, reason: `the C agent builder failed${why ? `: ${why}` : ''}` };
}

export function ensureBuilt(python: string, variant: 'full' | 'noop' = 'full'): BuilderResult {
  return runBuilder(python, ['ensure', '--variant', variant]) as unknown as BuilderResult;
}

/**
 * Decides the agent for a run. `auto` uses C when it can be built (the first run of an
 * interpreter builds it, a few seconds) and says in one line why not otherwise; `c` insists.
 */
export function chooseAgent(python: string, mode: AgentMode, say: (line: string) => void): AgentChoice {
  if (mode === 'py') return { agent: 'py' };
  const variant = mode === 'c-noop' ? 'noop' : 'full';
  const result = ensureBuilt(python, variant);
  if (result.ok && result.path) {
    if (result.built) say(`weft: built the C agent for this interpreter in ${result.seconds ?? '?'} s (cached for later runs)`);
    return { agent: 'c', fastSo: result.path, fastVariant: variant };
  }
  const reason = result.reason ?? 'unknown reason';
  if (mode !== 'auto') throw new UserError(`cannot use the C agent: ${reason}`);
  return { agent: 'py', notice: `weft: ${reason}; using the pure-Python agent (slower)` };
}

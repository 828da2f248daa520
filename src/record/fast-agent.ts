// Which agent a run uses: the C fast path (python/weft/_fast.c, built for the interpreter in use
// by python/weft/_build.py and cached per interpreter version and ABI) or the pure-Python one.
// The builder runs as a script of the traced interpreter, before the program starts, so that a
// build (once per interpreter) or a missing compiler is told once, in weft's own voice.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
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
  return builderAnswer(r.stdout, r.stderr);
}

/** The builder's JSON answer (its last line of output), or why there is none. */
export function builderAnswer(stdout: string, stderr: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as unknown;
    if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
  } catch {
    // below
  }
  const why = (stderr.trim().split('\n').pop() ?? '').slice(0, 300);
  return { ok: false, reason: `the C agent builder failed${why ? `: ${why}` : ''}` };
}

export function ensureBuilt(python: string, variant: 'full' | 'noop' = 'full'): BuilderResult {
  return runBuilder(python, ['ensure', '--variant', variant]) as unknown as BuilderResult;
}

const variantOf = (mode: AgentMode): 'full' | 'noop' => (mode === 'c-noop' ? 'noop' : 'full');

/** The arguments that make `findPython` run the builder for `mode` (none for the Python agent). */
export function builderArgs(mode: AgentMode): string[] {
  if (mode === 'py') return [];
  return [dirname(builderScript()), 'ensure', '--variant', variantOf(mode)];
}

/**
 * Decides the agent for a run from the builder's answer (see builderArgs). `auto` uses C when it
 * could be built (the first run of an interpreter builds it, a few seconds) and says in one line
 * why not otherwise; `c` insists.
 */
export function chooseAgent(mode: AgentMode, output: { stdout: string; stderr: string } | undefined, say: (line: string) => void): AgentChoice {
  if (mode === 'py' || !output) return { agent: 'py' };
  const variant = variantOf(mode);
  const result = builderAnswer(output.stdout, output.stderr) as unknown as BuilderResult;
  if (result.ok && result.path) {
    if (result.built) say(`weft: built the C agent for this interpreter in ${result.seconds ?? '?'} s (cached for later runs)`);
    return { agent: 'c', fastSo: result.path, fastVariant: variant };
  }
  const reason = result.reason ?? 'unknown reason';
  if (mode !== 'auto') throw new UserError(`cannot use the C agent: ${reason}`);
  return { agent: 'py', notice: `weft: ${reason}; using the pure-Python agent (slower)` };
}

// The session folder: where every traced process of one run writes its stream. It lives in
// the temp folder while the run goes on; weft removes it once the trace file is written, and
// keeps it (saying where) whenever that fails, so nothing recorded is lost.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { agentBootDir } from '../util/paths.js';

export interface AgentOptions {
  c_calls: boolean;
  include: string[];
  exclude: string[];
  max_depth: number;
  ring: number;
  show_imports: boolean;
  flush_ms: number;
  /** The hook layer: "c" loads fast_so (src/record/fast-agent.ts), "py" (default) is pure Python. */
  agent?: 'c' | 'py';
  fast_so?: string;
  fast_variant?: 'full' | 'noop';
}

export interface Session {
  dir: string;
  env: NodeJS.ProcessEnv;
}

export function createSession(options: AgentOptions, baseEnv: NodeJS.ProcessEnv = process.env): Session {
  const dir = mkdtempSync(join(tmpdir(), 'weft-session-'));
  const env: NodeJS.ProcessEnv = { ...baseEnv };
  // Children inherit both variables, which is how every Python process of the program is traced.
  env.WEFT_OPTIONS = JSON.stringify({ session: dir, ...options });
  env.PYTHONPATH = [agentBootDir(), baseEnv.PYTHONPATH].filter((p) => p).join(delimiter);
  return { dir, env };
}

export function streamFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.wstream'));
}

export function removeSession(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

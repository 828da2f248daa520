// The command each tool runs for a workload, or why it is skipped.
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { join } from 'node:path';
import { MEM_SHARE, TOOL_MODULE, VIZ_BYTES_PER_ENTRY, WEFT_AGENT, programArgs, type ToolId } from './definitions.js';
import { fmtBytes, fmtCount } from './format.js';
import { cleanEnv, type Interpreter } from './interpreter.js';
import type { Invocation } from './measure.js';
import type { Options } from './options.js';
import type { WorkloadResult } from './results.js';
import type { WeftCopy } from './weft-copy.js';

export interface Context {
  opts: Options;
  py: Interpreter;
  work: string;
  weft: WeftCopy;
  round: number;
}

function vizEntriesNeeded(res: WorkloadResult): number | null {
  const calls = res.weft ? res.weft.session.pythonCalls + res.weft.session.cCalls : null;
  if (calls !== null) return Math.ceil(calls * 1.1) + 100_000;
  if (res.programCalls !== null) return Math.ceil(res.programCalls * 1.5) + 100_000;
  return null;
}

export function invocation(tool: ToolId, ctx: Context, res: WorkloadResult, keepSession: boolean): Invocation | string {
  const exe = ctx.py.executable;
  const prog = programArgs(res.workload, res.size);
  const out = (name: string) => join(ctx.work, name);
  const mod = TOOL_MODULE[tool];
  if (mod && ctx.py.modules[mod] === null) return `${mod} is not importable in ${ctx.py.requested}`;
  switch (tool) {
    case 'untraced':
      return { cmd: exe, args: prog, env: cleanEnv(), outputs: [] };
    case 'cprofile':
      return { cmd: exe, args: ['-m', 'cProfile', '-o', out('x.prof'), ...prog], env: cleanEnv(), outputs: [out('x.prof')] };
    case 'weft':
    case 'weft-py':
    case 'weft-noop': {
      const agent = WEFT_AGENT[tool];
      if (agent && !ctx.weft.agentOption) return 'this weft has no --agent option';
      // TMPDIR: weft makes its session folder in os.tmpdir(); a folder of our own lets us find it.
      const args = [ctx.weft.cli, 'run', '-q', ...(agent ? ['--agent', agent] : []), ...(keepSession && tool === 'weft' ? ['--keep-session'] : [])];
      args.push('--python', exe, '-o', out('x.weft'), ...prog);
      return { cmd: process.execPath, args, env: cleanEnv({ TMPDIR: join(ctx.work, 'tmp') }), outputs: [out('x.weft')] };
    }
    case 'viztracer':
      return { cmd: exe, args: ['-m', 'viztracer', '--quiet', '-o', out('v.json'), ...prog], env: cleanEnv(), outputs: [out('v.json')] };
    case 'viztracer-full': {
      const entries = vizEntriesNeeded(res);
      if (entries === null) return ctx.opts.dryRun ? 'run or not, and --tracer_entries, are decided from weft\'s first run' : 'the number of calls is unknown (run weft too)';
      const need = entries * VIZ_BYTES_PER_ENTRY;
      const avail = availableMemory();
      if (need > avail * MEM_SHARE) {
        return `would need ~${fmtBytes(need)} of memory for ${fmtCount(entries)} entries (${fmtBytes(avail)} available)`;
      }
      const args = ['-m', 'viztracer', '--quiet', '--tracer_entries', String(entries), '-o', out('vf.json'), ...prog];
      return { cmd: exe, args, env: cleanEnv(), outputs: [out('vf.json')] };
    }
    case 'pyinstrument':
      return { cmd: exe, args: ['-m', 'pyinstrument', '-o', out('p.txt'), ...prog], env: cleanEnv(), outputs: [out('p.txt')] };
    case 'yappi':
      // Wall clock, all threads, builtins too (as cProfile and weft), pstat output like cProfile's.
      return { cmd: exe, args: ['-m', 'yappi', '-b', '-c', 'wall', '-f', 'pstat', '-o', out('y.pstat'), ...prog], env: cleanEnv(), outputs: [out('y.pstat')] };
  }
}

function availableMemory(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return freemem();
}

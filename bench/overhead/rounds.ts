// Measuring one interpreter: its workloads, the warm-up runs, then every tool round after round
// (so noise spreads evenly over the tools).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TOOL_IDS, TOOL_LABEL, VIZ_DEFAULT_ENTRIES, WORKLOADS, type ToolId } from './definitions.js';
import { fmtCount } from './format.js';
import type { Interpreter } from './interpreter.js';
import { invocation, type Context } from './invocation.js';
import { measure, runOnce, type Invocation } from './measure.js';
import type { Options } from './options.js';
import type { Cell, InterpreterResult, WorkloadResult } from './results.js';
import type { WeftCopy } from './weft-copy.js';

type Log = (s: string) => void;

/** Measures every workload under every tool asked for; with --dry-run, logs the commands instead and returns null. */
export function measureInterpreter(opts: Options, py: Interpreter, work: string, weft: WeftCopy, log: Log): InterpreterResult | null {
  const t0 = process.hrtime.bigint();
  const workloads: WorkloadResult[] = opts.workloads.map((w) => {
    const size = opts.sizes.get(w.id) ?? (opts.quick ? w.quickSize : w.size);
    return {
      workload: w,
      size,
      args: [String(size), ...w.extraArgs],
      programCalls: null,
      checksum: null,
      cells: new Map(TOOL_IDS.filter((t) => opts.tools.has(t)).map((t) => [t, { samples: [] }] as [ToolId, Cell])),
      weft: null,
      viz: {},
      notes: [],
    };
  });
  if (opts.dryRun) {
    for (const r of workloads) {
      for (const t of r.cells.keys()) {
        const inv = invocation(t, { opts, py, work, weft, round: 0 }, r, true);
        log(typeof inv === 'string' ? `${py.requested} ${r.workload.id} ${t}: skipped: ${inv}` : `${py.requested} ${r.workload.id} ${t}: ${inv.cmd} ${inv.args.join(' ')}`);
      }
    }
    return null;
  }
  // One untraced run of each program first: byte-compiles it and warms the caches.
  warmUpWeft({ opts, py, work, weft, round: 0 }, workloads, log);
  for (const r of workloads) runOnce(invocation('untraced', { opts, py, work, weft, round: 0 }, r, false) as Invocation, work, opts.timeoutS);
  for (let round = 0; round < opts.rounds; round++) {
    const ctx: Context = { opts, py, work, weft, round };
    for (const r of workloads) {
      for (const tool of r.cells.keys()) {
        const prefix = `[${py.version} round ${round + 1}/${opts.rounds}] ${r.workload.id}`;
        measure(ctx, r, tool, (s) => log(`${prefix} ${s}`));
        if (tool === 'weft' && round === 0 && r.weft) {
          const c = r.cells.get('weft')!;
          const last = c.samples[c.samples.length - 1]!;
          // agent end -> exit = after-work time minus (agent end - work end)
          if (r.weft.workEndToAgentEndNs !== null && last.afterWorkNs !== null) {
            r.weft.agentEndToExitNs = last.afterWorkNs - r.weft.workEndToAgentEndNs;
          }
        }
      }
    }
  }
  for (const r of workloads) {
    const calls = r.weft ? r.weft.session.pythonCalls + r.weft.session.cCalls : null;
    const kept = r.viz.viztracer?.keptEvents;
    if (calls !== null && kept !== undefined && kept < calls) {
      r.notes.push(`VizTracer (default ring of ${fmtCount(VIZ_DEFAULT_ENTRIES)} entries) kept ${fmtCount(kept)} of ${fmtCount(calls)} calls; the rest was overwritten`);
    }
  }
  return { py, workloads, elapsedNs: Number(process.hrtime.bigint() - t0) };
}

/** One small weft run per agent used: builds the C agent for the interpreter if needed. */
function warmUpWeft(ctx: Context, workloads: WorkloadResult[], log: Log): void {
  const fib = workloads.find((r) => r.workload.id === 'fib') ?? workloads[0];
  if (!fib) return;
  const tiny: WorkloadResult = { ...fib, workload: WORKLOADS[0]!, size: 5, cells: new Map() };
  for (const tool of ['weft', 'weft-py', 'weft-noop'] as const) {
    if (!ctx.opts.tools.has(tool)) continue;
    const inv = invocation(tool, ctx, tiny, false);
    if (typeof inv === 'string') continue;
    mkdirSync(join(ctx.work, 'tmp'), { recursive: true });
    const { sample } = runOnce(inv, ctx.work, ctx.opts.timeoutS);
    if (!sample.ok) log(`[${ctx.py.version}] warning: ${TOOL_LABEL[tool]} does not work: ${sample.error}`);
    for (const f of inv.outputs) rmSync(f, { force: true });
  }
}

// One measurement: running one command, timing it, and keeping what it tells.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TOOL_LABEL, VIZ_DEFAULT_ENTRIES, type ToolId } from './definitions.js';
import { fmtCount, fmtTime } from './format.js';
import { invocation, type Context } from './invocation.js';
import type { WorkloadResult } from './results.js';
import { countOccurrences, weftSizes } from './tool-outputs.js';

export interface Sample {
  ok: boolean;
  error?: string;
  wallNs: number;
  /** Work part as the program measured it. */
  workNs: number | null;
  /** From the end of the work part to the exit of the command (saving, decoding, writing). */
  afterWorkNs: number | null;
  /** Peak RSS of the program's process at the end of its work (getrusage), kB. */
  maxRssKb: number | null;
}

export interface Report {
  work_ns: number;
  work_end_ns: number;
  calls?: number;
  checksum?: number;
  result?: number;
  maxrss_kb?: number;
}

export interface Invocation {
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Output files to remove afterwards. */
  outputs: string[];
}

export function runOnce(inv: Invocation, cwd: string, timeoutS: number): { sample: Sample; report: Report | null; endHr: bigint } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(inv.cmd, inv.args, {
    cwd,
    env: inv.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutS * 1000,
    killSignal: 'SIGKILL',
  });
  const t1 = process.hrtime.bigint();
  const wallNs = Number(t1 - t0);
  const stdout = r.stdout?.toString('utf8') ?? '';
  const stderr = r.stderr?.toString('utf8') ?? '';
  const line = stdout.split('\n').filter((l) => l.startsWith('WEFT_BENCH ')).pop();
  const report = line ? (JSON.parse(line.slice('WEFT_BENCH '.length)) as Report) : null;
  let error: string | undefined;
  if (r.error) error = (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `timed out after ${timeoutS} s` : r.error.message;
  else if (r.signal) error = `killed by ${r.signal}`;
  else if (r.status !== 0) error = `exit status ${r.status}: ${lastLines(stderr)}`;
  else if (!report) error = `no WEFT_BENCH line on stdout: ${lastLines(stderr)}`;
  const sample: Sample = {
    ok: error === undefined,
    wallNs,
    workNs: report ? report.work_ns : null,
    afterWorkNs: report ? Number(t1 - BigInt(report.work_end_ns)) : null,
    maxRssKb: report?.maxrss_kb ?? null,
  };
  if (error !== undefined) sample.error = error;
  return { sample, report, endHr: t1 };
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 400);
}

export function measure(ctx: Context, res: WorkloadResult, tool: ToolId, log: (s: string) => void): void {
  const cell = res.cells.get(tool)!;
  if (cell.skipped) return;
  const first = ctx.round === 0;
  const inv = invocation(tool, ctx, res, first);
  if (typeof inv === 'string') {
    cell.skipped = inv;
    log(`${TOOL_LABEL[tool]}: skipped: ${inv}`);
    return;
  }
  const tmp = join(ctx.work, 'tmp');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const { sample, report } = runOnce(inv, ctx.work, ctx.opts.timeoutS);
  cell.samples.push(sample);
  if (report && res.checksum === null) {
    res.checksum = report.checksum ?? report.result ?? null;
    res.programCalls = report.calls ?? null;
  }
  let extra = '';
  if (sample.ok && first && tool === 'weft') {
    res.weft = weftSizes(tmp, join(ctx.work, 'x.weft'), report!);
    extra = `  ${fmtCount(res.weft.session.events)} events`;
  }
  if (sample.ok && first && (tool === 'viztracer' || tool === 'viztracer-full')) {
    const file = inv.outputs[0]!;
    const entries = tool === 'viztracer' ? VIZ_DEFAULT_ENTRIES : Number(inv.args[inv.args.indexOf('--tracer_entries') + 1]);
    // VizTracer writes `"ph":"X"` (its C writer) or `"ph": "X"` (Python's json, seen on 3.12).
    const kept = countOccurrences(file, '"ph":"X"') + countOccurrences(file, '"ph": "X"');
    res.viz[tool] = { fileBytes: statSync(file).size, keptEvents: kept, entries };
    extra = `  ${fmtCount(res.viz[tool].keptEvents)} events kept`;
  }
  for (const f of inv.outputs) rmSync(f, { force: true });
  rmSync(tmp, { recursive: true, force: true });
  const work = sample.workNs !== null ? `  work ${fmtTime(sample.workNs)}` : '';
  log(`${TOOL_LABEL[tool]}: ${sample.ok ? fmtTime(sample.wallNs) : `FAILED (${sample.error})`}${work}${extra}`);
}

// The printed report: the run's header and, per interpreter, its tables and notes.
import { cpus, totalmem } from 'node:os';
import { TOOL_IDS, TOOL_LABEL, TOOL_MODULE, type ToolId } from './definitions.js';
import { fmtBytes, fmtCount, fmtRate, fmtRatio, fmtTime, renderTable } from './format.js';
import type { Options } from './options.js';
import { medianOf, spread, type Cell, type InterpreterResult, type RunSummary } from './results.js';

/** The whole printed report: the run's header, one block per interpreter, the total time. */
export function renderReport(run: RunSummary): string[] {
  const { opts, weft, stale } = run;
  const lines: string[] = [];
  lines.push(`weft overhead benchmark, ${run.startedAt}; ${opts.rounds} rounds${opts.quick ? ' (quick)' : ''}; medians`);
  lines.push(
    `machine: ${cpus().length} x ${cpus()[0]?.model.trim() ?? '?'}, ${fmtBytes(totalmem())}; load average ${run.loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ` +
      `${run.loadAfter.map((l) => l.toFixed(2)).join(' ')} after; node ${process.version}`,
  );
  if (weft) {
    lines.push(`weft measured: a copy taken at the start, ${weft.fingerprint} (git ${weft.git.head ?? '?'}` +
      `${weft.git.changed.length ? `, with ${weft.git.changed.length} uncommitted change(s) in src/, python/, bin/: see the JSON` : ''})`);
  }
  if (stale) lines.push(`warning: ${stale}`);
  lines.push('');
  for (const r of run.results) {
    lines.push(...renderInterpreter(r, opts));
    lines.push('');
  }
  lines.push(`total ${fmtTime(run.elapsedNs)}`);
  return lines;
}

function cellText(ns: number | null, base: number | null, cell: Cell | undefined): string {
  if (cell?.skipped) return 'skipped';
  if (ns === null) return cell && cell.samples.length > 0 ? 'failed' : '-';
  if (base === null || base === 0) return fmtTime(ns);
  return `${fmtTime(ns)} ${fmtRatio(ns / base)}`;
}

function activeTools(result: InterpreterResult, opts: Options): ToolId[] {
  return TOOL_IDS.filter((t) => {
    if (!opts.tools.has(t)) return false;
    const mod = TOOL_MODULE[t];
    // optional tools that are not installed get no column; VizTracer always has one
    if (mod && (t === 'pyinstrument' || t === 'yappi')) return result.py.modules[mod] !== null;
    return true;
  });
}

function renderInterpreter(result: InterpreterResult, opts: Options): string[] {
  const tools = activeTools(result, opts);
  const peers = tools.filter((t) => t !== 'untraced' && t !== 'weft' && t !== 'cprofile');
  const out: string[] = [];
  const { py } = result;
  const mods = Object.entries(py.modules)
    .map(([m, v]) => `${m} ${v ?? 'not installed'}`)
    .join(', ');
  out.push(`== ${py.requested}: CPython ${py.version} (${py.executable}); ${mods}`);
  const agents = [...new Set(result.workloads.flatMap((r) => r.weft?.session.agents ?? []))];
  if (agents.length > 0) out.push(`   weft's agent (from its streams): ${agents.join(', ')}`);
  out.push('');

  // 1. wall time of each command, ratio to untraced; weft in-process as the program measured it.
  const header1 = ['workload', 'untraced'];
  if (tools.includes('cprofile')) header1.push('cProfile');
  if (tools.includes('weft')) header1.push('weft in-process', 'weft end-to-end');
  for (const t of peers) header1.push(TOOL_LABEL[t]);
  const rows1: string[][] = [];
  for (const r of result.workloads) {
    const base = medianOf(r.cells.get('untraced'), 'wallNs');
    const baseWork = medianOf(r.cells.get('untraced'), 'workNs');
    const row = [r.workload.id, cellText(base, null, r.cells.get('untraced'))];
    if (tools.includes('cprofile')) row.push(cellText(medianOf(r.cells.get('cprofile'), 'wallNs'), base, r.cells.get('cprofile')));
    if (tools.includes('weft')) {
      const c = r.cells.get('weft');
      row.push(cellText(medianOf(c, 'workNs'), baseWork, c), cellText(medianOf(c, 'wallNs'), base, c));
    }
    for (const t of peers) row.push(cellText(medianOf(r.cells.get(t), 'wallNs'), base, r.cells.get(t)));
    rows1.push(row);
  }
  out.push(`end to end: wall time of the whole command (start to trace written), median of ${opts.rounds}, and ratio to untraced`);
  out.push(...renderTable(header1, rows1));
  out.push(`  weft in-process = the work part timed inside the program, ratio to the untraced work part (table 2)`);
  out.push('');

  // 2. the work part only, every tool.
  const traced = tools.filter((t) => t !== 'untraced');
  const header2 = ['workload', 'untraced', ...traced.map((t) => TOOL_LABEL[t])];
  const rows2: string[][] = [];
  for (const r of result.workloads) {
    const base = medianOf(r.cells.get('untraced'), 'workNs');
    rows2.push([
      r.workload.id,
      cellText(base, null, r.cells.get('untraced')),
      ...traced.map((t) => cellText(medianOf(r.cells.get(t), 'workNs'), base, r.cells.get(t))),
    ]);
  }
  out.push('in-process: the work part only, timed by the program itself (no start-up, no saving), ratio to untraced');
  out.push(...renderTable(header2, rows2));
  out.push('');

  // 3. after the work: what each tool spends once the program's work is done.
  const header3 = ['workload', ...tools.map((t) => TOOL_LABEL[t])];
  const rows3 = result.workloads.map((r) => [r.workload.id, ...tools.map((t) => cellText(medianOf(r.cells.get(t), 'afterWorkNs'), null, r.cells.get(t)))]);
  out.push('after the work: from the end of the work part to the command\'s exit (interpreter exit, saving, decoding, writing)');
  out.push(...renderTable(header3, rows3));
  out.push('');

  // 3b. the cost of one recorded call, and weft's C agent above the floor of hooking.
  out.push(...renderPerCall(result, tools));

  // 4. sizes and post-processing throughput.
  if (tools.includes('weft')) {
    const header4 = ['workload', 'calls (py+C)', 'untraced calls/s', 'weft events', 'raw streams', '.weft file', 'weft post-processing', 'of which after agent end'];
    const rows4: string[][] = [];
    for (const r of result.workloads) {
      const w = r.weft;
      if (!w) {
        rows4.push([r.workload.id, '-', '-', '-', '-', '-', '-', '-']);
        continue;
      }
      const s = w.session;
      const calls = s.pythonCalls + s.cCalls;
      const baseWork = medianOf(r.cells.get('untraced'), 'workNs');
      const post = medianOf(r.cells.get('weft'), 'afterWorkNs');
      const perEvent = (bytes: number) => `${fmtBytes(bytes)} (${(bytes / Math.max(1, s.events)).toFixed(1)} B/ev)`;
      rows4.push([
        r.workload.id,
        `${fmtCount(s.pythonCalls)}+${fmtCount(s.cCalls)}`,
        baseWork ? fmtRate(calls / (baseWork / 1e9)) : '-',
        fmtCount(s.events),
        perEvent(s.bytes),
        perEvent(w.weftFileBytes),
        post !== null ? `${fmtTime(post)} ${fmtRate(s.events / (post / 1e9))}` : '-',
        w.agentEndToExitNs !== null ? `${fmtTime(w.agentEndToExitNs)} ${fmtRate(s.events / (w.agentEndToExitNs / 1e9))}` : '-',
      ]);
    }
    out.push('weft sizes (round 1) and post-processing throughput (events per second from the end of the work, resp. from the');
    out.push('agent closing its stream, to the trace written; the first is the median of all rounds, the second is round 1)');
    out.push(...renderTable(header4, rows4));
    out.push('');
  }
  const vizRows: string[][] = [];
  for (const r of result.workloads) {
    for (const t of ['viztracer', 'viztracer-full'] as const) {
      const v = r.viz[t];
      if (!v) continue;
      const calls = r.weft ? r.weft.session.pythonCalls + r.weft.session.cCalls : null;
      vizRows.push([
        r.workload.id,
        TOOL_LABEL[t],
        fmtCount(v.entries),
        fmtCount(v.keptEvents),
        calls !== null ? fmtCount(calls) : '-',
        v.keptEvents > 0 ? `${fmtBytes(v.fileBytes)} (${(v.fileBytes / v.keptEvents).toFixed(0)} B/call)` : fmtBytes(v.fileBytes),
      ]);
    }
  }
  if (vizRows.length > 0) {
    out.push('VizTracer output (round 1): calls in its JSON ("X" events), calls weft recorded, JSON size');
    out.push(...renderTable(['workload', 'run', 'tracer_entries', 'calls kept', 'weft calls', 'JSON'], vizRows, 2));
    out.push('');
  }

  // notes
  const notes: string[] = [];
  const skips: [ToolId, string, string][] = [];
  for (const r of result.workloads) {
    notes.push(`${r.workload.id}: ${r.workload.program} ${[String(r.size), ...r.workload.extraArgs].join(' ')}` +
      (r.programCalls !== null ? ` (${fmtCount(r.programCalls)} Python calls by the program's count)` : '') + ` - ${r.workload.about}`);
    for (const [t, c] of r.cells) {
      if (c.skipped && tools.includes(t)) skips.push([t, r.workload.id, c.skipped]);
      for (const s of c.samples) if (!s.ok) notes.push(`${r.workload.id}: ${TOOL_LABEL[t]} failed once: ${s.error}`);
    }
    if (r.weft && r.weft.session.dropped > 0) notes.push(`${r.workload.id}: weft dropped ${fmtCount(r.weft.session.dropped)} events`);
    for (const n of r.notes) notes.push(`${r.workload.id}: ${n}`);
  }
  // one line per tool and reason
  const byReason = new Map<string, string[]>();
  for (const [t, w, why] of skips) {
    const key = `${TOOL_LABEL[t]} skipped: ${why}`;
    byReason.set(key, [...(byReason.get(key) ?? []), w]);
  }
  for (const [why, ws] of byReason) notes.push(`${ws.join(', ')}: ${why}`);
  const [major, minor] = py.version.split('.').map(Number) as [number, number];
  if (result.workloads.some((r) => r.workload.id === 'threaded') && tools.includes('cprofile') && (major < 3 || (major === 3 && minor < 12))) {
    // From 3.12 cProfile uses sys.monitoring, which covers every thread.
    notes.push('threaded: `python -m cProfile` before 3.12 profiles only the main thread, so its threaded number is not a like-for-like cost');
  }
  let worst: [number, string] | null = null;
  for (const r of result.workloads) {
    for (const [t, c] of r.cells) {
      const s = spread(c);
      if (s !== null && (worst === null || s > worst[0])) worst = [s, `${r.workload.id} / ${TOOL_LABEL[t]}`];
    }
  }
  if (worst) notes.push(`noise: the widest spread of wall times over the rounds, (max-min)/median, is ${(worst[0] * 100).toFixed(0)}% (${worst[1]})`);
  notes.push(`this interpreter took ${fmtTime(result.elapsedNs)}`);
  out.push('notes:');
  for (const n of notes) out.push(`  ${n}`);
  return out;
}

/**
 * In-process cost per recorded call: (work part traced - untraced) / calls, medians. The floor is
 * weft --agent c-noop: the interpreter calling the same C hooks that return at once, so weft's C
 * agent "above the floor" is what its own work (timestamps, ids, buffers) costs per call. Calls
 * are the Python and C calls weft recorded (round 1). Also bytes per call of the raw streams,
 * and peak RSS growth over the untraced run, as the program measured it at the end of its work.
 */
function renderPerCall(result: InterpreterResult, tools: ToolId[]): string[] {
  const rows: string[][] = [];
  const perCall = (ns: number | null, base: number | null, calls: number) =>
    ns !== null && base !== null ? (ns - base) / calls : null;
  const fmtNs = (v: number | null) => (v === null ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} us` : `${v.toFixed(1)} ns`);
  const peers = (['cprofile', 'viztracer'] as ToolId[]).filter((t) => tools.includes(t));
  for (const r of result.workloads) {
    if (!r.weft) continue;
    const calls = r.weft.session.pythonCalls + r.weft.session.cCalls;
    if (calls === 0) continue;
    const base = medianOf(r.cells.get('untraced'), 'workNs');
    const work = (t: ToolId) => medianOf(r.cells.get(t), 'workNs');
    const floor = tools.includes('weft-noop') ? perCall(work('weft-noop'), base, calls) : null;
    const weft = perCall(work('weft'), base, calls);
    const rss = (t: ToolId) => {
      const a = medianOf(r.cells.get(t), 'maxRssKb');
      const b = medianOf(r.cells.get('untraced'), 'maxRssKb');
      return a !== null && b !== null ? fmtBytes(Math.max(0, a - b) * 1024) : '-';
    };
    rows.push([
      r.workload.id,
      fmtCount(calls),
      fmtNs(floor),
      fmtNs(weft),
      floor !== null && weft !== null ? fmtNs(weft - floor) : '-',
      ...(tools.includes('weft-py') ? [fmtNs(perCall(work('weft-py'), base, calls))] : []),
      ...peers.map((t) => fmtNs(perCall(work(t), base, calls))),
      (r.weft.session.bytes / calls).toFixed(1),
      rss('weft'),
      ...(tools.includes('viztracer') ? [rss('viztracer')] : []),
    ]);
  }
  if (rows.length === 0) return [];
  const header = [
    'workload', 'calls', 'floor (no-op hooks)', 'weft', 'weft above floor',
    ...(tools.includes('weft-py') ? ['weft --agent py'] : []),
    ...peers.map((t) => TOOL_LABEL[t]),
    'bytes/call on disk', 'RSS growth weft',
    ...(tools.includes('viztracer') ? ['RSS growth VizTracer'] : []),
  ];
  return [
    'per recorded call: in-process cost ((traced - untraced work) / calls weft recorded), medians; floor = weft --agent c-noop',
    '(the same C hooks, returning at once); bytes/call of weft\'s raw streams; peak RSS (VmHWM) over the untraced run at the end of the work',
    ...renderTable(header, rows),
    ...(tools.includes('weft-noop') ? [] : ['  (no floor: add weft-noop to --tools)']),
    '',
  ];
}

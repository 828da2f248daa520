// The JSON record of a run, written next to the printed tables (bench/results/ by default).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { BENCH } from './definitions.js';
import { medianOf, spread, type InterpreterResult, type RunSummary } from './results.js';

/** Writes the run and its printed tables as JSON; returns the path written. */
export function writeResultsJson(run: RunSummary, table: string): string {
  const { opts, weft } = run;
  const outPath = opts.out ?? defaultOut(opts.quick);
  mkdirSync(dirname(outPath), { recursive: true });
  const json = {
    benchmark: 'weft bench/overhead',
    startedAt: run.startedAt,
    argv: process.argv.slice(2),
    rounds: opts.rounds,
    quick: opts.quick,
    timeoutS: opts.timeoutS,
    machine: { cpus: cpus().length, model: cpus()[0]?.model.trim() ?? null, memoryBytes: totalmem(), loadBefore: run.loadBefore, loadAfter: run.loadAfter },
    node: process.version,
    weftBuildWarning: run.stale,
    weft: weft && { fingerprint: weft.fingerprint, git: weft.git, agentOption: weft.agentOption },
    elapsedNs: run.elapsedNs,
    interpreters: run.results.map(jsonOfInterpreter),
    table,
  };
  writeFileSync(outPath, JSON.stringify(json, null, 1) + '\n');
  return outPath;
}

function jsonOfInterpreter(result: InterpreterResult): unknown {
  return {
    requested: result.py.requested,
    executable: result.py.executable,
    version: result.py.version,
    modules: result.py.modules,
    elapsedNs: result.elapsedNs,
    workloads: result.workloads.map((r) => {
      const baseWall = medianOf(r.cells.get('untraced'), 'wallNs');
      const baseWork = medianOf(r.cells.get('untraced'), 'workNs');
      const tools: Record<string, unknown> = {};
      for (const [t, c] of r.cells) {
        const wall = medianOf(c, 'wallNs');
        const work = medianOf(c, 'workNs');
        tools[t] = {
          skipped: c.skipped ?? null,
          median: { wallNs: wall, workNs: work, afterWorkNs: medianOf(c, 'afterWorkNs') },
          ratio: {
            wall: wall !== null && baseWall ? wall / baseWall : null,
            work: work !== null && baseWork ? work / baseWork : null,
          },
          spread: spread(c),
          samples: c.samples,
        };
      }
      const post = medianOf(r.cells.get('weft'), 'afterWorkNs');
      return {
        id: r.workload.id,
        program: `bench/programs/${r.workload.program}`,
        args: r.args,
        about: r.workload.about,
        programCalls: r.programCalls,
        checksum: r.checksum,
        tools,
        weft: r.weft && {
          ...r.weft,
          rawBytesPerEvent: r.weft.session.bytes / Math.max(1, r.weft.session.events),
          weftFileBytesPerEvent: r.weft.weftFileBytes / Math.max(1, r.weft.session.events),
          postProcessing: {
            afterWorkNs: post,
            eventsPerSecondAfterWork: post ? r.weft.session.events / (post / 1e9) : null,
            eventsPerSecondAfterAgentEnd: r.weft.agentEndToExitNs ? r.weft.session.events / (r.weft.agentEndToExitNs / 1e9) : null,
          },
        },
        viztracer: r.viz,
        notes: r.notes,
      };
    }),
  };
}

function defaultOut(quick: boolean): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const dir = join(BENCH, 'results');
  const base = `overhead-${date}${quick ? '-quick' : ''}`;
  let path = join(dir, `${base}.json`);
  if (existsSync(path)) path = join(dir, `${base}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}.json`);
  return path;
}

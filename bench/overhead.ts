// bench/overhead: weft's tracing overhead against its peers, side by side, on the same programs
// and interpreters in one run. Not part of the test suite. See bench/README.md.
//
//   npx tsc -p tsconfig.json && node dist/bench/overhead.js [--quick] [--rounds N] [--python PY]...
//
// Every measurement is the wall time of one command, from spawn to exit, taken here with
// process.hrtime (CLOCK_MONOTONIC). The programs also print the time of their work part and the
// CLOCK_MONOTONIC time at which it ended (Python's time.monotonic_ns is the same clock), so
// in-process cost and the time a tool needs after the program's work (saving, decoding,
// writing) are told apart without touching weft's sources.
//
// This file is the entry point the READMEs document; the parts live in bench/overhead/.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeInterpreter } from './overhead/interpreter.js';
import { parseOptions } from './overhead/options.js';
import type { InterpreterResult } from './overhead/results.js';
import { writeResultsJson } from './overhead/results-json.js';
import { measureInterpreter } from './overhead/rounds.js';
import { renderReport } from './overhead/tables.js';
import { checkBuild, copyWeft, type WeftCopy } from './overhead/weft-copy.js';

function main(): void {
  const opts = parseOptions(process.argv.slice(2));
  const stale = checkBuild();
  const started = process.hrtime.bigint();
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  const interpreters = opts.pythons.map(probeInterpreter);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  if (stale) log(`overhead: warning: ${stale}`);

  const work = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  const results: InterpreterResult[] = [];
  let weft: WeftCopy | null = null;
  try {
    weft = copyWeft(work);
    log(`overhead: measuring a copy of weft (${weft.fingerprint}; git ${weft.git.head ?? '?'}` +
      `${weft.git.changed.length ? ` + ${weft.git.changed.length} changed file(s) in src/, python/, bin/` : ''})`);
    for (const py of interpreters) {
      const result = measureInterpreter(opts, py, work, weft, log);
      if (result) results.push(result);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (opts.dryRun) return;

  const elapsedNs = Number(process.hrtime.bigint() - started);
  const run = { opts, startedAt, loadBefore, loadAfter: loadavg(), stale, weft, results, elapsedNs };
  const lines = renderReport(run);
  process.stdout.write(lines.join('\n') + '\n');
  const outPath = writeResultsJson(run, lines.join('\n'));
  process.stderr.write(`overhead: results written to ${outPath}\n`);
}

main();

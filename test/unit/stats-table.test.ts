import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeFunctionStats } from '../../src/analysis/function-stats.js';
import { functionLabel, renderStats, statsJson, summaryLine } from '../../src/report/stats-table.js';
import { traceOf } from './helpers/trace-builder.js';

const THREAD_PY = '/usr/lib/python3.11/concurrent/futures/thread.py';

// Two processes: a main one reading and sleeping, a worker with one short call.
const trace = traceOf(
  {
    pid: 1234,
    name: 'main',
    threads: [
      `
      main@/home/u/proj/app.py:1 0 2500000000
        load@/home/u/proj/io.py:40 1000 1200000000
          {builtins.open} 2000 3000
          parse@/home/u/proj/io.py:12 10000 900000000
            parse@/home/u/proj/io.py:12 20000 400000000
        work@${THREAD_PY}:53 1300000000 1100000000
          {time.sleep} 1300001000 1000000000
      `,
    ],
  },
  { pid: 1240, name: 'worker-1', threads: [{ name: 'pool\x1b[31m', calls: `work@${THREAD_PY}:53 0 12345` }] },
);

describe('renderStats', () => {
  it('prints a summary line and an aligned table sorted by tottime', () => {
    const text = renderStats(trace, computeFunctionStats(trace), { baseDir: '/home/u/proj/' });
    assert.equal(
      text,
      [
        '8 calls (7 primitive) in 2.50 s across 2 processes, 2 threads',
        '',
        'ncalls  tottime  percall  cumtime  percall  function',
        '     1   1.00 s   1.00 s   1.00 s   1.00 s  {time.sleep}',
        '   2/1   900 ms   450 ms   900 ms   900 ms  io.py:12(parse)',
        '     1   300 ms   300 ms   1.20 s   1.20 s  io.py:40(load)',
        '     1   200 ms   200 ms   2.50 s   2.50 s  app.py:1(main)',
        '     2   100 ms  50.0 ms   1.10 s   550 ms  concurrent/futures/thread.py:53(work)',
        '     1  3.00 us  3.00 us  3.00 us  3.00 us  {builtins.open}',
        '',
      ].join('\n'),
    );
  });

  it('prints one titled table per group, limited, cut to the width from the left', () => {
    const stats = computeFunctionStats(trace, { by: 'thread', includeC: false });
    const text = renderStats(trace, stats, { sort: 'cumtime', limit: 2, width: 60 });
    assert.equal(
      text,
      [
        '6 calls (5 primitive) in 2.50 s across 2 processes, 2 threads; C functions not counted',
        '',
        'process 1234 main · thread MainThread — 5 calls (4 primitive) in 2.50 s',
        'ncalls  tottime  percall  cumtime  percall  function',
        '     1   200 ms   200 ms   2.50 s   2.50 s  …/app.py:1(main)',
        '     1   300 ms   300 ms   1.20 s   1.20 s  …/io.py:40(load)',
        '… 2 more functions (--limit 0 shows all)',
        '',
        'process 1240 worker-1 · thread pool\\x1b[31m — 1 call in 12.3 us',
        'ncalls  tottime  percall  cumtime  percall  function',
        '     1  12.3 us  12.3 us  12.3 us  12.3 us  …ead.py:53(work)',
        '',
      ].join('\n'),
    );
  });

  it('titles process groups and says how many empty groups were left out', () => {
    const t = traceOf({ pid: 7, threads: ['f 0 10'] }, { pid: 8, name: 'idle', threads: [''] });
    const text = renderStats(t, computeFunctionStats(t, { by: 'process' }), { limit: 0 });
    assert.equal(
      text,
      [
        '1 call in 10 ns across 2 processes, 2 threads',
        '',
        'process 7 — 1 call in 10 ns',
        'ncalls  tottime  percall  cumtime  percall  function',
        '     1    10 ns    10 ns    10 ns    10 ns  app.py:1(f)',
        '',
        '(1 process without calls not shown)',
        '',
      ].join('\n'),
    );
  });

  it('prints only the summary for a trace without calls', () => {
    const t = traceOf({ threads: [''] });
    assert.equal(renderStats(t, computeFunctionStats(t)), '0 calls in 0 ns across 1 process, 1 thread\n');
  });
});

describe('stats text pieces', () => {
  it('labels Python functions file:line(name) and C functions {name}', () => {
    const labels = [];
    for (let f = 1; f < trace.funcs.count; f++) labels.push(functionLabel(trace, f, '/home/u'));
    assert.deepEqual(labels, [
      'proj/app.py:1(main)',
      'proj/io.py:40(load)',
      '{builtins.open}',
      'proj/io.py:12(parse)',
      'concurrent/futures/thread.py:53(work)', // the standard library from its own root
      '{time.sleep}',
    ]);
  });

  it('counts calls over every group in the summary line', () => {
    assert.equal(summaryLine(trace, computeFunctionStats(trace, { by: 'thread' })), '8 calls (7 primitive) in 2.50 s across 2 processes, 2 threads');
  });
});

describe('statsJson', () => {
  it('gives the rows with times in ns, in table order and limit', () => {
    const json = statsJson(trace, computeFunctionStats(trace, { by: 'thread' }), { sort: 'ncalls', limit: 1 });
    assert.equal(json.by, 'thread');
    assert.equal(json.sort, 'ncalls');
    assert.deepEqual(
      json.groups.map((g) => [g.process, g.thread?.name, g.calls, g.primitiveCalls, g.wallNs, g.functions]),
      [
        [{ pid: 1234, name: 'main' }, 'MainThread', 7, 6, 2500000000, 6],
        [{ pid: 1240, name: 'worker-1' }, 'pool\x1b[31m', 1, 1, 12345, 1],
      ],
    );
    assert.deepEqual(json.groups[0]!.rows, [
      {
        name: 'parse',
        file: '/home/u/proj/io.py',
        line: 12,
        kind: 'python',
        ncalls: 2,
        primitive: 1,
        tottimeNs: 900000000,
        tottimePerCallNs: 450000000,
        cumtimeNs: 900000000,
        cumtimePerCallNs: 900000000,
      },
    ]);
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
  });
});

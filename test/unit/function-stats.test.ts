import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeFunctionStats, orderRows, type FunctionStatsGroup, type SortKey } from '../../src/analysis/function-stats.js';
import type { Trace } from '../../src/model/trace.js';
import { singleThread, traceOf } from './helpers/trace-builder.js';

/** One function's numbers, looked up by name (func names are unique in these tests). */
function row(trace: Trace, group: FunctionStatsGroup, name: string) {
  for (let r = 0; r < group.rows; r++) {
    if (trace.strings[trace.funcs.name[group.func[r]!]!] === name) {
      return {
        ncalls: group.ncalls[r],
        primitive: group.primitive[r],
        tottime: group.tottime[r],
        cumtime: group.cumtime[r],
        tottimePerCall: group.tottimePerCall[r],
        cumtimePerCall: group.cumtimePerCall[r],
      };
    }
  }
  return undefined;
}

function names(trace: Trace, group: FunctionStatsGroup, key: SortKey): string[] {
  return [...orderRows(trace, group, key)].map((r) => trace.strings[trace.funcs.name[group.func[r]!]!]!);
}

/** caller->callee edges as "caller>callee": [ncalls, primitive, tottime, cumtime]. */
function edges(trace: Trace, group: FunctionStatsGroup): Record<string, number[]> {
  const e = group.edges!;
  const name = (f: number) => trace.strings[trace.funcs.name[f]!]!;
  const out: Record<string, number[]> = {};
  for (let i = 0; i < e.count; i++) {
    out[`${name(e.caller[i]!)}>${name(e.callee[i]!)}`] = [e.ncalls[i]!, e.primitive[i]!, e.tottime[i]!, e.cumtime[i]!];
  }
  return out;
}

// The numbers below match Python 3.11's cProfile run on the same call tree with a stepped fake
// timer (cProfile.Profile(timer=..., builtins=True/False)), callers included.
const CPROFILE_TREE = `
main 0 175
  a 0 100
    b 10 80
      a 20 50
        b 30 10
  f 100 60
    f 110 40
      f 120 20
  {sorted} 160 15
    k 160 5
    k 165 5
    k 170 5
`;

describe('computeFunctionStats', () => {
  it('splits self time from time in children', () => {
    const trace = singleThread(`
      main 0 100
        f 10 50
          g 20 30
        g 70 20
    `);
    const [all] = computeFunctionStats(trace).groups;
    assert.deepEqual(row(trace, all!, 'main'), { ncalls: 1, primitive: 1, tottime: 30, cumtime: 100, tottimePerCall: 30, cumtimePerCall: 100 });
    assert.deepEqual(row(trace, all!, 'f'), { ncalls: 1, primitive: 1, tottime: 20, cumtime: 50, tottimePerCall: 20, cumtimePerCall: 50 });
    assert.deepEqual(row(trace, all!, 'g'), { ncalls: 2, primitive: 2, tottime: 50, cumtime: 50, tottimePerCall: 25, cumtimePerCall: 25 });
    assert.equal(all!.totalCalls, 4);
    assert.equal(all!.primitiveCalls, 4);
    assert.equal(all!.totalNs, 100);
    assert.equal(all!.wallNs, 100);
  });

  it('counts direct recursion once in cumtime and calls it 3/1', () => {
    const trace = singleThread(`
      f 0 100
        f 10 60
          f 20 20
    `);
    const [all] = computeFunctionStats(trace).groups;
    assert.deepEqual(row(trace, all!, 'f'), { ncalls: 3, primitive: 1, tottime: 100, cumtime: 100, tottimePerCall: 100 / 3, cumtimePerCall: 100 });
  });

  it('matches cProfile on mutual recursion, recursion and a C function calling back', () => {
    const trace = singleThread(CPROFILE_TREE);
    const [all] = computeFunctionStats(trace, { edges: true }).groups;
    assert.deepEqual(row(trace, all!, 'main'), { ncalls: 1, primitive: 1, tottime: 0, cumtime: 175, tottimePerCall: 0, cumtimePerCall: 175 });
    assert.deepEqual(row(trace, all!, 'a'), { ncalls: 2, primitive: 1, tottime: 60, cumtime: 100, tottimePerCall: 30, cumtimePerCall: 100 });
    assert.deepEqual(row(trace, all!, 'b'), { ncalls: 2, primitive: 1, tottime: 40, cumtime: 80, tottimePerCall: 20, cumtimePerCall: 80 });
    assert.deepEqual(row(trace, all!, 'f'), { ncalls: 3, primitive: 1, tottime: 60, cumtime: 60, tottimePerCall: 20, cumtimePerCall: 60 });
    assert.deepEqual(row(trace, all!, 'sorted'), { ncalls: 1, primitive: 1, tottime: 0, cumtime: 15, tottimePerCall: 0, cumtimePerCall: 15 });
    assert.deepEqual(row(trace, all!, 'k'), { ncalls: 3, primitive: 3, tottime: 15, cumtime: 15, tottimePerCall: 5, cumtimePerCall: 5 });
    assert.deepEqual(edges(trace, all!), {
      'main>a': [1, 1, 20, 100],
      'a>b': [2, 1, 40, 80],
      'b>a': [1, 1, 40, 50],
      'main>f': [1, 1, 20, 60],
      'f>f': [2, 1, 40, 40],
      'main>sorted': [1, 1, 0, 15],
      'sorted>k': [3, 3, 15, 15],
    });
  });

  it('leaves C functions out like cProfile(builtins=False): their time is the caller own time', () => {
    const trace = singleThread(`
      main 0 100
        {sorted} 10 60
          key 20 10
          key 40 10
        {len} 80 5
    `);
    const withC = computeFunctionStats(trace).groups[0]!;
    assert.equal(row(trace, withC, 'main')!.tottime, 35);
    assert.equal(row(trace, withC, 'sorted')!.tottime, 40);
    assert.equal(withC.totalCalls, 5);

    const stats = computeFunctionStats(trace, { includeC: false, edges: true });
    const noC = stats.groups[0]!;
    assert.equal(stats.includeC, false);
    assert.deepEqual(names(trace, noC, 'name'), ['key', 'main']);
    assert.deepEqual(row(trace, noC, 'main'), { ncalls: 1, primitive: 1, tottime: 80, cumtime: 100, tottimePerCall: 80, cumtimePerCall: 100 });
    assert.deepEqual(row(trace, noC, 'key'), { ncalls: 2, primitive: 2, tottime: 20, cumtime: 20, tottimePerCall: 10, cumtimePerCall: 10 });
    assert.equal(noC.totalCalls, 3);
    assert.equal(noC.totalNs, 100);
    assert.deepEqual(edges(trace, noC), { 'main>key': [2, 2, 20, 20] });
  });

  it('matches cProfile(builtins=False) callers on the reference tree', () => {
    const trace = singleThread(CPROFILE_TREE);
    const [all] = computeFunctionStats(trace, { includeC: false, edges: true }).groups;
    assert.equal(row(trace, all!, 'sorted'), undefined);
    assert.deepEqual(edges(trace, all!)['main>k'], [3, 3, 15, 15]);
    assert.equal(row(trace, all!, 'main')!.tottime, 0);
  });

  it('decides recursion per thread: the same function running on two threads is two primitive calls', () => {
    const trace = traceOf({ threads: ['f 0 100\n  g 10 20', 'f 50 100\n  f 60 10'] });
    const [all] = computeFunctionStats(trace).groups;
    assert.deepEqual(row(trace, all!, 'f'), { ncalls: 3, primitive: 2, tottime: 180, cumtime: 200, tottimePerCall: 60, cumtimePerCall: 100 });
    assert.deepEqual(all!.threads, [0, 1]);
    assert.equal(all!.wallNs, 150);
  });

  it('groups by thread and by process', () => {
    const trace = traceOf(
      { pid: 10, threads: ['main 0 100\n  f 10 20', 'f 0 40'] },
      { pid: 20, threads: ['f 0 5\n  g 1 2'] },
    );
    const byThread = computeFunctionStats(trace, { by: 'thread' });
    assert.equal(byThread.by, 'thread');
    assert.deepEqual(
      byThread.groups.map((g) => [g.process, g.thread, g.totalCalls, g.totalNs, row(trace, g, 'f')!.cumtime]),
      [
        [0, 0, 2, 100, 20],
        [0, 1, 1, 40, 40],
        [1, 2, 2, 5, 5],
      ],
    );
    const byProcess = computeFunctionStats(trace, { by: 'process' });
    assert.deepEqual(
      byProcess.groups.map((g) => [g.process, g.thread, g.threads, g.totalCalls, row(trace, g, 'f')!.ncalls, row(trace, g, 'f')!.cumtime]),
      [
        [0, -1, [0, 1], 3, 2, 60],
        [1, -1, [2], 2, 1, 5],
      ],
    );
    const [all] = computeFunctionStats(trace).groups;
    assert.deepEqual([all!.process, all!.thread, all!.processes, all!.totalCalls], [-1, -1, [0, 1], 5]);
    assert.equal(row(trace, all!, 'f')!.ncalls, 3);
  });

  it('merges a function that has one FuncTable entry per process', () => {
    const trace = traceOf({ threads: ['f@lib.py:3 0 10'] }, { threads: ['f@lib.py:3 0 30'], ownFuncs: true });
    assert.notEqual(trace.threads[0]!.slices.func[0], trace.threads[1]!.slices.func[0]);
    const [all] = computeFunctionStats(trace).groups;
    assert.equal(all!.rows, 1);
    assert.deepEqual(row(trace, all!, 'f'), { ncalls: 2, primitive: 2, tottime: 40, cumtime: 40, tottimePerCall: 20, cumtimePerCall: 20 });
  });

  it('attaches a slice whose depth skips a level to the innermost open call', () => {
    const trace = singleThread('main 0 100\n  f 10 50\n  g 70 10');
    trace.threads[0]!.slices.depth[1] = 3; // as if the enter events between were lost
    const [all] = computeFunctionStats(trace).groups;
    assert.equal(row(trace, all!, 'main')!.tottime, 40);
  });

  it('orders rows by each sort key with stable ties', () => {
    const trace = singleThread(`
      main 0 1000
        zeta@b.py:5 0 100
          beta@a.py:9 0 90
        alpha@b.py:1 100 10
        alpha@b.py:1 110 10
        alpha@b.py:1 120 10
        beta@a.py:9 200 10
    `);
    const [all] = computeFunctionStats(trace).groups;
    assert.deepEqual(names(trace, all!, 'tottime'), ['main', 'beta', 'alpha', 'zeta']);
    assert.deepEqual(names(trace, all!, 'cumtime'), ['main', 'beta', 'zeta', 'alpha']);
    assert.deepEqual(names(trace, all!, 'ncalls'), ['alpha', 'beta', 'main', 'zeta']);
    assert.deepEqual(names(trace, all!, 'percall'), ['main', 'beta', 'alpha', 'zeta']);
    assert.deepEqual(names(trace, all!, 'name'), ['alpha', 'beta', 'main', 'zeta']);
    assert.deepEqual(names(trace, all!, 'file'), ['beta', 'main', 'alpha', 'zeta']);
  });

  it('gives an empty group for a thread without calls', () => {
    const trace = traceOf({ threads: ['f 0 10', ''] });
    const groups = computeFunctionStats(trace, { by: 'thread' }).groups;
    assert.deepEqual(
      groups.map((g) => [g.rows, g.totalCalls, g.wallNs]),
      [
        [1, 1, 10],
        [0, 0, 0],
      ],
    );
  });
});

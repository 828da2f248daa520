import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callersAndCallees, parentOf, selfTime } from '../../viewer/core/func-info.js';
import { buildViewModel, funcName } from '../../viewer/core/model.js';
import { aggregateRange, childrenOf, sortRows } from '../../viewer/core/range.js';
import { countMatches, matchFuncs, nextMatch } from '../../viewer/core/search.js';
import { traceOf } from './helpers/trace-builder.js';

const trace = traceOf({
  threads: [
    `
    main 0 100
      f 10 40
        g 20 10
        g 35 5
      f 60 30
        f 65 10
    `,
    `
    w 0 50
      g 10 20
    `,
  ],
});
const vm = buildViewModel(trace);

function table(a: number, b: number) {
  const r = aggregateRange(vm.lanes, trace.funcs.count, a, b);
  const out: Record<string, [number, number, number]> = {};
  for (let k = 0; k < r.rows; k++) out[funcName(trace, r.func[k]!)] = [r.calls[k]!, r.total[k]!, r.self[k]!];
  return { r, out };
}

describe('range aggregation', () => {
  it('counts calls, total and self time over the whole trace', () => {
    const { out } = table(0, 1000);
    assert.deepEqual(out.main, [1, 100, 30]);
    // f: 40 + 30 (the recursive call inside counts once in total), self 40-15 + 30-10 + 10
    assert.deepEqual(out.f, [3, 70, 55]);
    assert.deepEqual(out.g, [3, 35, 35]);
    assert.deepEqual(out.w, [1, 50, 30]);
  });

  it('clips to the range, including calls open at its start', () => {
    const { out } = table(25, 70);
    // main: 25..70 = 45, less f (25..50) and f (60..70)
    assert.deepEqual(out.main, [1, 45, 10]);
    assert.deepEqual(out.g, [3, 15, 15]);
    assert.deepEqual(out.w, [1, 25, 20]);
  });

  it('builds the call tree of the range', () => {
    const { r } = table(0, 1000);
    const t = r.tree;
    assert.equal(t.total[0], 150); // main 100 + w 50
    const names = (n: number) => [...childrenOf(t, n)].map((c) => `${funcName(trace, t.func[c]!)}:${t.total[c]}`);
    assert.deepEqual(names(0), ['main:100', 'w:50']);
    const main = childrenOf(t, 0)[0]!;
    assert.deepEqual(names(main), ['f:70']);
    const f = childrenOf(t, main)[0]!;
    assert.deepEqual(names(f), ['g:15', 'f:10']);
  });

  it('is empty for an empty range', () => {
    const { r } = table(500, 600);
    assert.equal(r.rows, 0);
    assert.equal(r.tree.count, 1);
  });

  it('sorts rows by a column', () => {
    const { r } = table(0, 1000);
    const bySelf = [...sortRows(r, 'self', (f) => funcName(trace, f))].map((k) => funcName(trace, r.func[k]!));
    assert.deepEqual(bySelf, ['f', 'g', 'main', 'w']);
    const byName = [...sortRows(r, 'name', (f) => funcName(trace, f), false)].map((k) => funcName(trace, r.func[k]!));
    assert.deepEqual(byName, ['w', 'main', 'g', 'f']);
  });
});

describe('slice facts', () => {
  const s = trace.threads[0]!.slices;
  it('self time and parent', () => {
    assert.equal(selfTime(s, 0), 30);
    assert.equal(selfTime(s, 1), 25);
    assert.equal(parentOf(s, 2), 1);
    assert.equal(parentOf(s, 0), -1);
  });
  it('callers and callees of a function', () => {
    const f = s.func[1]!;
    const info = callersAndCallees(vm.lanes, f);
    const named = (m: Map<number, number>) => Object.fromEntries([...m].map(([k, v]) => [k < 0 ? '-' : funcName(trace, k), v]));
    assert.deepEqual(named(info.callers), { main: 2, f: 1 });
    assert.deepEqual(named(info.callees), { g: 2, f: 1 });
    assert.equal(info.calls, 3);
    assert.equal(info.total, 70);
  });
});

describe('search', () => {
  it('matches names case-insensitively and counts slices', () => {
    const { mask, funcs } = matchFuncs(trace, 'G');
    assert.equal(funcs, 1);
    assert.equal(countMatches(vm.lanes, mask), 3);
    assert.equal(matchFuncs(trace, '').funcs, 0);
    assert.equal(matchFuncs(trace, 'app.py').funcs, 4);
  });
  it('walks matches in time order across lanes, both ways', () => {
    const { mask } = matchFuncs(trace, 'g');
    const seen: string[] = [];
    let from = { lane: -1, slice: -1, t: -Infinity };
    for (;;) {
      const m = nextMatch(vm.lanes, mask, from, 1);
      if (!m) break;
      const t = vm.lanes[m.lane]!.slices.start[m.slice]!;
      seen.push(`${m.lane}:${t}`);
      from = { ...m, t };
    }
    assert.deepEqual(seen, ['1:10', '0:20', '0:35']);
    const back = nextMatch(vm.lanes, mask, from, -1)!;
    assert.deepEqual(back, { lane: 0, slice: 2 });
  });
});

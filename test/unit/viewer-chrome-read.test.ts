import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chromeJsonChunks } from '../../src/formats/chrome-json.js';
import { looksLikeChromeJson, readChromeTrace, readChromeTraceFile } from '../../src/formats/chrome-read.js';
import { loadSession } from '../../src/model/build.js';
import type { Trace } from '../../src/model/trace.js';
import { UserError } from '../../src/util/errors.js';
import { fixturesDir, session } from './helpers/stream-fixtures.js';

const fixture = (name: string) => readChromeTraceFile(join(fixturesDir, 'chrome', name));

/** Each lane's slices as "depth name start dur" lines (times in ns). */
function rows(trace: Trace, lane = 0): string[] {
  const s = trace.threads[lane]!.slices;
  const out: string[] = [];
  for (let i = 0; i < s.count; i++) {
    out.push(`${s.depth[i]} ${trace.strings[trace.funcs.name[s.func[i]!]!]} ${s.start[i]} ${s.dur[i]}`);
  }
  return out;
}

describe('Chrome trace reader', () => {
  it('reads the object form with names, files and lines', async () => {
    const t = await fixture('object-form.json');
    assert.equal(t.processes.length, 1);
    assert.equal(t.processes[0]!.name, 'app');
    assert.equal(t.processes[0]!.pid, 7);
    assert.deepEqual(t.threads.map((l) => l.name), ['MainThread', 'worker']);
    assert.ok(t.threads[0]!.isMain);
    assert.deepEqual(rows(t), ['0 main 0 100000', '1 work 10000 50000', '2 len 20000 5000']);
    assert.deepEqual(rows(t, 1), ['0 work 5000 20500']);
    assert.equal(t.threads[1]!.slices.flags[0], 1);
    const f = t.threads[0]!.slices.func[1]!;
    assert.equal(t.strings[t.funcs.file[f]!], 'app.py');
    assert.equal(t.funcs.line[f], 5);
    assert.equal(t.funcs.kind[t.threads[0]!.slices.func[2]!], 2);
    assert.equal(t.originNs, '1000000');
    assert.deepEqual(t.meta.warnings, []);
  });

  it('pairs B/E in the array form', async () => {
    const t = await fixture('array-form.json');
    assert.deepEqual(rows(t), ['0 outer 0 30000', '1 inner 10000 10000']);
  });

  it('reads a file with no closing bracket, and says so', async () => {
    const t = await fixture('unclosed.json');
    assert.deepEqual(rows(t), ['0 a 0 10000', '1 b 2000 3000']);
    assert.match(t.meta.warnings.join('\n'), /without closing/);
  });

  it('skips a truncated last event', async () => {
    const t = await fixture('truncated.json');
    assert.deepEqual(rows(t), ['0 a 0 10000']);
    assert.match(t.meta.warnings.join('\n'), /cut off/);
  });

  it('accepts a trailing comma', async () => {
    const t = await fixture('trailing-comma.json');
    assert.deepEqual(rows(t), ['0 a 0 10000', '1 b 2000 3000']);
    assert.deepEqual(t.meta.warnings, []);
  });

  it('sorts events out of order, pairing B/E by time', async () => {
    const t = await fixture('out-of-order.json');
    assert.deepEqual(rows(t), ['0 root 0 20000', '1 mid 10000 5000', '2 leaf 12000 2000', '0 late 25000 5000']);
    assert.match(t.meta.warnings.join('\n'), /1 end events \(E\) had no begin/);
  });

  it('shows unmatched begins up to the thread end and ignores unmatched ends', async () => {
    const t = await fixture('unmatched.json');
    assert.deepEqual(rows(t), ['0 never-ends 5000 10000', '1 child 7000 3000', '0 last 15000 0']);
    assert.equal(t.threads[0]!.slices.flags[0], 1);
    assert.equal(t.threads[0]!.unmatchedExits, 1);
    assert.match(t.meta.warnings.join('\n'), /never ended/);
  });

  it('accepts string pids and tids', async () => {
    const t = await fixture('string-pids.json');
    assert.deepEqual(t.processes.map((p) => p.name), ['Browser', 'Renderer']);
    assert.deepEqual(t.threads.map((l) => l.name), ['CrBrowserMain', 'IO', 'main']);
    assert.deepEqual(rows(t, 2), ['0 b 5000 10000']);
  });

  it('reads counters, instants, flows and async slices', async () => {
    const t = await fixture('extras.json');
    const c = t.counters!;
    assert.deepEqual(c.series.map((s) => [s.name, s.count]), [['memory heap', 2], ['memory rss', 2], ['queue', 1]]);
    assert.deepEqual([...c.value.subarray(c.series[1]!.offset, c.series[1]!.offset + 2)], [10, 30]);
    const i = t.instants!;
    assert.equal(i.count, 3);
    assert.deepEqual([...i.scope], [0, 1, 2]);
    assert.equal(i.thread[0], 0);
    assert.equal(i.thread[1], -1);
    assert.equal(i.process[2], -1);
    const f = t.flows!;
    assert.equal(f.count, 1);
    assert.deepEqual([f.fromThread[0], f.fromTs[0], f.toThread[0], f.toTs[0]], [0, 30000, 1, 55000]);
    const a = t.asyncTracks!;
    // Three fetches: 0x1 (10-40) and 0x3 (70-end) share a lane, 0x2 (30-60) overlaps and gets its own.
    assert.equal(a.length, 2);
    assert.deepEqual(a.map((tr) => tr.slices.count), [3, 1]);
    assert.deepEqual([...a[0]!.slices.depth], [0, 1, 0]);
    assert.equal(a[0]!.slices.flags[2], 1);
  });

  it('reads back what weft writes as Chrome JSON', async () => {
    const original = await loadSession(session('multiproc'));
    const text = [...chromeJsonChunks(original)].join('');
    const t = readChromeTrace(new TextEncoder().encode(text), 'multiproc.json');
    assert.equal(t.threads.length, original.threads.length);
    let a = 0;
    let b = 0;
    for (const l of original.threads) a += l.slices.count;
    for (const l of t.threads) b += l.slices.count;
    assert.equal(b, a);
    assert.deepEqual(t.processes.map((p) => p.pid), original.processes.map((p) => p.pid));
  });

  it('says clearly what is not a trace', async () => {
    const bad = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);
    await assert.rejects(fixture('not-a-trace.json'), bad(/JSON but not a Chrome trace/));
    await assert.rejects(fixture('numbers.json'), bad(/none of its 3 entries/));
    await assert.rejects(fixture('text.txt'), bad(/not a trace/));
    await assert.rejects(fixture('missing.json'), bad(/no such file/));
    assert.throws(() => readChromeTrace(new TextEncoder().encode('[]'), 'empty.json'), bad(/no trace events/));
    assert.throws(() => readChromeTrace(new Uint8Array([0x1f, 0x8b, 1, 2]), 'x.gz'), bad(/damaged gzip/));
  });

  it('recognises JSON by its first bytes', () => {
    assert.ok(looksLikeChromeJson(new TextEncoder().encode('  \n{"a"')));
    assert.ok(looksLikeChromeJson(new TextEncoder().encode('[')));
    assert.ok(!looksLikeChromeJson(new TextEncoder().encode('WEFTFILE')));
  });
});

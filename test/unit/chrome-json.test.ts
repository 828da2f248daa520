import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { chromeJsonChunks, micros, writeChromeJson } from '../../src/formats/chrome-json.js';
import { loadSession } from '../../src/model/build.js';
import type { Trace } from '../../src/model/trace.js';
import { fixturesDir, scratchDir, session } from './helpers/stream-fixtures.js';

interface Event {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}
interface Doc {
  traceEvents: Event[];
  displayTimeUnit: string;
  otherData: Record<string, unknown>;
}

const dir = scratchDir();

async function chrome(name: string, file = `${name}.json`): Promise<{ doc: Doc; path: string }> {
  const path = join(dir, file);
  await writeChromeJson(await loadSession(session(name)), path);
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  return { doc: JSON.parse(text) as Doc, path };
}

describe('Chrome trace JSON', () => {
  it('names processes and threads, main thread first', async () => {
    const { doc } = await chrome('multiproc');
    const m = doc.traceEvents.filter((e) => e.ph === 'M');
    const names = m.filter((e) => e.name === 'process_name').map((e) => [e.pid, e.args!.name]);
    assert.deepEqual(names, [
      [200, 'main.py --jobs 2'],
      [204, 'resource_tracker'],
      [201, 'ForkPoolWorker-1'],
      [202, 'SpawnProcess-1'],
      [203, '-m crashy --now'],
    ]);
    const threads = m.filter((e) => e.pid === 202 && e.name.startsWith('thread_'));
    assert.deepEqual(
      threads.map((e) => [e.name, e.tid, e.args!.name ?? e.args!.sort_index]),
      [
        ['thread_name', 202, 'MainThread'],
        ['thread_sort_index', 202, 0],
        ['thread_name', 205, 'QueueFeederThread'],
        ['thread_sort_index', 205, 1],
      ],
    );
    assert.equal(doc.displayTimeUnit, 'ns');
    assert.equal(doc.otherData.originNs, '12345678901234567');
  });

  it('writes each slice as an X event in microseconds, sorted per thread', async () => {
    const { doc } = await chrome('two-threads');
    const x = doc.traceEvents.filter((e) => e.ph === 'X');
    assert.deepEqual(
      x.map((e) => [e.tid, e.name, e.cat, e.ts, e.dur, e.args]),
      [
        [100, '<module> (/app/app.py:1)', 'py', 1, 7, undefined],
        [100, 'main (/app/app.py:10)', 'py', 2, 5, undefined],
        [100, 'work (/app/app.py:20)', 'py', 3, 3, undefined],
        [100, 'time.sleep', 'c', 4, 1, undefined],
        [101, 'Worker.run (/app/app.py:30)', 'py', 2.5, 1.5, undefined],
        [101, 'work (/app/app.py:20)', 'py', 2.6, 1, { exception: true }],
      ],
    );
    assert.ok(x.every((e) => e.pid === 100));
  });

  it('escapes names that hold quotes, backslashes, < and control characters', async () => {
    const { doc, path } = await chrome('multiproc');
    const crash = doc.traceEvents.find((e) => e.ph === 'X' && e.pid === 203 && e.cat === 'py')!;
    assert.equal(crash.name, 'crash "now" <\\> (/app/crashy.py:3)');
    assert.deepEqual(crash.args, { unfinished: true });
    const text = readFileSync(path, 'utf8');
    assert.ok(!text.includes('<'), 'no raw < in the output');

    const trace = await loadSession(session('two-threads'));
    const odd = 'q"\\\n\t\u0001\u2028é😀\ud800<';
    trace.strings[trace.funcs.name[1]!] = odd;
    trace.threads[0]!.name = odd;
    const parsed = JSON.parse([...chromeJsonChunks(trace)].join('')) as Doc;
    const threadName = parsed.traceEvents.find((e) => e.name === 'thread_name' && e.tid === 100)!.args!.name;
    assert.equal(threadName, odd);
    assert.ok(parsed.traceEvents.some((e) => e.ph === 'X' && e.name === `${odd} (/app/app.py:1)`));
  });

  it('matches the committed snapshot for the process-tree fixture', async () => {
    const { doc } = await chrome('multiproc');
    delete doc.otherData.recordedAt; // file creation time of the checkout
    const expectedPath = join(fixturesDir, 'expected', 'multiproc.chrome.json');
    if (process.env.UPDATE_SNAPSHOTS === '1') {
      mkdirSync(join(fixturesDir, 'expected'), { recursive: true });
      const events = doc.traceEvents.map((e) => JSON.stringify(e)).join(',\n');
      const rest = JSON.stringify({ ...doc, traceEvents: undefined }).slice(1);
      writeFileSync(expectedPath, `{"traceEvents":[\n${events}\n],${rest}\n`);
    }
    assert.deepStrictEqual(doc, JSON.parse(readFileSync(expectedPath, 'utf8')));
  });

  it('writes gzip when asked or when the name ends with .gz', async () => {
    const plain = await chrome('multiproc', 'mp.json');
    const gz = await chrome('multiproc', 'mp.json.gz');
    assert.deepStrictEqual(gz.doc, plain.doc);
    assert.equal(readFileSync(gz.path)[0], 0x1f);
    const trace = await loadSession(session('multiproc'));
    const forced = join(dir, 'forced.json');
    await writeChromeJson(trace, forced, { gzip: true });
    assert.deepStrictEqual(JSON.parse(gunzipSync(readFileSync(forced)).toString()), plain.doc);
  });

  it('streams a large trace in many chunks', () => {
    const n = 100_000;
    const start = new Float64Array(n).map((_, i) => i * 1000 + 1);
    const trace: Trace = {
      originNs: '0',
      strings: ['', 'f', 'a.py'],
      funcs: { count: 1, name: new Int32Array([1]), file: new Int32Array([2]), line: new Int32Array([3]), kind: new Uint8Array([1]) },
      processes: [{
        index: 0, pid: 1, ppid: 0, parent: -1, name: 'x', argv: [], exe: '', python: '', forkOf: null, startNs: 0,
        endNs: n * 1000, end: { how: 'exit', code: 0, signal: null, text: '' }, threads: [0], droppedEvents: 0, truncatedBytes: 0,
      }],
      threads: [{
        index: 0, process: 0, serial: 0, ident: 0, native: 0, name: 'MainThread', isMain: true, startNs: 0, endNs: n * 1000,
        unmatchedExits: 0,
        slices: { count: n, start, dur: new Float64Array(n).fill(999), func: new Int32Array(n), depth: new Uint16Array(n), flags: new Uint8Array(n) },
      }],
      meta: { command: [], recordedAt: 0, warnings: [] },
    };
    const chunks = [...chromeJsonChunks(trace)];
    assert.ok(chunks.length > 10);
    assert.ok(chunks.every((c) => c.length < 70_000));
    const doc = JSON.parse(chunks.join('')) as Doc;
    const x = doc.traceEvents.filter((e) => e.ph === 'X');
    assert.equal(x.length, n);
    assert.equal(x[n - 1]!.ts, ((n - 1) * 1000 + 1) / 1000);
    assert.equal(x[0]!.tid, 0);
  });

  it('formats ns as microseconds exactly', () => {
    assert.equal(micros(0), '0');
    assert.equal(micros(1), '0.001');
    assert.equal(micros(1500), '1.500');
    assert.equal(micros(12_345_678_901_234), '12345678901.234');
    assert.equal(micros(1000), '1');
    assert.equal(micros(-1500), '-1.500');
  });
});

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readWeftFile, writeWeftFile } from '../../src/formats/weft-file.js';
import { loadSession } from '../../src/model/build.js';
import type { Trace } from '../../src/model/trace.js';
import { UserError } from '../../src/util/errors.js';
import { fixturesDir, scratchDir, session } from './helpers/stream-fixtures.js';

const dir = scratchDir();

async function written(name: string): Promise<string> {
  const path = join(dir, `${name}.weft`);
  writeWeftFile(await loadSession(session(name)), path);
  return path;
}

type Header = {
  sections: { name: string; type: string; byteOffset: number; length: number; codec?: string; byteLength?: number }[];
  threads: Record<string, unknown>[];
  [k: string]: unknown;
};

/** Rewrites the JSON header in place (same byte length, padded with spaces), so the data stays put. */
function patchHeader(src: string, out: string, edit: (h: Header) => void): void {
  const bytes = new Uint8Array(readFileSync(src));
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const len = dv.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + len))) as Header;
  // The reader ignores these two; dropping them leaves room for edits that add a few digits.
  delete header.format;
  delete header.version;
  edit(header);
  const text = new TextEncoder().encode(JSON.stringify(header));
  assert.ok(text.length <= len, 'patched header must not grow');
  bytes.fill(0x20, 16, 16 + len);
  bytes.set(text, 16);
  writeFileSync(out, bytes);
}

function corrupt(path: string, reason: string | RegExp) {
  return (e: unknown) => {
    if (!(e instanceof UserError)) return false;
    const prefix = `${path} is corrupt: `;
    if (!e.message.startsWith(prefix)) return false;
    const rest = e.message.slice(prefix.length);
    return typeof reason === 'string' ? rest === reason : reason.test(rest);
  };
}

function withExtras(trace: Trace): Trace {
  const name = trace.strings.length;
  trace.strings.push('tick');
  trace.counters = {
    series: [{ process: 0, name: 'queue', offset: 0, count: 3 }],
    count: 3,
    ts: new Float64Array([0, 10, 20]),
    value: new Float64Array([1, 2.5, -3]),
  };
  trace.instants = {
    count: 2,
    ts: new Float64Array([5, 6]),
    name: new Int32Array([name, name]),
    process: new Int32Array([0, -1]),
    thread: new Int32Array([1, -1]),
    scope: new Uint8Array([0, 2]),
  };
  trace.flows = {
    count: 1,
    name: new Int32Array([name]),
    fromThread: new Int32Array([0]),
    fromTs: new Float64Array([100]),
    toThread: new Int32Array([1]),
    toTs: new Float64Array([200]),
  };
  const slices = (n: number) => ({
    count: n,
    start: new Float64Array(n).map((_, i) => i * 10),
    dur: new Float64Array(n).fill(5),
    func: new Int32Array(n).fill(1),
    depth: new Uint16Array(n),
    flags: new Uint8Array(n),
  });
  trace.asyncTracks = [
    { process: 0, name: 'task A', slices: slices(3) },
    { process: 0, name: 'task B', slices: slices(1) },
  ];
  return trace;
}

describe('.weft files', () => {
  it('read back equal to what was written', async () => {
    for (const name of ['multiproc', 'two-threads', 'unfinished', 'truncated']) {
      const trace = await loadSession(session(name));
      const path = join(dir, `rt-${name}.weft`);
      writeWeftFile(trace, path);
      assert.deepStrictEqual(readWeftFile(path), trace, name);
    }
  });

  it('keep the optional tables: counters, instants, flows, async tracks', async () => {
    const trace = withExtras(await loadSession(session('two-threads')));
    const path = join(dir, 'extras.weft');
    writeWeftFile(trace, path);
    assert.deepStrictEqual(readWeftFile(path), trace);

    const bad = join(dir, 'extras-bad.weft');
    const bytes = readFileSync(path);
    const header = JSON.parse(bytes.subarray(16, 16 + bytes.readUInt32LE(12)).toString()) as Header;
    const thread = header.sections.find((s) => s.name === 'instants.thread')!;
    const b = Buffer.from(bytes);
    b.writeInt32LE(5, thread.byteOffset);
    writeFileSync(bad, b);
    assert.throws(() => readWeftFile(bad), corrupt(bad, 'instant 0 points outside the trace'));
    patchHeader(path, bad, (h) => ((h.asyncTracks as { tracks: { sliceCount: number }[] }).tracks[0]!.sliceCount = 9));
    assert.throws(() => readWeftFile(bad), corrupt(bad, 'async track 0 points outside the trace'));
  });

  it('store slice columns compact and the rest raw, at 8-byte aligned offsets', async () => {
    const path = await written('multiproc');
    const bytes = readFileSync(path);
    const header = JSON.parse(bytes.subarray(16, 16 + bytes.readUInt32LE(12)).toString()) as Header;
    const codecs = Object.fromEntries(header.sections.map((s) => [s.name, s.codec ?? 'raw']));
    assert.deepEqual(
      ['slices.start', 'slices.dur', 'slices.func', 'slices.depth', 'slices.flags', 'funcs.name'].map((n) => codecs[n]),
      ['varint-delta', 'varint', 'u16', 'u8', 'raw', 'raw'],
    );
    for (const s of header.sections) assert.equal(s.byteOffset % 8, 0, s.name);
    const t = readWeftFile(path);
    // raw columns are views of the file's buffer, not copies
    assert.equal(t.funcs.name.buffer, t.threads[0]!.slices.flags.buffer);
    assert.equal(t.threads[0]!.slices.flags.byteOffset % 8, 0);
  });

  it('keep a column raw when its values are not integers (fractions of ns from a Chrome trace)', async () => {
    const trace = await loadSession(session('two-threads'));
    const s = trace.threads[0]!.slices;
    s.start[0] = s.start[0]! + 0.25;
    s.dur[1] = 1e300;
    const path = join(dir, 'fractions.weft');
    writeWeftFile(trace, path);
    const bytes = readFileSync(path);
    const header = JSON.parse(bytes.subarray(16, 16 + bytes.readUInt32LE(12)).toString()) as Header;
    assert.equal(header.sections.find((x) => x.name === 'slices.start')!.codec, undefined);
    assert.equal(header.sections.find((x) => x.name === 'slices.dur')!.codec, undefined);
    assert.equal(header.sections.find((x) => x.name === 'slices.func')!.codec, 'u16');
    assert.deepStrictEqual(readWeftFile(path), trace);
  });

  it('fall back to the next codec when a column does not fit one: deep stacks, many functions', async () => {
    const trace = await loadSession(session('two-threads'));
    const s = trace.threads[0]!.slices;
    s.depth[0] = 300;
    const path = join(dir, 'deep.weft');
    writeWeftFile(trace, path);
    const bytes = readFileSync(path);
    const header = JSON.parse(bytes.subarray(16, 16 + bytes.readUInt32LE(12)).toString()) as Header;
    assert.equal(header.sections.find((x) => x.name === 'slices.depth')!.codec, 'varint-delta');
    assert.deepStrictEqual(readWeftFile(path), trace);
  });

  it('read version-1 files (every column raw)', async () => {
    const v1 = join(fixturesDir, 'weft', 'multiproc.v1.weft');
    const { meta: m1, ...old } = readWeftFile(v1);
    const { meta: m2, ...now } = await loadSession(session('multiproc'));
    assert.deepStrictEqual(old, now);
    assert.deepStrictEqual({ ...m1, recordedAt: 0 }, { ...m2, recordedAt: 0 });
  });

  it('reject a file that is not a .weft file, or of another version', async () => {
    const path = await written('two-threads');
    const other = join(dir, 'other.weft');
    const bytes = new Uint8Array(readFileSync(path));
    bytes[0] = 0x58;
    writeFileSync(other, bytes);
    assert.throws(() => readWeftFile(other), (e: unknown) => e instanceof UserError && e.message === `${other} is not a weft trace file`);
    const v3 = new Uint8Array(readFileSync(path));
    v3[8] = 3;
    writeFileSync(other, v3);
    assert.throws(() => readWeftFile(other), /is a \.weft file of version 3; this weft reads versions up to 2/);
  });

  it('reject truncated files wherever they were cut', async () => {
    const path = await written('multiproc');
    const bytes = readFileSync(path);
    const header = JSON.parse(bytes.subarray(16, 16 + bytes.readUInt32LE(12)).toString()) as Header;
    const flags = header.sections.find((s) => s.name === 'slices.flags')!;
    const cut = join(dir, 'cut.weft');
    const cases: [number, string | RegExp][] = [
      [12, 'the file is truncated'],
      [40, 'the file is truncated (header)'],
      [flags.byteOffset + 1, 'section slices.flags runs past the end of the file (truncated?)'],
    ];
    for (const [n, reason] of cases) {
      writeFileSync(cut, bytes.subarray(0, n));
      assert.throws(() => readWeftFile(cut), corrupt(cut, reason), `cut at ${n}`);
    }
  });

  it('reject a header that does not match the data', async () => {
    const path = await written('multiproc');
    const bad = join(dir, 'bad.weft');
    const cases: [(h: Header) => void, string | RegExp][] = [
      [(h) => (h.sections.find((s) => s.name === 'slices.flags')!.length -= 1), /^section slices\.flags holds \d+ values, expected \d+$/],
      [(h) => (h.sections.find((s) => s.name === 'slices.dur')!.length -= 1), /^section slices\.dur does not hold \d+ varint values$/],
      [(h) => (h.sections.find((s) => s.name === 'slices.func')!.length -= 1), /^section slices\.func does not hold \d+ u16 values$/],
      [(h) => (h.sections.find((s) => s.name === 'slices.dur')!.codec = 'lz4'), 'section slices.dur has an unknown codec'],
      [(h) => (h.sections.find((s) => s.name === 'slices.dur')!.byteLength = 1e9), 'section slices.dur runs past the end of the file (truncated?)'],
      [(h) => (h.sections.find((s) => s.name === 'funcs.kind')!.name = 'funcs.kin'), 'section funcs.kind is missing'],
      [(h) => (h.sections.find((s) => s.name === 'slices.start')!.type = 'i32'), 'section slices.start has type i32, expected f64'],
      [(h) => (h.sections.find((s) => s.name === 'slices.start')!.byteOffset += 1), 'section slices.start is misplaced'],
      [(h) => (h.sections.find((s) => s.name === 'slices.start')!.byteOffset = 8), 'section slices.start is misplaced'],
      [(h) => (h.threads[0]!.sliceCount = 99), 'thread 0 slices run past the slice columns'],
      [(h) => (h.threads[1]!.process = 9), 'thread 1 belongs to a missing process'],
      [(h) => ((h.processes as Record<string, unknown>[])[0]!.threads = [0, 77]), 'process 0 lists a missing thread'],
      [(h) => ((h.processes as Record<string, unknown>[])[2]!.end = { how: 'vanished' }), 'process 2 has a bad end'],
      [(h) => (h.strings = [1, 2]), 'bad string table'],
      [(h) => (h.funcCount = 1), /^section funcs\.name holds \d+ values, expected 1$/],
      [(h) => (h.originNs = 12.5), 'bad originNs'],
      [(h) => delete h.meta, 'bad meta'],
    ];
    for (const [edit, reason] of cases) {
      patchHeader(path, bad, edit);
      assert.throws(() => readWeftFile(bad), corrupt(bad, reason), String(reason));
    }
  });

  it('reject a header that is not JSON, and column values that point nowhere', async () => {
    const path = await written('two-threads');
    const bad = join(dir, 'bad2.weft');
    const bytes = new Uint8Array(readFileSync(path));
    bytes[16] = 0x21;
    writeFileSync(bad, bytes);
    assert.throws(() => readWeftFile(bad), corrupt(bad, 'the header is not valid JSON'));

    const good = readFileSync(path);
    const header = JSON.parse(good.subarray(16, 16 + good.readUInt32LE(12)).toString()) as Header;
    const func = header.sections.find((s) => s.name === 'slices.func')!;
    const names = header.sections.find((s) => s.name === 'funcs.name')!;
    const b = Buffer.from(good);
    assert.equal(func.codec, 'u16');
    b.writeUInt16LE(9999, func.byteOffset + 2);
    writeFileSync(bad, b);
    assert.throws(() => readWeftFile(bad), corrupt(bad, 'slice 1 names a missing func'));
    const dur = header.sections.find((s) => s.name === 'slices.dur')!;
    assert.equal(dur.codec, 'varint');
    const v = Buffer.from(good);
    v[dur.byteOffset + dur.byteLength! - 1] = 0x80; // the last varint runs on past the section
    writeFileSync(bad, v);
    assert.throws(() => readWeftFile(bad), corrupt(bad, /^section slices\.dur does not hold \d+ varint values$/));
    const c = Buffer.from(good);
    c.writeInt32LE(-1, names.byteOffset);
    writeFileSync(bad, c);
    assert.throws(() => readWeftFile(bad), corrupt(bad, 'func 0 names a missing string'));
  });

  it('say so when the file is missing', () => {
    const path = join(dir, 'nope.weft');
    assert.throws(() => readWeftFile(path), (e: unknown) => e instanceof UserError && e.message === `${path}: no such file or directory`);
  });
});

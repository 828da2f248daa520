// Parse rates of the data path on a synthetic stream: decode, session build, .weft write/read,
// Chrome JSON write. Usage (after `npx tsc -p tsconfig.json`):
//   node dist/bench/decode.js [events=10000000] [threads=4]
//   PACKED=1 node dist/bench/decode.js ...   the same events as EVENTS_PACKED (the C agent's records)
// Writes its files to a temporary folder and removes them at the end (KEEP=1 keeps and prints it).

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeChromeJson } from '../src/formats/chrome-json.js';
import { readWeftFile, writeWeftFile } from '../src/formats/weft-file.js';
import { loadSession } from '../src/model/build.js';
import { decodeStream } from '../src/stream/decode.js';
import { bigJson } from '../test/fixtures/stream-writer.js';

const EVENTS = Number(process.argv[2] ?? 10_000_000);
const THREADS = Number(process.argv[3] ?? 4);
const PER_RECORD = 4096;
const T0 = 12_345_678_901_234_567n;
const FUNCS = 64;
const PACKED = process.env.PACKED === '1';

// A call pattern repeated with varying functions: a(b(c_C()), d()) -> 8 events, 4 slices.
const PATTERN: [kind: number, func: number][] = [
  [1, 0], [1, 1], [2, 2], [3, 2], [0, 1], [1, 3], [0, 3], [0, 0],
];

function metaRecord(obj: unknown): Uint8Array {
  const payload = new TextEncoder().encode(bigJson(obj));
  const total = 8 + payload.length;
  const rec = new Uint8Array(total + ((8 - (total % 8)) % 8));
  rec[0] = 1;
  new DataView(rec.buffer).setUint32(4, payload.length, true);
  rec.set(payload, 8);
  return rec;
}

function synthesize(): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(16);
  header.set(new TextEncoder().encode('WEFTSTRM'));
  header[8] = 1;
  parts.push(header);
  parts.push(metaRecord({ k: 'process', pid: 4242, ppid: 1, argv: ['python3', 'bench.py'], start_ns: T0 }));
  const items = [];
  for (let i = 1; i <= FUNCS; i++) items.push([i, i % 4 === 3 ? 2 : 1, `func_${i}`, '/bench/mod.py', i * 10]);
  parts.push(metaRecord({ k: 'funcs', items }));
  for (let t = 0; t < THREADS; t++) {
    parts.push(metaRecord({ k: 'thread', tid: t, ident: 1000 + t, native: 5000 + t, name: `T${t}`, main: t === 0 }));
  }
  const perThread = Math.floor(EVENTS / THREADS / PATTERN.length) * PATTERN.length;
  const time = new Array<number>(THREADS).fill(0);
  const step = new Array<number>(THREADS).fill(0);
  for (let done = 0; done < perThread; done += PER_RECORD) {
    const n = Math.min(PER_RECORD, perThread - done);
    for (let t = 0; t < THREADS; t++) {
      if (PACKED) {
        parts.push(packedRecord(t, n, step, time));
        continue;
      }
      const rec = new Uint8Array(16 + n * 16);
      const w = new Uint32Array(rec.buffer);
      w[0] = 2;
      w[1] = 8 + n * 16;
      w[2] = t;
      for (let i = 0; i < n; i++) {
        const [kind, f] = PATTERN[step[t]! % PATTERN.length]!;
        const func = 1 + ((Math.floor(step[t]! / PATTERN.length) * 4 + f) % FUNCS);
        step[t]!++;
        time[t]! += 50 + ((i * 7919) % 400);
        const abs = T0 + BigInt(time[t]!);
        w[4 + i * 4] = Number(abs & 0xffffffffn);
        w[5 + i * 4] = Number(abs >> 32n);
        w[6 + i * 4] = (func << 4) | kind;
        w[7 + i * 4] = 0;
      }
      parts.push(rec);
    }
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The same events as one EVENTS_PACKED record: u32 thread, u32 count, u64 base, varints. */
function packedRecord(t: number, n: number, step: number[], time: number[]): Uint8Array {
  const body = new Uint8Array(24 + n * 10 + 8);
  const dv = new DataView(body.buffer);
  body[0] = 3;
  dv.setUint32(8, t, true);
  dv.setUint32(12, n, true);
  let p = 24;
  const put = (v: number) => {
    while (v >= 0x80) {
      body[p++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    body[p++] = v;
  };
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const [kind, f] = PATTERN[step[t]! % PATTERN.length]!;
    const func = 1 + ((Math.floor(step[t]! / PATTERN.length) * 4 + f) % FUNCS);
    step[t]!++;
    time[t]! += 50 + ((i * 7919) % 400);
    if (prev < 0) {
      dv.setBigUint64(16, T0 + BigInt(time[t]!), true);
      prev = time[t]!;
    }
    put((func << 4) | kind);
    put(time[t]! - prev);
    prev = time[t]!;
  }
  dv.setUint32(4, p - 8, true);
  return body.slice(0, p + ((8 - (p & 7)) & 7));
}

function time<T>(label: string, fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  const ms = performance.now() - t0;
  process.stdout.write(`${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms\n`);
  return [r, ms];
}

async function timeAsync<T>(label: string, fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  const ms = performance.now() - t0;
  process.stdout.write(`${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms\n`);
  return [r, ms];
}

const rate = (n: number, ms: number) => `${((n / ms) * 1000 / 1e6).toFixed(1)} M/s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-bench-'));
  try {
    const [bytes] = time('synthesize', synthesize);
    const streamPath = join(dir, `4242-${T0}-0000.wstream`);
    writeFileSync(streamPath, bytes);
    const fileBytes = new Uint8Array(readFileSync(streamPath));
    process.stdout.write(`stream: ${(bytes.length / 1e6).toFixed(0)} MB\n`);

    decodeStream(fileBytes, { originNs: T0 }); // warm up
    const [ds, decMs] = time('decodeStream', () => decodeStream(fileBytes, { originNs: T0 }));
    process.stdout.write(`  ${ds.eventCount} events, ${rate(ds.eventCount, decMs)}\n`);

    const [trace, loadMs] = await timeAsync('loadSession (read+decode+build)', () => loadSession(dir));
    const slices = trace.threads.reduce((s, t) => s + t.slices.count, 0);
    process.stdout.write(`  ${slices} slices, ${rate(ds.eventCount, loadMs)} events\n`);

    const weft = join(dir, 'bench.weft');
    time('writeWeftFile', () => writeWeftFile(trace, weft));
    const size = statSync(weft).size;
    process.stdout.write(`  ${(size / 1e6).toFixed(0)} MB, ${(size / slices).toFixed(2)} bytes/slice\n`);
    const [, readMs] = time('readWeftFile', () => readWeftFile(weft));
    process.stdout.write(`  ${rate(slices, readMs)} slices\n`);

    const raw = readFileSync(weft);
    const [gz] = time('gzip -1 of the .weft file', () => gzipSync(raw, { level: 1 }));
    process.stdout.write(`  ${(gz.length / slices).toFixed(2)} bytes/slice compressed\n`);
    time('gunzip of it', () => gunzipSync(gz));

    const json = join(dir, 'bench.json');
    await timeAsync('writeChromeJson', () => writeChromeJson(trace, json, { gzip: false }));
    process.stdout.write(`  ${(statSync(json).size / 1e6).toFixed(0)} MB\n`);
  } finally {
    if (process.env.KEEP) process.stdout.write(`kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();

// EVENTS_PACKED, the C agent's event records (docs/stream-format.md): varint ops and time deltas.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSession } from '../../src/model/build.js';
import type { Trace } from '../../src/model/trace.js';
import { decodeStream, type DecodedStream } from '../../src/stream/decode.js';
import { Op, type Pair, StreamWriter, op } from '../fixtures/stream-writer.js';
import { FIXTURE_T0, session } from './helpers/stream-fixtures.js';

function fixture(name: string): Uint8Array {
  const dir = session(name);
  const file = readdirSync(dir).find((f) => f.endsWith('.wstream'))!;
  return new Uint8Array(readFileSync(join(dir, file)));
}

const BIG = 2 ** 33;

/** A deterministic pseudo-random sequence (xorshift32). */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** Plausible events: nested calls, func ids small and large, deltas from 0 to past 2^32. */
function randomEvents(n: number, seed: number, t0: bigint): Pair[] {
  const r = rng(seed);
  const out: Pair[] = [];
  let t = t0;
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    t += BigInt(x < 0.01 ? Math.floor(r() * 2 ** 40) : x < 0.3 ? Math.floor(r() * 20_000) : Math.floor(r() * 120));
    if (stack.length && r() < 0.45) {
      const f = stack.pop()!;
      out.push([t, op(f < 0 ? Op.C_EXIT : Op.EXIT, f < 0 ? 0 : f)]);
    } else {
      const y = r();
      const fid = y < 0.7 ? 1 + Math.floor(r() * 7) : y < 0.95 ? 8 + Math.floor(r() * 3000) : 1 + Math.floor(r() * 2 ** 27);
      const c = r() < 0.3;
      stack.push(c ? -fid : fid);
      out.push([t, op(c ? Op.C_ENTER : Op.ENTER, fid)]);
    }
  }
  return out;
}

function columns(ds: DecodedStream) {
  return ds.threads.map((t) => ({ serial: t.serial, count: t.count, time: [...t.time], kind: [...t.kind], arg: [...t.arg] }));
}

function sliceRows(trace: Trace, thread: number): string[] {
  const s = trace.threads[thread]!.slices;
  const out: string[] = [];
  for (let i = 0; i < s.count; i++) {
    out.push(`${trace.strings[trace.funcs.name[s.func[i]!]!]} ${s.start[i]} ${s.dur[i]} ${s.depth[i]} ${s.flags[i]}`);
  }
  return out;
}

describe('EVENTS_PACKED', () => {
  it('decodes the fixture: several records per thread, wide varints, EXT, reserved kinds, a cut end', () => {
    const ds = decodeStream(fixture('packed'), { originNs: FIXTURE_T0 });
    assert.deepEqual(ds.threads.map((t) => t.serial), [0, 1]);
    const [main, worker] = ds.threads;
    assert.deepEqual([...main!.time], [100, 150, 160, 170, 180, 300, 400, 600, 700]);
    assert.deepEqual([...main!.kind], [Op.ENTER, Op.ENTER, Op.C_ENTER, Op.C_EXIT, Op.ENTER, Op.EXIT, Op.INSTANT, Op.EXIT, Op.EXIT]);
    assert.deepEqual([...main!.arg], [1, 2, 4, 0, 3, 3, 2, 2, 1]);
    assert.deepEqual([...worker!.time], [120, 130, 140, 145, 146, 500, 600 + BIG, 700 + BIG]);
    assert.deepEqual([...worker!.arg], [3, 200, 200, 0x1234_5678, 0x1234_5678, 3, 1, 1]);
    assert.equal(ds.extEvents, 1);
    assert.equal(ds.unknownEvents, 1);
    assert.equal(ds.eventCount, 17);
    // the last event of the cut record lost its delta: its op byte is what could not be read
    assert.equal(ds.truncatedBytes, 1);
    assert.equal(ds.packedRecords, 0);
  });

  it('defaults the origin to the earliest base time', () => {
    const ds = decodeStream(fixture('packed'));
    assert.equal(ds.originNs, FIXTURE_T0 + 100n);
    assert.equal(ds.threads[0]!.time[0], 0);
  });

  it('builds the same slices as the equivalent EVENTS records', async () => {
    const t = await loadSession(session('packed'));
    assert.deepEqual(sliceRows(t, 0), [
      '<module> 100 600 0 0',
      'main 150 450 1 0',
      'time.sleep 160 10 2 0',
      'work 180 120 2 0',
    ]);
    assert.equal(t.processes[0]!.truncatedBytes, 1);
    // (func ids from 2^24 on are not looked up by the builder: the third name is not checked)
    const names = sliceRows(t, 1).map((r) => r.split(' ')[0]);
    assert.deepEqual([names[0], names[1], names[3]], ['work', 'wide', '<module>']);
    assert.equal(sliceRows(t, 1)[3], `<module> ${600 + BIG} 100 0 0`);
  });

  it('decodes exactly what the same events decode to as EVENTS records', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const events = randomEvents(5000, seed, FIXTURE_T0 + BigInt(seed) * 1_000_000n);
      const plain = new StreamWriter();
      const packed = new StreamWriter();
      for (let i = 0; i < events.length; i += 700) {
        plain.events(seed % 3, events.slice(i, i + 700));
        packed.packed(seed % 3, events.slice(i, i + 700));
      }
      const a = decodeStream(plain.bytes());
      const b = decodeStream(packed.bytes());
      assert.equal(b.originNs, a.originNs);
      assert.deepEqual(columns(b), columns(a), `seed ${seed}`);
      assert.ok(packed.bytes().length < plain.bytes().length / 3, 'much smaller than EVENTS');
    }
  });

  it('reads a stream cut at any byte: a prefix of the events, never an error', () => {
    const events = randomEvents(60, 7, FIXTURE_T0);
    const whole = new StreamWriter().meta({ k: 'process', pid: 1 }).packed(0, events.slice(0, 30)).packed(0, events.slice(30)).bytes();
    const full = decodeStream(whole);
    assert.equal(full.eventCount, 60);
    let previous = -1;
    for (let n = 0; n <= whole.length; n++) {
      const ds = decodeStream(whole.subarray(0, n), { originNs: full.originNs });
      const got = ds.threads[0]?.count ?? 0;
      assert.ok(got >= previous, `cut at ${n}: ${got} events after ${previous}`);
      previous = got;
      const th = ds.threads[0];
      if (th) {
        assert.deepEqual([...th.time], [...full.threads[0]!.time.subarray(0, got)]);
        assert.deepEqual([...th.arg], [...full.threads[0]!.arg.subarray(0, got)]);
      }
      assert.ok(ds.truncatedBytes >= 0 && ds.truncatedBytes <= n);
      if (n === whole.length) assert.equal(ds.truncatedBytes, 0);
    }
    assert.equal(previous, 60);
  });

  it('keeps to the event count of the header', () => {
    const events = randomEvents(10, 9, 1_000n);
    const fewer = decodeStream(new StreamWriter().packed(0, events, { count: 4 }).bytes());
    assert.equal(fewer.threads[0]!.count, 4);
    // more announced than present in a whole record: what is there, nothing beyond
    const more = decodeStream(new StreamWriter().packed(0, events, { count: 1000 }).packed(0, events.slice(0, 1)).bytes());
    assert.equal(more.threads[0]!.count, 11);
    const empty = decodeStream(new StreamWriter().packed(0, [], { base: 5n }).bytes());
    assert.equal(empty.eventCount, 0);
  });

  it('skips a record too short for its header, and stops at one cut inside its header', () => {
    const short = new StreamWriter().record(3, new Uint8Array(12)).packed(1, [[10n, op(Op.ENTER, 1)]]).bytes();
    const ds = decodeStream(short);
    assert.equal(ds.packedRecords, 1);
    assert.equal(ds.threads[0]!.count, 1);
    const whole = new StreamWriter().packed(1, [[10n, op(Op.ENTER, 1)]]).bytes();
    const cut = decodeStream(whole.subarray(0, 16 + 8 + 10));
    assert.equal(cut.eventCount, 0);
    assert.equal(cut.truncatedBytes, 18);
  });

  it('mixes with EVENTS records of the same thread in file order', () => {
    const bytes = new StreamWriter()
      .packed(0, [[10n, op(Op.ENTER, 1)]])
      .events(0, [[20n, op(Op.ENTER, 2)], [30n, op(Op.EXIT, 2)]])
      .packed(0, [[40n, op(Op.EXIT, 1)]])
      .bytes();
    const ds = decodeStream(bytes, { originNs: 0n });
    assert.deepEqual([...ds.threads[0]!.time], [10, 20, 30, 40]);
  });
});

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeStream } from '../../src/stream/decode.js';
import { metaNs, parseMetaJson } from '../../src/stream/meta-json.js';
import { UserError } from '../../src/util/errors.js';
import { Op, StreamWriter, op } from '../fixtures/stream-writer.js';
import { FIXTURE_T0, session } from './helpers/stream-fixtures.js';

/** The one stream file of a fixture session. */
function fixture(name: string): Uint8Array {
  const dir = session(name);
  const file = readdirSync(dir).find((f) => f.endsWith('.wstream'))!;
  return new Uint8Array(readFileSync(join(dir, file)));
}

describe('decodeStream', () => {
  it('keeps each thread in columns, times relative to the given origin', () => {
    const ds = decodeStream(fixture('two-threads'), { originNs: FIXTURE_T0 });
    assert.equal(ds.version, 1);
    assert.deepEqual(ds.metas.map((m) => m.k), ['process', 'thread', 'funcs', 'thread', 'thread', 'end']);
    assert.deepEqual(ds.threads.map((t) => t.serial), [0, 1]);
    const [main, worker] = ds.threads;
    assert.deepEqual([...main!.time], [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000]);
    assert.deepEqual([...main!.kind], [Op.ENTER, Op.ENTER, Op.ENTER, Op.C_ENTER, Op.C_EXIT, Op.EXIT, Op.EXIT, Op.EXIT]);
    assert.deepEqual([...main!.arg], [1, 2, 3, 4, 4, 3, 2, 1]);
    assert.deepEqual([...worker!.time], [2500, 2600, 3600, 4000]);
    assert.deepEqual([...worker!.kind], [Op.ENTER, Op.ENTER, Op.UNWIND, Op.EXIT]);
    assert.equal(ds.eventCount, 12);
    assert.equal(ds.truncatedBytes, 0);
  });

  it('defaults the origin to the earliest event', () => {
    const ds = decodeStream(fixture('two-threads'));
    assert.equal(ds.originNs, FIXTURE_T0 + 1000n);
    assert.equal(ds.threads[0]!.time[0], 0);
    assert.equal(ds.threads[1]!.time[0], 1500);
  });

  it('computes times beyond 2^53 exactly, across the 32-bit word boundary', () => {
    const origin = 0x0012_3456_ffff_fff0n;
    const bytes = new StreamWriter()
      .events(3, [
        [origin + 0x20n, op(Op.ENTER, 1)],
        [origin + (1n << 40n) + 7n, op(Op.EXIT, 1)],
        [origin - 5n, op(Op.INSTANT, 2)],
      ])
      .bytes();
    const ds = decodeStream(bytes, { originNs: origin });
    assert.deepEqual([...ds.threads[0]!.time], [0x20, 2 ** 40 + 7, -5]);
    assert.equal(ds.threads[0]!.serial, 3);
  });

  it('reads func ids above 2^28 from both words of the op', () => {
    const bytes = new StreamWriter().events(0, [[10n, op(Op.ENTER, 0x7654321)], [11n, op(Op.EXIT, 0x1234_5678)]]).bytes();
    assert.deepEqual([...decodeStream(bytes).threads[0]!.arg], [0x7654321, 0x1234_5678]);
  });

  it('decodes the whole events of a record cut short and counts the rest', () => {
    const ds = decodeStream(fixture('truncated'), { originNs: FIXTURE_T0 });
    assert.deepEqual([...ds.threads[0]!.time], [100, 200, 300]);
    assert.equal(ds.truncatedBytes, 8);
    assert.equal(ds.metas.length, 3);
  });

  it('skips a META record cut short, and a record header cut short', () => {
    const whole = new StreamWriter().meta({ k: 'process', pid: 1 }).meta({ k: 'thread', tid: 0, name: 'x'.repeat(40) }).bytes();
    const cut = whole.subarray(0, whole.length - 20);
    const ds = decodeStream(cut);
    assert.deepEqual(ds.metas.map((m) => m.k), ['process']);
    const secondStart = 16 + 8 + 24; // header + process record ({"k":"process","pid":1} padded)
    assert.equal(ds.truncatedBytes, cut.length - secondStart);

    const headerCut = new Uint8Array(whole.length + 3);
    headerCut.set(whole);
    headerCut[whole.length] = 2;
    const ds2 = decodeStream(headerCut);
    assert.equal(ds2.metas.length, 2);
    assert.equal(ds2.truncatedBytes, 3);
  });

  it('rejects a file that is not a weft stream, and a newer version', () => {
    assert.throws(
      () => decodeStream(new TextEncoder().encode('{"traceEvents":[]}'), { name: 'x.wstream' }),
      (e: unknown) => e instanceof UserError && e.message === 'x.wstream is not a weft stream',
    );
    assert.throws(() => decodeStream(new StreamWriter({ version: 2 }).bytes(), { name: 'y' }), /y is a weft stream of version 2/);
  });

  it('reads an empty or header-cut file as an empty stream', () => {
    assert.equal(decodeStream(new Uint8Array(0)).eventCount, 0);
    const ds = decodeStream(new TextEncoder().encode('WEFTST'));
    assert.equal(ds.truncatedBytes, 6);
    assert.deepEqual(ds.threads, []);
  });

  it('skips unknown record types by their length, and EVENTS_PACKED records too short to read', () => {
    const ds = decodeStream(fixture('unknown-record'), { originNs: FIXTURE_T0 });
    assert.equal(ds.unknownRecords, 2);
    assert.equal(ds.packedRecords, 1);
    assert.deepEqual([...ds.threads[0]!.time], [100, 300]);
    assert.deepEqual(ds.metas.map((m) => m.k), ['process', 'thread', 'funcs', 'end']);
  });

  it('skips EXT events with their words and events of reserved kinds', () => {
    const ds = decodeStream(fixture('ext'), { originNs: FIXTURE_T0 });
    assert.equal(ds.extEvents, 3);
    assert.equal(ds.unknownEvents, 1);
    assert.deepEqual([...ds.threads[0]!.kind], [Op.ENTER, Op.INSTANT, Op.EXIT]);
    assert.deepEqual([...ds.threads[0]!.time], [100, 300, 400]);
  });

  it('stops a record at an EXT event whose words run past it', () => {
    const bytes = new StreamWriter().events(0, [[1n, op(Op.ENTER, 1)], [2n, op(Op.EXT, 9)], [3n, 0n]]).bytes();
    const ds = decodeStream(bytes);
    assert.equal(ds.threads[0]!.count, 1);
    assert.equal(ds.extEvents, 0);
  });

  it('gives the same result for input that is not word aligned', () => {
    const bytes = fixture('two-threads');
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const a = decodeStream(bytes, { originNs: FIXTURE_T0 });
    const b = decodeStream(shifted, { originNs: FIXTURE_T0 });
    assert.deepEqual(b.threads, a.threads);
    assert.deepEqual(b.metas, a.metas);
  });

  it('counts META records that are not JSON objects with a kind', () => {
    const bytes = new StreamWriter()
      .record(1, new TextEncoder().encode('{"k":'))
      .record(1, new TextEncoder().encode('[1,2]'))
      .record(1, new Uint8Array([0xff, 0xfe]))
      .meta({ k: 'ok' })
      .bytes();
    const ds = decodeStream(bytes);
    assert.equal(ds.badMetas, 3);
    assert.deepEqual(ds.metas, [{ k: 'ok' }]);
  });
});

describe('META JSON', () => {
  it('keeps integers of 16+ digits exact, outside strings only', () => {
    const v = parseMetaJson('{"t":12345678901234567,"n":-98765432109876543,"s":"12345678901234567","f":1.5e3,"small":42,"esc":"a\\"12345678901234567"}') as Record<string, unknown>;
    assert.equal(v.t, '12345678901234567');
    assert.equal(v.n, '-98765432109876543');
    assert.equal(v.s, '12345678901234567');
    assert.equal(v.f, 1500);
    assert.equal(v.small, 42);
    assert.equal(v.esc, 'a"12345678901234567');
    assert.equal(metaNs(v.t), 12345678901234567n);
    assert.equal(metaNs(42), 42n);
    assert.equal(metaNs(1.5), null);
  });
});

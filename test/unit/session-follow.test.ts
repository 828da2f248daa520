// Reading a session while its streams grow (what `weft run` does during the run) must give the
// same trace as reading the finished files: here every fixture stream is written out again in
// pieces of awkward sizes, records cut anywhere, with a poll after every piece.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { loadSession } from '../../src/model/build.js';
import { SessionReader } from '../../src/model/session-reader.js';
import type { Trace } from '../../src/model/trace.js';
import { scratchDir, session } from './helpers/stream-fixtures.js';

const SESSIONS = ['two-threads', 'packed', 'multiproc', 'truncated', 'unfinished', 'unmatched', 'ext', 'unknown-record'];
const PIECES = [1, 7, 3, 64, 13, 200, 8, 1000, 5];

/** Everything of a trace but the recording date (the copies are newer files). */
function comparable(trace: Trace): unknown {
  const plain = (v: unknown): unknown =>
    ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : Array.isArray(v) ? v.map(plain) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;
  const { recordedAt: _, ...meta } = trace.meta;
  return plain({ ...trace, meta });
}

function followInPieces(from: string, to: string, pollEvery: (reader: SessionReader) => void): Trace {
  const reader = new SessionReader(to);
  const streams = readdirSync(from).filter((n) => n.endsWith('.wstream')).sort();
  const data = new Map(streams.map((n) => [n, readFileSync(join(from, n))]));
  const written = new Map(streams.map((n) => [n, 0]));
  let piece = 0;
  // Round robin over the processes; a process's segments one after the other, as the agent
  // writes them.
  for (;;) {
    let progressed = false;
    const seen = new Set<string>();
    for (const name of streams) {
      const proc = name.replace(/-\d+\.wstream$/, '');
      if (seen.has(proc)) continue;
      const at = written.get(name)!;
      const bytes = data.get(name)!;
      if (at >= bytes.length) continue;
      seen.add(proc);
      const n = Math.min(bytes.length - at, PIECES[piece++ % PIECES.length]!);
      if (at === 0) writeFileSync(join(to, name), bytes.subarray(0, n));
      else appendFileSync(join(to, name), bytes.subarray(at, at + n));
      written.set(name, at + n);
      progressed = true;
      pollEvery(reader);
    }
    if (!progressed) break;
  }
  for (const name of readdirSync(from).filter((n) => n.endsWith('.fault'))) copyFileSync(join(from, name), join(to, name));
  return reader.finish();
}

describe('SessionReader while the streams grow', () => {
  for (const name of SESSIONS) {
    it(`${name}: the same trace as reading the finished streams`, async () => {
      const whole = await loadSession(session(name));
      const followed = followInPieces(session(name), scratchDir(), (r) => r.poll(false));
      assert.deepEqual(comparable(followed), comparable(whole));
    });
  }

  it('a poll with a budget reads no more than that, and the next one goes on', async () => {
    const whole = await loadSession(session('packed'));
    const followed = followInPieces(session('packed'), scratchDir(), (r) => {
      while (r.poll(false, 16));
    });
    assert.deepEqual(comparable(followed), comparable(whole));
  });
});

describe('SessionReader with many processes', () => {
  it('reads more streams than the process may hold files open', () => {
    // 600 processes under a limit of 128 open files: streams are opened only to be read
    const dir = scratchDir();
    const [name] = readdirSync(session('packed')).filter((n) => n.endsWith('.wstream'));
    const bytes = readFileSync(join(session('packed'), name!));
    const start = name!.split('-')[1];
    for (let pid = 1000; pid < 1600; pid++) writeFileSync(join(dir, `${pid}-${start}-0000.wstream`), bytes);
    const reader = pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'model', 'session-reader.js')).href;
    const script = `const { SessionReader } = await import(${JSON.stringify(reader)});
      const r = new SessionReader(${JSON.stringify(dir)});
      r.poll(false);
      console.log(r.finish().processes.length);`;
    const run = spawnSync('sh', ['-c', `ulimit -n 128 && exec "${process.execPath}" --input-type=module -e "$0"`, script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), '600');
  });
});

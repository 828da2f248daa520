import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSession, readTrace } from '../../src/model/build.js';
import { FuncKind, SliceFlag, type Trace } from '../../src/model/trace.js';
import { UserError } from '../../src/util/errors.js';
import { FIXTURE_T0, scratchDir, session } from './helpers/stream-fixtures.js';

interface Row {
  name: string;
  start: number;
  dur: number;
  depth: number;
  flags: number;
}

function rows(trace: Trace, thread: number): Row[] {
  const s = trace.threads[thread]!.slices;
  const out: Row[] = [];
  for (let i = 0; i < s.count; i++) {
    out.push({
      name: trace.strings[trace.funcs.name[s.func[i]!]!]!,
      start: s.start[i]!,
      dur: s.dur[i]!,
      depth: s.depth[i]!,
      flags: s.flags[i]!,
    });
  }
  return out;
}

const row = (name: string, start: number, dur: number, depth: number, flags = 0): Row => ({ name, start, dur, depth, flags });

function userError(message: string | RegExp) {
  return (e: unknown) =>
    e instanceof UserError && (typeof message === 'string' ? e.message === message : message.test(e.message));
}

describe('loadSession', () => {
  it('builds slices by stack matching, in pre-order, per thread', async () => {
    const t = await loadSession(session('two-threads'));
    assert.equal(t.originNs, FIXTURE_T0.toString());
    assert.deepEqual(rows(t, 0), [
      row('<module>', 1000, 7000, 0),
      row('main', 2000, 5000, 1),
      row('work', 3000, 3000, 2),
      row('time.sleep', 4000, 1000, 3),
    ]);
    assert.deepEqual(rows(t, 1), [row('Worker.run', 2500, 1500, 0), row('work', 2600, 1000, 1, SliceFlag.Unwound)]);
    const [main, worker] = t.threads;
    assert.deepEqual(
      [main!.name, main!.isMain, main!.native, main!.startNs, main!.endNs, main!.unmatchedExits],
      ['MainThread', true, 100, 1000, 8000, 0],
    );
    // The thread record sent again after a rename: the latest name wins.
    assert.deepEqual([worker!.name, worker!.isMain, worker!.native, worker!.serial], ['worker', false, 101, 1]);
    assert.equal(worker!.ident, 140_000_000_000_001);
    const p = t.processes[0]!;
    assert.deepEqual(
      [p.pid, p.ppid, p.parent, p.name, p.python, p.startNs, p.endNs, p.threads],
      [100, 1, -1, 'app.py -v', '3.11.7', 0, 9000, [0, 1]],
    );
    assert.deepEqual(p.end, { how: 'exit', code: 0, signal: null, text: 'exited normally' });
    assert.deepEqual(t.meta.command, ['python3', '-u', '/app/app.py', '-v']);
    assert.deepEqual(t.meta.warnings, []);
    const sleep = t.threads[0]!.slices.func[3]!;
    assert.equal(t.funcs.kind[sleep], FuncKind.C);
    assert.equal(t.strings[t.funcs.file[sleep]!], '');
    const work = t.threads[0]!.slices.func[2]!;
    assert.equal(t.threads[1]!.slices.func[1], work);
    assert.equal(t.funcs.line[work], 20);
  });

  it('counts exits with no open frame and closes frames whose exit was lost', async () => {
    const t = await loadSession(session('unmatched'));
    assert.deepEqual(rows(t, 0), [row('main', 200, 700, 0), row('work', 400, 500, 1), row('time.sleep', 500, 100, 2)]);
    assert.equal(t.threads[0]!.unmatchedExits, 4);
  });

  it('ends slices left open at the last event, flagged Unfinished', async () => {
    const t = await loadSession(session('unfinished'));
    const U = SliceFlag.Unfinished;
    assert.deepEqual(rows(t, 0), [
      row('<module>', 100, 600, 0, U),
      row('main', 200, 500, 1, U),
      row('work', 300, 100, 2),
      row('work', 700, 0, 2, U),
    ]);
    assert.deepEqual(t.processes[0]!.end, { how: 'unknown', code: null, signal: null, text: 'ended without a trace (killed?)' });
    assert.equal(t.processes[0]!.endNs, 700);
  });

  it('keeps what a cut stream holds and says how much was lost', async () => {
    const t = await loadSession(session('truncated'));
    const U = SliceFlag.Unfinished;
    assert.deepEqual(rows(t, 0), [row('<module>', 100, 200, 0, U), row('main', 200, 100, 1)]);
    assert.equal(t.processes[0]!.truncatedBytes, 8);
    assert.deepEqual(t.meta.warnings, ['process 110 (cut.py): stream cut short, the last 8 B could not be read']);
  });

  it('warns about skipped packed records but reads the rest', async () => {
    const t = await loadSession(session('unknown-record'));
    assert.deepEqual(rows(t, 0), [row('main', 100, 200, 0)]);
    assert.equal(t.processes[0]!.name, '-m pkg.tool serve');
    assert.equal(t.processes[0]!.end.text, 'exited with status 3');
    assert.match(t.meta.warnings[0]!, /1 malformed packed event records skipped/);
  });

  it('ignores EXT events and instants when building slices', async () => {
    const t = await loadSession(session('ext'));
    assert.deepEqual(rows(t, 0), [row('main', 100, 300, 0)]);
  });

  describe('a process tree', async () => {
    const t = await loadSession(session('multiproc'));
    const byPid = (pid: number) => t.processes.find((p) => p.pid === pid)!;

    it('orders processes by start and names them', () => {
      assert.deepEqual(
        t.processes.map((p) => [p.pid, p.name, p.startNs]),
        [
          [200, 'main.py --jobs 2', 0],
          [204, 'resource_tracker', 5000],
          [201, 'ForkPoolWorker-1', 10_000],
          [202, 'SpawnProcess-1', 20_000],
          [203, '-m crashy --now', 40_000],
        ],
      );
      assert.deepEqual(t.processes.map((p) => p.index), [0, 1, 2, 3, 4]);
    });

    it('links children to their parent', () => {
      assert.deepEqual(t.processes.map((p) => p.parent), [-1, 0, 0, 0, 0]);
      assert.equal(byPid(201).forkOf, 200);
      assert.equal(byPid(202).forkOf, null);
    });

    it('tells how each process ended', () => {
      assert.deepEqual(byPid(200).end, { how: 'exit', code: 0, signal: null, text: 'exited normally' });
      assert.deepEqual(byPid(201).end, { how: 'os._exit', code: 0, signal: null, text: 'os._exit(0)' });
      assert.deepEqual(byPid(202).end, { how: 'signal', code: 15, signal: 15, text: 'killed by SIGTERM' });
      const crash = byPid(203).end;
      assert.deepEqual([crash.how, crash.signal, crash.text], ['crash', 11, 'crashed: Segmentation fault (SIGSEGV)']);
      assert.match(crash.fault!, /line 4 in crash/);
      assert.equal(byPid(204).end.how, 'unknown');
    });

    it('reads ring segments in order, continuing the stack across them', () => {
      const p = byPid(202);
      assert.equal(p.droppedEvents, 4000);
      assert.deepEqual(p.threads.map((i) => t.threads[i]!.name), ['MainThread', 'QueueFeederThread']);
      assert.deepEqual(rows(t, p.threads[0]!), [row('work', 31_000, 2000, 0), row('time.sleep', 31_500, 1000, 1)]);
      assert.deepEqual(rows(t, p.threads[1]!), [row('work', 32_000, 100, 0)]);
      assert.equal(t.threads[p.threads[0]!]!.unmatchedExits, 2);
      assert.deepEqual(t.meta.warnings, [
        'process 202 (SpawnProcess-1): 4,000 events dropped by the agent (ring buffer: only the most recent events were kept)',
      ]);
    });

    it('counts the exits of frames a forked child inherited', () => {
      const th = t.threads[byPid(201).threads[0]!]!;
      assert.deepEqual(rows(t, th.index), [row('work', 11_000, 1500, 0)]);
      assert.equal(th.unmatchedExits, 2);
    });

    it('shares one FuncTable row between processes for the same function', () => {
      const work = (pid: number) => t.threads[byPid(pid).threads[0]!]!.slices.func[0]!;
      assert.equal(work(201), work(202));
      const names = Array.from(t.funcs.name, (id) => t.strings[id]);
      assert.equal(names.filter((n) => n === 'work').length, 1);
      assert.equal(names.filter((n) => n === 'main').length, 2); // app.py and resource_tracker.py
      assert.equal(names[0], '<unknown>');
      assert.equal(new Set(t.strings).size, t.strings.length);
    });

    it('ends a crashed process at its last event', () => {
      const p = byPid(203);
      const U = SliceFlag.Unfinished;
      assert.deepEqual(rows(t, p.threads[0]!), [row('crash "now" <\\>', 41_000, 1000, 0, U), row('ctypes.string_at', 42_000, 0, 1, U)]);
      assert.equal(p.endNs, 42_000);
    });
  });

  it('leaves out slices shorter than the minimum duration and says so', async () => {
    const t = await loadSession(session('two-threads'), { minDurationNs: 1500 });
    assert.deepEqual(rows(t, 0), [row('<module>', 1000, 7000, 0), row('main', 2000, 5000, 1), row('work', 3000, 3000, 2)]);
    assert.deepEqual(rows(t, 1), [row('Worker.run', 2500, 1500, 0)]);
    assert.deepEqual(t.meta.warnings, ['2 calls shorter than 1.50 us left out']);
  });

  it('reports progress in events', async () => {
    const calls: [string, number, number][] = [];
    await loadSession(session('two-threads'), { onProgress: (l, d, n) => calls.push([l, d, n]) });
    assert.ok(calls.length >= 1);
    const last = calls.at(-1)!;
    assert.equal(last[0], 'reading trace');
    assert.equal(last[1], last[2]);
  });

  it('moves the origin back when an event precedes every start', async () => {
    const { StreamWriter, op, Op } = await import('../fixtures/stream-writer.js');
    const dir = scratchDir();
    const start = FIXTURE_T0;
    const bytes = new StreamWriter()
      .meta({ k: 'process', pid: 7, ppid: 1, argv: ['python3', 'x.py'], start_ns: start })
      .events(0, [[start - 50n, op(Op.ENTER, 1)], [start + 50n, op(Op.EXIT, 1)]])
      .bytes();
    writeFileSync(join(dir, `7-${start}-0000.wstream`), bytes);
    const t = await loadSession(dir);
    assert.equal(t.originNs, (start - 50n).toString());
    assert.deepEqual(rows(t, 0), [row('<unknown>', 0, 100, 0)]);
    assert.equal(t.processes[0]!.startNs, 50);
    assert.equal(t.threads[0]!.name, 'MainThread');
  });
});

describe('readTrace', () => {
  it('opens a session folder and a single stream file', async () => {
    const t = await readTrace(session('multiproc'));
    assert.equal(t.processes.length, 5);
    const one = await readTrace(join(session('multiproc'), `201-${FIXTURE_T0 + 10_000n}-0000.wstream`));
    assert.deepEqual(one.processes.map((p) => p.pid), [201]);
  });

  it('says in one line what is wrong with what it was given', async () => {
    const dir = scratchDir();
    const json = join(dir, 'trace.json');
    writeFileSync(json, '{"traceEvents":[]}');
    const other = join(dir, 'notes.txt');
    writeFileSync(other, 'hello');
    const empty = join(dir, 'empty.weft');
    writeFileSync(empty, '');
    await assert.rejects(readTrace(join(dir, 'missing.weft')), userError(`${join(dir, 'missing.weft')}: no such file or directory`));
    await assert.rejects(readTrace(session('not-a-session')), userError(`${session('not-a-session')} is not a weft session (it holds no .wstream files)`));
    await assert.rejects(readTrace(session('bad-magic')), userError(/bad-magic\/1-\d+-0000\.wstream is not a weft stream$/));
    // Chrome JSON is read (see chrome-read tests); an empty one says so
    await assert.rejects(readTrace(json), userError(/trace\.json holds no trace events$/));
    await assert.rejects(readTrace(other), userError(`${other} is not a weft trace (expected a .weft file, a session folder or Chrome trace JSON)`));
    await assert.rejects(readTrace(empty), userError(`${empty} is empty, not a weft trace`));
    const stub = join(dir, 'stub.weft');
    writeFileSync(stub, 'WEFT');
    await assert.rejects(readTrace(stub), userError(`${stub} is corrupt: the file is truncated`));
  });
});

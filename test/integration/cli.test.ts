// The command line as a user meets it: pass-through of the program's world, the ways to name
// a program, output formats, filters, and one clear line for every mistake.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { readTrace } from '../../src/model/build.js';
import { defaultPython, testPythons } from '../helpers/pythons.js';
import { callCounts } from '../helpers/trace-query.js';
import { EXAMPLES, PROGRAMS, isOneLineError, explain, tempDir, weft } from '../helpers/weft.js';

const argvProgram = join(PROGRAMS, 'argv_io.py');

for (const py of testPythons()) {
  it(`python ${py.version}: argv, __name__, sys.path[0], stdio and exit status are the program's own`, () => {
    const dir = tempDir();
    const args = [argvProgram, '7', '--port', '1', '-v', 'a b'];
    const plain = spawnSync(py.executable, args, { input: 'hello\n', encoding: 'utf8', cwd: dir });
    const traced = weft(['run', '--python', py.executable, '-q', '-o', join(dir, 't.weft'), ...args], { input: 'hello\n', cwd: dir });
    assert.equal(plain.status, 7);
    assert.equal(traced.status, 7, traced.stderr);
    assert.deepEqual(JSON.parse(traced.stdout), JSON.parse(plain.stdout));
    assert.equal(traced.stderr, 'to stderr\n');
  });
}

describe('weft run', { concurrency: true }, () => {
  const py = defaultPython();

  it('names the trace after the script, in the current folder, and prints a summary', () => {
    const dir = tempDir();
    const r = weft(['run', '--python', py.executable, join(EXAMPLES, 'primes_threads.py')], { cwd: dir });
    assert.equal(r.status, 0, explain(r));
    assert.ok(existsSync(join(dir, 'primes_threads.weft')));
    assert.match(r.stderr, /trace written to primes_threads\.weft/);
    assert.match(r.stderr, /primes-0/);
    assert.match(r.stderr, /is_prime/);
    assert.match(r.stdout, /711 of 6000/);
  });

  it('runs -m module and -c code like python does', async () => {
    const dir = tempDir();
    const m = weft(['run', '--python', py.executable, '-o', join(dir, 'm.weft'), '-m', 'timeit', '-n', '5', 'sum(range(1000))'], { cwd: dir });
    assert.equal(m.status, 0, m.stderr);
    assert.match(m.stdout, /5 loops/);
    const c = weft(['run', '--python', py.executable, '-o', join(dir, 'c.weft'), '-c', 'import json, sys; print(json.dumps(sys.argv))', 'x', '-y'], { cwd: dir });
    assert.equal(c.status, 0, c.stderr);
    assert.deepEqual(JSON.parse(c.stdout), ['-c', 'x', '-y']);
    const counts = callCounts(await readTrace(join(dir, 'c.weft')));
    assert.equal(counts.get('dumps'), 1);
  });

  it('finds --python python3.X under pyenv even when pyenv has not activated it', () => {
    const other = testPythons().find((p) => p.version !== py.version && p.executable.includes('/.pyenv/'));
    if (!other) return;
    const r = weft(['run', '--python', `python${other.version}`, '-q', '-o', join(tempDir(), 'v.weft'), '-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
    assert.equal(r.status, 0, explain(r));
    assert.equal(r.stdout.trim(), other.version);
  });

  it('writes Chrome trace JSON, plain and gzipped', () => {
    const dir = tempDir();
    for (const name of ['t.json', 't.json.gz']) {
      const out = join(dir, name);
      const r = weft(['run', '--python', py.executable, '-o', out, join(PROGRAMS, 'threads_work.py')]);
      assert.equal(r.status, 0, explain(r));
      const raw = readFileSync(out);
      const doc = JSON.parse((name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) as { traceEvents: Record<string, unknown>[] };
      const events = doc.traceEvents;
      const threadNames = events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => (e.args as { name: string }).name);
      assert.deepEqual(threadNames.sort(), ['MainThread', 'worker-0', 'worker-1', 'worker-2']);
      assert.ok(events.some((e) => e.ph === 'M' && e.name === 'process_name'));
      const work = events.filter((e) => e.ph === 'X' && String(e.name).startsWith('work ('));
      assert.equal(work.length, 3000);
      for (const e of work) assert.ok(typeof e.ts === 'number' && typeof e.dur === 'number');
    }
  });

  it('filters: --include, --exclude, --max-depth, --min-duration', async () => {
    const dir = tempDir();
    const subject = join(PROGRAMS, 'cprofile_subject.py');
    const run = async (name: string, ...opts: string[]) => {
      const out = join(dir, `${name}.weft`);
      const r = weft(['run', '--python', py.executable, ...opts, '-o', out, subject]);
      assert.equal(r.status, 0, explain(r));
      return readTrace(out);
    };
    const included = await run('inc', '--include', 'programs/*');
    for (let f = 1; f < included.funcs.count; f++) {
      if (included.funcs.kind[f] === 1) assert.match(included.strings[included.funcs.file[f]!]!, /cprofile_subject\.py$/);
    }
    assert.equal(callCounts(included).get('fib'), 465);
    const excluded = await run('exc', '--exclude', '*/cprofile_subject.py');
    assert.equal(callCounts(excluded).get('fib'), undefined);
    const shallow = await run('depth', '--max-depth', '2');
    for (const lane of shallow.threads) for (let i = 0; i < lane.slices.count; i++) assert.ok(lane.slices.depth[i]! < 2);
    const long = await run('long', '--min-duration', '1ms');
    for (const lane of long.threads) for (let i = 0; i < lane.slices.count; i++) assert.ok(lane.slices.dur[i]! >= 1e6);
  });

  it('keeps the newest events with --ring and says how many it dropped', async () => {
    const dir = tempDir();
    const out = join(dir, 'ring.weft');
    const r = weft(['run', '--python', py.executable, '--ring', '4000', '-o', out, '-c', 'def f(): pass\nfor i in range(50000): f()']);
    assert.equal(r.status, 0, explain(r));
    assert.match(r.stderr, /dropped/);
    const trace = await readTrace(out);
    const kept = callCounts(trace).get('f') ?? 0;
    assert.ok(kept >= 2000 && kept < 10000, `kept ${kept}`);
    assert.ok(trace.processes[0]!.droppedEvents > 80000);
  });

  it('hides the import machinery unless asked', async () => {
    const dir = tempDir();
    const count = async (...opts: string[]) => {
      const out = join(dir, `imp${opts.length}.weft`);
      assert.equal(weft(['run', '--python', py.executable, ...opts, '-o', out, '-c', 'import json, csv']).status, 0);
      const t = await readTrace(out);
      return [...t.strings].filter((s) => s.startsWith('<frozen importlib')).length;
    };
    assert.equal(await count(), 0);
    assert.ok((await count('--show-imports')) > 0);
  });
});

describe('bad input gets one line and a non-zero status', { concurrency: true }, () => {
  const py = defaultPython();
  const dir = tempDir();
  mkdirSync(join(dir, 'folder'));
  writeFileSync(join(dir, 'binary.py'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
  writeFileSync(join(dir, 'notes.md'), '# not python\n');
  writeFileSync(join(dir, 'corrupt.weft'), 'WEFTFILE this is not a trace');
  writeFileSync(join(dir, 'foreign.weft'), '{"traceEvents": []}');
  const cases: [string, string[], RegExp][] = [
    ['a missing script', ['run', 'missing.py'], /cannot find the script/],
    ['a directory', ['run', 'folder'], /directory/],
    ['a binary file', ['run', 'binary.py'], /binary/],
    ['a non-Python file', ['run', 'notes.md'], /does not look like a Python script/],
    ['an unknown option', ['run', '--frobnicate', 'x.py'], /unknown option '--frobnicate'/],
    ['nothing to run', ['run'], /nothing to run/],
    ['an interpreter that does not exist', ['run', '--python', '/no/such/python', join(PROGRAMS, 'argv_io.py')], /no Python interpreter/],
    ['an unknown output format', ['run', '-o', 'x.txt', join(PROGRAMS, 'argv_io.py')], /\.weft, \.json or \.json\.gz/],
    ['a bad --max-depth', ['run', '--max-depth', 'deep', join(PROGRAMS, 'argv_io.py')], /whole number/],
    ['a bad --min-duration', ['run', '--min-duration', 'soon', join(PROGRAMS, 'argv_io.py')], /duration/],
    ['stats of a missing file', ['stats', 'missing.weft'], /missing\.weft/],
    ['stats of a corrupt trace', ['stats', 'corrupt.weft'], /corrupt|not a weft/],
    ['stats of a foreign file', ['stats', 'foreign.weft'], /not a weft|corrupt|no trace events/],
    ['an unknown command', ['frob'], /unknown command/],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => {
      const r = weft(args[0] === 'run' && !args.includes('--python') ? ['run', '--python', py.executable, ...args.slice(1)] : args, { cwd: dir });
      assert.ok(isOneLineError(r), `expected one weft line, got status ${r.status}: ${r.stderr}`);
      assert.match(r.stderr, message);
    });
  }

  it('a truncated trace', () => {
    const out = join(dir, 'whole.weft');
    assert.equal(weft(['run', '--python', py.executable, '-q', '-o', out, join(PROGRAMS, 'threads_work.py')]).status, 0);
    const bytes = readFileSync(out);
    writeFileSync(join(dir, 'cut.weft'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = weft(['stats', 'cut.weft'], { cwd: dir });
    assert.ok(isOneLineError(r), r.stderr);
  });
});

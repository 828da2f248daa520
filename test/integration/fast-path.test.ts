// The C agent (python/weft/_fast.c) records exactly what the pure-Python agent records: the same
// programs run under both on every interpreter, and every event is compared except its time:
// kinds, function names, order and nesting per thread, per-thread counts, the process tree.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readTrace } from '../../src/model/build.js';
import { ensureBuilt } from '../../src/record/fast-agent.js';
import { decodeStream } from '../../src/stream/decode.js';
import { defaultPython, testPythons } from '../helpers/pythons.js';
import { callCounts } from '../helpers/trace-query.js';
import { PROGRAMS, isOneLineError, explain, tempDir, weft } from '../helpers/weft.js';

const KIND = ['exit', 'enter', 'c-enter', 'c-exit', 'unwind', 'instant'];

/**
 * What threading.py does inside its functions depends on the other threads' timing (whether a
 * thread has started or ended yet, who waits on a condition): events nested in them are not
 * compared, except in Thread.run, which runs the thread's own work.
 */
function timingDependent(name: string, file: string): boolean {
  return /(^|\/)threading\.py$/.test(file) && name !== 'Thread.run' && name !== 'run';
}

interface ProcessEvents {
  key: string;
  agent: unknown;
  forkOf: boolean;
  parentKey: string | null;
  /** thread name -> "kind name" lines */
  threads: Map<string, string[]>;
}

/** multiprocessing's resource tracker reads its pipe as messages come: its calls depend on timing. */
const TREE_ONLY = /resource_tracker/;

/** The raw events of a session folder, per process (ordered by what they run) and thread. */
function sessionEvents(dir: string): ProcessEvents[] {
  const byProcess = new Map<string, { start: bigint; pid: number; ppid: number; files: string[] }>();
  for (const f of readdirSync(dir).sort()) {
    const m = /^(\d+)-(\d+)-(\d+)\.wstream$/.exec(f);
    if (!m) continue;
    const key = `${m[1]}-${m[2]}`;
    const entry = byProcess.get(key) ?? { start: BigInt(m[2]!), pid: Number(m[1]), ppid: 0, files: [] };
    entry.files.push(join(dir, f));
    byProcess.set(key, entry);
  }
  const ordered = [...byProcess.entries()].sort((a, b) => (a[1].start < b[1].start ? -1 : 1));
  const keyOfPid = new Map<number, string>();
  const out: ProcessEvents[] = [];
  for (const [, entry] of ordered) {
    const funcs = new Map<number, string>();
    const files = new Map<number, string>();
    const names = new Map<number, string>();
    const threads = new Map<string, string[]>();
    let agent: unknown = null;
    let forkOf = false;
    let argv: unknown = null;
    for (const file of entry.files) {
      const ds = decodeStream(readFileSync(file), { name: file });
      assert.equal(ds.truncatedBytes, 0, file);
      for (const meta of ds.metas) {
        if (meta.k === 'funcs') {
          for (const item of meta.items as unknown[][]) {
            funcs.set(item[0] as number, item[2] as string);
            files.set(item[0] as number, item[3] as string);
          }
        }
        if (meta.k === 'thread') names.set(meta.tid as number, meta.name as string);
        if (meta.k === 'process') {
          agent = meta.agent;
          forkOf = meta.fork_of !== null;
          argv = meta.argv;
          entry.ppid = meta.ppid as number;
        }
      }
      for (const th of ds.threads) {
        const name = names.get(th.serial) ?? `#${th.serial}`;
        const lines = threads.get(name) ?? [];
        let skipDepth = 0; // inside a timing-dependent function: skip what it calls
        for (let i = 0; i < th.count; i++) {
          const kind = th.kind[i]!;
          const fname = th.arg[i] ? funcs.get(th.arg[i]!) ?? `?${th.arg[i]}` : '';
          const opens = kind === 1 || kind === 2;
          const closes = kind === 0 || kind === 3 || kind === 4;
          if (skipDepth > 0) {
            if (opens) skipDepth++;
            if (closes) skipDepth--;
            if (skipDepth > 0) continue;
          }
          lines.push(`${KIND[kind]} ${fname}`);
          if (kind === 1 && timingDependent(fname, files.get(th.arg[i]!) ?? '')) skipDepth = 1;
        }
        threads.set(name, lines);
      }
    }
    const key = `${JSON.stringify(argv)}${forkOf ? ' (fork)' : ''}`;
    keyOfPid.set(entry.pid, key);
    out.push({ key, agent, forkOf, parentKey: null, threads });
    (out[out.length - 1] as ProcessEvents & { ppid?: number }).ppid = entry.ppid;
  }
  for (const p of out as (ProcessEvents & { ppid?: number })[]) {
    p.parentKey = keyOfPid.get(p.ppid!) ?? null;
    delete p.ppid;
    if (TREE_ONLY.test(p.key)) {
      // and it may start after its parent ended (then its parent is init)
      p.threads.clear();
      p.parentKey = null;
    }
  }
  // Children started at the same moment (a spawned process and the resource tracker) may start
  // in either order.
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Runs weft with --keep-session in a TMPDIR of its own; returns the session folder. */
function record(python: string, agent: 'c' | 'py', args: string[], extra: string[]): { dir: string; out: string } {
  const base = tempDir('weft-fast-');
  const tmp = join(base, 'tmp');
  mkdirSync(tmp);
  const out = join(base, `${agent}.weft`);
  const r = weft(['run', '-q', '--keep-session', '--agent', agent, '--python', python, ...extra, '-o', out, ...args], {
    env: { TMPDIR: tmp },
    timeoutMs: 180_000,
  });
  assert.equal(r.status, 0, explain(r));
  assert.doesNotMatch(r.stderr, /pure-Python agent|tracing disabled/, r.stderr);
  const sessions = readdirSync(tmp).filter((n) => n.startsWith('weft-session-'));
  assert.equal(sessions.length, 1);
  return { dir: join(tmp, sessions[0]!), out };
}

/** name -> [calls, max depth] per thread, from the built trace (nesting as the viewer sees it). */
async function sliceSummary(file: string): Promise<string[]> {
  const trace = await readTrace(file);
  const lines: string[] = [];
  for (const p of trace.processes) {
    for (const ti of p.threads) {
      const lane = trace.threads[ti]!;
      const counts = new Map<string, number>();
      let maxDepth = 0;
      let skipBelow = -1; // slices come in pre-order: skip the subtree of a timing-dependent one
      for (let i = 0; i < lane.slices.count; i++) {
        const depth = lane.slices.depth[i]!;
        if (skipBelow >= 0 && depth > skipBelow) continue;
        skipBelow = -1;
        const f = lane.slices.func[i]!;
        const name = trace.strings[trace.funcs.name[f]!]!;
        counts.set(name, (counts.get(name) ?? 0) + 1);
        maxDepth = Math.max(maxDepth, depth);
        if (timingDependent(name, trace.strings[trace.funcs.file[f]!]!)) skipBelow = depth;
      }
      if (TREE_ONLY.test(p.name)) continue;
      lines.push(`${p.name} / ${lane.name}: depth ${maxDepth}; ${[...counts].sort().map(([n, c]) => `${n}=${c}`).join(' ')}`);
    }
  }
  return lines.sort();
}

function compare(py: ProcessEvents[], c: ProcessEvents[]): void {
  assert.deepEqual(
    c.map((p) => [p.key, p.parentKey, p.forkOf]),
    py.map((p) => [p.key, p.parentKey, p.forkOf]),
    'the same process tree',
  );
  for (const p of py) assert.equal(p.agent, 'py');
  for (let i = 0; i < py.length; i++) {
    assert.equal(c[i]!.agent, 'c', `${c[i]!.key} used the C agent`);
    assert.deepEqual([...c[i]!.threads.keys()], [...py[i]!.threads.keys()], `threads of ${py[i]!.key}`);
    for (const [name, lines] of py[i]!.threads) {
      const other = c[i]!.threads.get(name)!;
      if (other.length === lines.length && other.every((l, j) => l === lines[j])) continue;
      let j = 0;
      while (j < lines.length && lines[j] === other[j]) j++;
      assert.fail(
        `${py[i]!.key} / ${name}: ${lines.length} events (py) vs ${other.length} (c); first difference at ${j}:\n` +
          `  py: ${lines.slice(Math.max(0, j - 3), j + 3).join(' | ')}\n` +
          `  c:  ${other.slice(Math.max(0, j - 3), j + 3).join(' | ')}`,
      );
    }
  }
}

const CASES: [label: string, program: string, options: string[]][] = [
  ['calls, generators, coroutines, exceptions, builtins, threads', 'fast_calls.py', []],
  ['--max-depth', 'fast_calls.py', ['--max-depth', '6']],
  ['--no-c-calls', 'fast_calls.py', ['--no-c-calls']],
  ['--include and --show-imports', 'fast_calls.py', ['--include', 'fast_calls.py', '--include', '*/json/*', '--show-imports']],
  ['--exclude', 'fast_calls.py', ['--exclude', '*/asyncio/*']],
  ['fork, subprocess and multiprocessing children', 'fast_procs.py', []],
];

for (const py of testPythons()) {
  describe(`python ${py.version}: C agent and Python agent agree`, { concurrency: true }, () => {
    const built = ensureBuilt(py.executable);
    it('builds the C agent for this interpreter', () => {
      assert.ok(built.ok, built.reason);
    });
    it('leaves sys.monitoring room for a program that profiles itself with cProfile', { skip: built.ok ? false : 'no C agent' }, async () => {
      const out = join(tempDir(), 'self.weft');
      const r = weft(['run', '-q', '--agent', 'c', '--python', py.executable, '-o', out, join(PROGRAMS, 'self_profiling.py')]);
      assert.equal(r.status, 0, explain(r));
      assert.match(r.stdout, /cProfile saw inner: True/);
      const counts = callCounts(await readTrace(out));
      // From 3.12 both run side by side. Up to 3.11 there is one profile function per thread:
      // cProfile replaces weft's while it runs, and removes it when it stops, as it would
      // replace the pure-Python agent's sys.setprofile hook.
      if (Number(py.version.split('.')[1]) >= 12) assert.equal(counts.get('inner'), 40);
      else assert.equal(counts.get('Profile.enable') ?? counts.get('enable'), 1);
    });

    if (Number(py.version.split('.')[1]) >= 12) {
      it('falls back with one line when the sys.monitoring tools it may use are taken', { skip: built.ok ? false : 'no C agent' }, () => {
        const site = tempDir('weft-site-');
        writeFileSync(join(site, 'sitecustomize.py'), 'import sys\nsys.monitoring.use_tool_id(4, "x")\nsys.monitoring.use_tool_id(3, "y")\n');
        const r = weft(['run', '-q', '--agent', 'c', '--python', py.executable, '-o', join(tempDir(), 'taken.weft'), join(PROGRAMS, 'fast_procs.py')], {
          env: { PYTHONPATH: site },
        });
        assert.equal(r.status, 0, explain(r));
        assert.match(r.stderr, /^weft: process \d+: sys\.monitoring tools 4 and 3 are taken \(by 'x', 'y'\); using the pure-Python agent$/m);
      });
    }

    for (const [label, program, options] of CASES) {
      it(label, { skip: built.ok ? false : `no C agent: ${built.reason}` }, async () => {
        const args = [join(PROGRAMS, program)];
        const a = record(py.executable, 'py', args, options);
        const b = record(py.executable, 'c', args, options);
        compare(sessionEvents(a.dir), sessionEvents(b.dir));
        assert.deepEqual(await sliceSummary(b.out), await sliceSummary(a.out));
      });
    }
  });
}

describe('without a C compiler', () => {
  const py = defaultPython();
  // An empty cache and no compiler on PATH (the interpreter is given by its path).
  const env = () => ({ WEFT_CACHE_DIR: tempDir('weft-cache-'), PATH: '/nonexistent' });

  it('says so in one line and traces with the pure-Python agent', async () => {
    const out = join(tempDir(), 'fallback.weft');
    const r = weft(['run', '-q', '--python', py.executable, '-o', out, join(PROGRAMS, 'fast_procs.py')], { env: env() });
    assert.equal(r.status, 0, explain(r));
    const notices = r.stderr.split('\n').filter((l) => l.startsWith('weft: '));
    assert.equal(notices.length, 1, r.stderr);
    assert.match(notices[0]!, /^weft: no C compiler \(gcc\) on PATH; using the pure-Python agent/);
    const trace = await readTrace(out);
    assert.ok(trace.processes.length >= 3);
  });

  it('fails with one line when the C agent is required', () => {
    const r = weft(['run', '--agent', 'c', '--python', py.executable, '-o', join(tempDir(), 'x.weft'), join(PROGRAMS, 'fast_procs.py')], { env: env() });
    assert.ok(isOneLineError(r), r.stderr);
    assert.match(r.stderr, /cannot use the C agent: no C compiler/);
  });

  it('weft check tells which agent each interpreter would use', () => {
    const r = weft(['check', '--python', py.executable], { env: env() });
    assert.equal(r.status, 0, explain(r));
    assert.match(r.stdout, /py\s+(PyEval_SetProfile|sys\.monitoring)\s+no C compiler/);
    const ok = weft(['check', '--python', py.executable, '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    const status = JSON.parse(ok.stdout.trim().split('\n')[0]!) as Record<string, unknown>;
    assert.equal(status.agent, 'c');
  });
});

describe('a child process of another interpreter', () => {
  const all = testPythons();
  const [first, last] = [all[0]!, all[all.length - 1]!];
  it('does not load the build of its parent', { skip: all.length < 2 ? 'one interpreter only' : false }, () => {
    ensureBuilt(first.executable);
    const base = tempDir('weft-other-');
    const tmp = join(base, 'tmp');
    mkdirSync(tmp);
    const code = `import subprocess; subprocess.run([${JSON.stringify(first.executable)}, "-c", "sum(range(3))"], check=True)`;
    const r = weft(['run', '-q', '--keep-session', '--python', last.executable, '-o', join(base, 'x.weft'), '-c', code], { env: { TMPDIR: tmp } });
    assert.equal(r.status, 0, r.stderr);
    const session = join(tmp, readdirSync(tmp).find((n) => n.startsWith('weft-session-'))!);
    const procs = sessionEvents(session);
    assert.equal(procs.length, 2);
    assert.deepEqual(procs.map((p) => p.agent), ['c', 'c']);
  });
});

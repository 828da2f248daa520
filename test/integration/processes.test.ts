// Every child Python process is traced, named, and placed under its parent.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readTrace } from '../../src/model/build.js';
import type { Trace } from '../../src/model/trace.js';
import { testPythons } from '../helpers/pythons.js';
import { callCounts, processCalls } from '../helpers/trace-query.js';
import { EXAMPLES, PROGRAMS, explain, tempDir, weft } from '../helpers/weft.js';

function rootProcess(trace: Trace) {
  const roots = trace.processes.filter((p) => p.parent === -1);
  assert.equal(roots.length, 1, `one root process, got ${roots.map((p) => p.name).join(', ')}`);
  return roots[0]!;
}

const WORKER_PREFIX: Record<string, string> = { fork: 'ForkPoolWorker-', spawn: 'SpawnPoolWorker-', forkserver: 'ForkServerPoolWorker-' };

for (const py of testPythons()) {
  describe(`python ${py.version}`, { concurrency: true }, () => {
    for (const method of ['fork', 'spawn', 'forkserver']) {
      it(`traces a multiprocessing Pool started by ${method}`, async () => {
        const out = join(tempDir(), `primes-${method}.weft`);
        const r = weft(['run', '--python', py.executable, '-o', out, join(EXAMPLES, 'primes_processes.py'), method]);
        assert.equal(r.status, 0, explain(r));
        assert.match(r.stdout, /711 of 6000 numbers are prime/);
        const trace = await readTrace(out);
        const root = rootProcess(trace);
        assert.equal(processCalls(trace, root.index, 'is_prime'), 0);
        const workers = trace.processes.filter((p) => p.name.startsWith(WORKER_PREFIX[method]!));
        assert.equal(workers.length, 3, trace.processes.map((p) => p.name).join(', '));
        // every number is checked once, in some worker, and each third of the list is one call
        const isPrime = workers.reduce((n, w) => n + processCalls(trace, w.index, 'is_prime'), 0);
        const parts = workers.reduce((n, w) => n + processCalls(trace, w.index, 'get_prime_arr'), 0);
        assert.equal(isPrime, 6000);
        assert.equal(parts, 3);
        for (const w of workers) {
          const parent = trace.processes[w.parent]!;
          if (method === 'forkserver') assert.equal(parent.name, 'forkserver');
          else assert.equal(parent.index, root.index);
          assert.equal(w.forkOf !== null, method !== 'spawn');
        }
      });
    }

    it('traces ProcessPoolExecutor, subprocess.run and os.fork children', async () => {
      const out = join(tempDir(), 'children.weft');
      const r = weft(['run', '--python', py.executable, '-o', out, join(PROGRAMS, 'children.py')]);
      assert.equal(r.status, 0, explain(r));
      const trace = await readTrace(out);
      const root = rootProcess(trace);
      const others = trace.processes.filter((p) => p !== root);
      const total = callCounts(trace).get('child_work');
      assert.equal(total, 10 + 20 + 30 + 7 + 5);
      assert.equal(processCalls(trace, root.index, 'child_work'), 0);
      const sub = others.find((p) => p.argv.includes('-c') && processCalls(trace, p.index, 'child_work') === 7);
      assert.ok(sub, 'the subprocess.run child is traced');
      assert.equal(sub.parent, root.index);
      const forked = others.find((p) => p.forkOf === root.pid && processCalls(trace, p.index, 'child_work') === 5);
      assert.ok(forked, 'the os.fork child is traced');
      assert.equal(forked.end.how, 'os._exit');
      for (const p of trace.processes) assert.ok(p.threads.length >= 1);
    });
  });
}

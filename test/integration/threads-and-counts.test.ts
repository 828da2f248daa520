// Exact call counts, per thread and against cProfile, on every interpreter found.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readTrace } from '../../src/model/build.js';
import { testPythons } from '../helpers/pythons.js';
import { callCounts, pythonCallTable, threadByName } from '../helpers/trace-query.js';
import { PROGRAMS, explain, tempDir, weft } from '../helpers/weft.js';

for (const py of testPythons()) {
  describe(`python ${py.version}`, { concurrency: true }, () => {
    it('traces every thread from its start with exact call counts', async () => {
      const out = join(tempDir(), 'threads.weft');
      const r = weft(['run', '--python', py.executable, '-o', out, join(PROGRAMS, 'threads_work.py')]);
      assert.equal(r.status, 0, explain(r));
      const trace = await readTrace(out);
      assert.equal(trace.processes.length, 1);
      const main = threadByName(trace, 'MainThread');
      assert.equal(main.isMain, true);
      assert.equal(callCounts(trace, [main.index]).get('work') ?? 0, 0);
      for (let k = 0; k < 3; k++) {
        const lane = threadByName(trace, `worker-${k}`);
        const counts = callCounts(trace, [lane.index]);
        assert.equal(counts.get('work'), 1000, `worker-${k}`);
        assert.equal(counts.get('worker'), 1, `worker-${k}`);
        assert.ok(lane.native > 0 && lane.native !== main.native);
      }
      // main first, then the workers in start order
      assert.deepEqual(trace.processes[0]!.threads.map((t) => trace.threads[t]!.name), ['MainThread', 'worker-0', 'worker-1', 'worker-2']);
    });

    it('counts calls exactly as cProfile does', async () => {
      const subject = join(PROGRAMS, 'cprofile_subject.py');
      const ref = spawnSync(py.executable, [join(PROGRAMS, 'cprofile_counts.py'), subject], { encoding: 'utf8' });
      assert.equal(ref.status, 0, ref.stderr);
      const expected = new Map(Object.entries(JSON.parse(ref.stdout) as Record<string, [number, number]>));
      const out = join(tempDir(), 'subject.weft');
      const r = weft(['run', '--python', py.executable, '-o', out, subject]);
      assert.equal(r.status, 0, explain(r));
      const actual = pythonCallTable(await readTrace(out), 'cprofile_subject.py');
      assert.deepEqual(Object.fromEntries([...actual].sort()), Object.fromEntries([...expected].sort()));
    });

    it('records C functions, and leaves them out with --no-c-calls', async () => {
      const dir = tempDir();
      const withC = weft(['run', '--python', py.executable, '-o', join(dir, 'c.weft'), join(PROGRAMS, 'threads_work.py')]);
      assert.equal(withC.status, 0, withC.stderr);
      const names = callCounts(await readTrace(join(dir, 'c.weft')));
      // 3.9 and 3.10 code objects carry no qualified name
      assert.equal(names.get('Thread.start') ?? names.get('start'), 3);
      assert.ok([...names.keys()].some((n) => n.endsWith('.acquire')), 'a C method call (lock.acquire) is recorded');
      const noC = weft(['run', '--python', py.executable, '--no-c-calls', '-o', join(dir, 'noc.weft'), join(PROGRAMS, 'threads_work.py')]);
      assert.equal(noC.status, 0, noC.stderr);
      const trace = await readTrace(join(dir, 'noc.weft'));
      for (let f = 1; f < trace.funcs.count; f++) assert.notEqual(trace.funcs.kind[f], 2, trace.strings[trace.funcs.name[f]!]);
      assert.equal(callCounts(trace).get('work'), 3000);
    });
  });
}

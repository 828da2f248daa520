// The trace survives the program's death, and weft reports how each process ended.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readTrace } from '../../src/model/build.js';
import { testPythons } from '../helpers/pythons.js';
import { callCounts } from '../helpers/trace-query.js';
import { PROGRAMS, tempDir, weft, weftJob } from '../helpers/weft.js';

const crash = join(PROGRAMS, 'crash.py');

async function waitFor(check: () => boolean, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const py of testPythons()) {
  describe(`python ${py.version}`, { concurrency: true }, () => {
    const cases: [string, number, string][] = [
      ['kill', 137, 'killed by SIGKILL'],
      ['exit3', 3, 'exited with status 3'],
      ['segv', 139, 'killed by SIGSEGV'],
    ];
    for (const [mode, status, text] of cases) {
      it(`keeps the trace when the program ends by ${mode}`, async () => {
        const out = join(tempDir(), `${mode}.weft`);
        const r = weft(['run', '--python', py.executable, '-o', out, crash, mode]);
        assert.equal(r.status, status, r.stderr);
        assert.match(r.stderr, new RegExp(text));
        const trace = await readTrace(out);
        assert.equal(callCounts(trace).get('work'), 100);
        assert.equal(callCounts(trace).get('phase'), 1);
        const root = trace.processes[0]!;
        assert.match(root.end.text, new RegExp(text));
        if (mode === 'segv') {
          assert.equal(root.end.how, 'crash');
          assert.match(root.end.fault ?? '', /Segmentation fault/);
        }
        if (mode === 'exit3') assert.equal(root.end.how, 'os._exit');
      });
    }

    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      it(`passes ${sig} to the program and still writes the trace`, async () => {
        const dir = tempDir();
        const out = join(dir, 'wait.weft');
        const job = weftJob(['run', '--python', py.executable, '-o', out, crash, 'wait'], dir);
        await waitFor(() => job.output().includes('ready'));
        // SIGINT as a terminal sends it, to the whole process group; SIGTERM to weft alone.
        if (sig === 'SIGINT') process.kill(-job.child.pid!, sig);
        else job.child.kill(sig);
        const r = await job.done;
        assert.equal(r.status, sig === 'SIGINT' ? 130 : 143, r.stderr);
        assert.doesNotMatch(r.stdout, /not interrupted/);
        const trace = await readTrace(out);
        assert.equal(callCounts(trace).get('work'), 100);
        assert.ok((callCounts(trace).get('time.sleep') ?? 0) >= 2);
      });
    }
  });
}

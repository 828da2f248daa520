// The interpreter probe before a run (its executable, its version, the C agent built) is kept
// per interpreter binary, and asked again whenever what it depends on may have changed.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { builderAnswer, builderArgs } from '../../src/record/fast-agent.js';
import { findPython } from '../../src/record/python.js';
import { defaultPython } from '../helpers/pythons.js';
import { tempDir } from '../helpers/weft.js';

const py = defaultPython();

describe('the kept interpreter probe', () => {
  let cache: string;
  const saved = process.env.WEFT_CACHE_DIR;
  before(() => {
    cache = tempDir('weft-probe-');
    process.env.WEFT_CACHE_DIR = cache;
  });
  after(() => {
    if (saved === undefined) delete process.env.WEFT_CACHE_DIR;
    else process.env.WEFT_CACHE_DIR = saved;
  });
  const entries = () => readdirSync(join(cache, 'probes')).map((n) => join(cache, 'probes', n));

  it('is used for the same binary: a kept answer is what the next probe returns', () => {
    const first = findPython(py.executable);
    assert.equal(entries().length, 1);
    const [entry] = entries();
    const kept = JSON.parse(readFileSync(entry!, 'utf8')) as Record<string, unknown>;
    assert.equal(kept.executable, first.executable);
    writeFileSync(entry!, JSON.stringify({ ...kept, executable: '/kept/answer' }));
    assert.equal(findPython(py.executable).executable, '/kept/answer');
  });

  it('says "built" once: the kept answer of a build is an agent built already', () => {
    const args = builderArgs('auto');
    const first = builderAnswer(findPython(py.executable, args).builderOutput!.stdout, '');
    assert.equal(first.ok, true);
    assert.equal(first.built, true, 'the fresh cache folder has no agent yet');
    const again = builderAnswer(findPython(py.executable, args).builderOutput!.stdout, '');
    assert.equal(again.built, false);
    assert.equal(again.path, first.path);
  });

  it('is asked again when the built agent it names is gone', () => {
    const args = builderArgs('auto');
    const withAgent = entries().find((e) => (JSON.parse(readFileSync(e, 'utf8')) as { agentPath?: string }).agentPath);
    assert.ok(withAgent);
    const kept = JSON.parse(readFileSync(withAgent, 'utf8')) as Record<string, unknown>;
    writeFileSync(withAgent, JSON.stringify({ ...kept, executable: '/stale', agentPath: join(cache, 'gone.so') }));
    assert.notEqual(findPython(py.executable, args).executable, '/stale');
  });

  it('is never kept for a script (a pyenv shim, a wrapper): what it runs depends on where', () => {
    const shim = join(tempDir('weft-shim-'), 'python-shim');
    writeFileSync(shim, `#!/bin/sh\nexec ${py.executable} "$@"\n`);
    chmodSync(shim, 0o755);
    const before = entries().length;
    assert.equal(findPython(shim).version.join('.').startsWith(py.version), true);
    assert.equal(entries().length, before);
  });
});

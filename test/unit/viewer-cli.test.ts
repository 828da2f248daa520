import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isOneLineError, tempDir, weft, weftJob } from '../helpers/weft.js';
import { ensureViewerBuilt } from '../browser/build-viewer.js';
import { fixturesDir } from './helpers/stream-fixtures.js';

ensureViewerBuilt();
const dir = tempDir('weft-view-');
const chrome = (name: string) => join(fixturesDir, 'chrome', name);

describe('weft view', () => {
  it('writes a self-contained report from Chrome JSON with -o', () => {
    const out = join(dir, 'r.html');
    const r = weft(['view', chrome('extras.json'), '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /timeline written to .*r\.html/);
    assert.ok(readFileSync(out, 'utf8').startsWith('<!doctype html>'));
  });

  it('reports what is wrong with the file in one line', () => {
    for (const args of [['view', join(dir, 'missing.weft')], ['view', chrome('text.txt')], ['view', chrome('not-a-trace.json')], ['view'], ['view', chrome('extras.json'), '--port', '99999']]) {
      const r = weft(args);
      assert.ok(isOneLineError(r), `${args.join(' ')}: ${r.stderr}`);
    }
  });

  it('warns about a damaged trace but opens it', () => {
    const out = join(dir, 'u.html');
    const r = weft(['view', chrome('unclosed.json'), '-o', out]);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /warning: .*without closing/);
    assert.ok(existsSync(out));
  });

  it('serves on 127.0.0.1 until stopped', async () => {
    const job = weftJob(['view', chrome('array-form.json'), '--port', '0']);
    let url = '';
    for (let i = 0; i < 200 && !url; i++) {
      await new Promise((r) => setTimeout(r, 50));
      url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(job.output() + (await peekStderr(job)))?.[1] ?? '';
    }
    try {
      assert.ok(url, 'printed the URL');
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /<canvas|id="app"/);
    } finally {
      process.kill(job.child.pid!, 'SIGTERM');
    }
    const done = await job.done;
    assert.equal(done.status, 0, done.stderr);
  });
});

// weftJob collects stderr internally; read it through the child's stream as it arrives.
const seen = new WeakMap<object, string>();
function peekStderr(job: ReturnType<typeof weftJob>): Promise<string> {
  if (!seen.has(job)) {
    seen.set(job, '');
    job.child.stderr!.on('data', (d: Buffer) => seen.set(job, seen.get(job)! + d.toString()));
  }
  return Promise.resolve(seen.get(job)!);
}


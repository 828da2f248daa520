import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Script } from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { readChromeTraceFile } from '../../src/formats/chrome-read.js';
import { decodeWeftFile, encodeWeftFile, writeWeftFile } from '../../src/formats/weft-file.js';
import { loadSession } from '../../src/model/build.js';
import { writeHtmlReport } from '../../src/report/html-report.js';
import { viewerBundle } from '../../src/server/bundle.js';
import { pageParts } from '../../src/server/page.js';
import { serveTrace } from '../../src/server/server.js';
import { ensureViewerBuilt } from '../browser/build-viewer.js';
import { traceOf } from './helpers/trace-builder.js';
import { fixturesDir, scratchDir, session } from './helpers/stream-fixtures.js';

ensureViewerBuilt();
const dir = scratchDir();
const HOSTILE = '<img src=x onerror=alert(1)>';

function get(url: string, opts: { host?: string; method?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: opts.method ?? 'GET', headers: opts.host ? { host: opts.host } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('viewer payload', () => {
  it('is byte for byte the .weft file weft writes', async () => {
    const traces = [await loadSession(session('multiproc')), await readChromeTraceFile(join(fixturesDir, 'chrome', 'extras.json'))];
    for (const [k, trace] of traces.entries()) {
      const path = join(dir, `p${k}.weft`);
      writeWeftFile(trace, path);
      assert.deepEqual(Buffer.from(encodeWeftFile(trace)), readFileSync(path));
    }
  });

  it('decodes back to the same trace, optional tables included', async () => {
    const trace = await readChromeTraceFile(join(fixturesDir, 'chrome', 'extras.json'));
    const back = decodeWeftFile(new Uint8Array(encodeWeftFile(trace)), 'payload');
    assert.deepStrictEqual(back, trace);
  });
});

describe('viewer bundle and page', () => {
  it('links the viewer modules into one classic script', () => {
    const js = viewerBundle();
    assert.doesNotThrow(() => new Script(js));
    assert.doesNotMatch(js, /^\s*(import|export)\s/m);
    assert.doesNotMatch(js, /<\/script/i);
  });

  it('allows exactly its own script and style', () => {
    const html = pageParts({ kind: 'url', url: 'trace.weft' }).join('');
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    assert.ok(csp.includes(`script-src 'sha256-${hash}'`), csp);
    assert.ok(csp.includes("default-src 'none'"));
    assert.ok(csp.includes("connect-src 'self'"));
    const inline = pageParts({ kind: 'inline', base64: 'AAAA', gzip: true }).join('');
    assert.ok(/connect-src 'none'/.test(inline));
  });
});

/** The report's payload: base64, or `parts` gzip members in base64, one per line, joined. */
function embeddedPayload(html: string, parts: number | 'plain'): Uint8Array {
  const data = /<script type="application\/octet-stream" id="weft-data" data-gzip="([01])">([A-Za-z0-9+/=\n]*)<\/script>/.exec(html);
  assert.ok(data, 'payload block');
  if (parts === 'plain') {
    assert.equal(data[1], '0');
    return new Uint8Array(Buffer.from(data[2]!, 'base64'));
  }
  assert.equal(data[1], '1');
  const lines = data[2]!.split('\n');
  assert.equal(lines.length, parts);
  return new Uint8Array(Buffer.concat(lines.map((l) => gunzipSync(Buffer.from(l, 'base64')))));
}

describe('HTML report', () => {
  const hostile = traceOf({ name: HOSTILE, threads: [{ name: `</script><script>alert(1)</script>`, calls: `${HOSTILE.replace(/ /g, '_')}@${HOSTILE.replace(/ /g, '_')}:1 0 10` }] });

  it('embeds the trace as base64: no trace text reaches the markup', async () => {
    const path = join(dir, 'hostile.html');
    const r = await writeHtmlReport(hostile, path);
    assert.equal(r.written, true);
    const html = readFileSync(path, 'utf8');
    assert.doesNotMatch(html, /onerror|alert\(1\)/);
    const trace = decodeWeftFile(embeddedPayload(html, 'plain'), 'embedded');
    assert.equal(trace.threads[0]!.name, '</script><script>alert(1)</script>');
  });

  it('gzips the payload, when asked, in parts, one per line, that make the .weft file end to end', async () => {
    const path = join(dir, 'parts.html');
    const r = await writeHtmlReport(hostile, path, { gzipLevel: 1, parts: 3 });
    assert.equal(r.written, true);
    const bytes = embeddedPayload(readFileSync(path, 'utf8'), 3);
    assert.deepEqual(Buffer.from(bytes), Buffer.from(encodeWeftFile(hostile)));
  });

  it('refuses a trace too big for one file and points to weft view', async () => {
    const r = await writeHtmlReport(hostile, join(dir, 'big.html'), { maxSlices: 0 });
    assert.equal(r.written, false);
    assert.match(r.written ? '' : r.reason, /weft view/);
  });
});

describe('view server', () => {
  it('serves the page and the trace, on loopback, to loopback names only', async () => {
    const trace = await loadSession(session('two-threads'));
    const server = await serveTrace(trace, { port: 0 });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await get(server.url);
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /text\/html/);
      assert.match(page.body.toString(), /data-trace-url="trace.weft"/);
      const data = await get(`${server.url}trace.weft`);
      assert.equal(data.status, 200);
      assert.deepStrictEqual(decodeWeftFile(new Uint8Array(data.body), 'served'), trace);
      assert.equal((await get(server.url, { host: 'evil.example:80' })).status, 403);
      assert.equal((await get(server.url, { method: 'POST' })).status, 405);
      assert.equal((await get(`${server.url}etc/passwd`)).status, 404);
      assert.equal((await get(`${server.url}..%2f..%2fpackage.json`)).status, 404);
    } finally {
      await server.close();
    }
  });
});

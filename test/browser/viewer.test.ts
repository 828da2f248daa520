// The viewer in real headless Chromium: a report of a real weft run, every interaction the issue
// names, hostile names, and the served viewer. Screenshots go to test-artifacts/.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { readChromeTraceFile } from '../../src/formats/chrome-read.js';
import { readWeftFile } from '../../src/formats/weft-file.js';
import { writeHtmlReport } from '../../src/report/html-report.js';
import { serveTrace } from '../../src/server/server.js';
import { EXAMPLES, tempDir, weft } from '../helpers/weft.js';
import { traceOf } from '../unit/helpers/trace-builder.js';
import { fixturesDir } from '../unit/helpers/stream-fixtures.js';
import { type LaneInfo, call, frame, lanes, pointAt, state } from './api.js';
import { artifactDir, browserMissing, launch, openViewer, type Watched } from './browser.js';

const missing = browserMissing();
const dir = tempDir('weft-browser-');

describe('viewer in Chromium', { skip: missing ?? false, timeout: 300_000 }, () => {
  let browser: Browser;
  let report: string;
  let w: Watched;
  let page: Page;

  before(async () => {
    const trace = join(dir, 'primes.weft');
    const r = weft(['run', '-q', '-o', trace, join(EXAMPLES, 'primes_threads.py')]);
    assert.equal(r.status, 0, r.stderr);
    report = join(dir, 'primes.html');
    // gzipped in parts, as `weft view -o` writes a big trace's report
    const written = await writeHtmlReport(readWeftFile(trace), report, { gzipLevel: 1, parts: 3 });
    assert.ok(written.written);
    browser = await launch();
    w = await openViewer(browser, pathToFileURL(report).href);
    page = w.page;
  });

  after(async () => {
    await browser?.close();
  });

  it('shows a lane for every thread, grouped under its process, main first', async () => {
    const ls = await lanes(page);
    assert.deepEqual(ls.map((l) => l.name), ['MainThread', 'primes-0', 'primes-1', 'primes-2']);
    assert.ok(ls.every((l) => l.process === 'primes_threads.py' && l.slices > 0));
    await page.screenshot({ path: join(artifactDir(), 'viewer-report.png') });
  });

  it('zooms with the wheel and W/S, pans with a drag and A/D', async () => {
    const box = (await page.locator('#timeline').boundingBox())!;
    const s0 = await state(page);
    await page.mouse.move(box.x + 600, box.y + 200);
    await page.mouse.wheel(0, -400);
    await frame(page);
    const s1 = await state(page);
    assert.ok(s1.nsPerPx < s0.nsPerPx * 0.7, `wheel zoomed in: ${s0.nsPerPx} -> ${s1.nsPerPx}`);
    // The time under the pointer stays put.
    const t0 = s0.t0 + (600 - 220) * s0.nsPerPx;
    const t1 = s1.t0 + (600 - 220) * s1.nsPerPx;
    assert.ok(Math.abs(t0 - t1) < s0.nsPerPx * 2);

    await page.keyboard.down('w');
    await page.waitForTimeout(300);
    await page.keyboard.up('w');
    const s2 = await state(page);
    assert.ok(s2.nsPerPx < s1.nsPerPx * 0.9, 'W zooms in');
    await page.keyboard.down('s');
    await page.waitForTimeout(300);
    await page.keyboard.up('s');
    assert.ok((await state(page)).nsPerPx > s2.nsPerPx * 1.1, 'S zooms out');

    const s3 = await state(page);
    await page.keyboard.down('d');
    await page.waitForTimeout(250);
    await page.keyboard.up('d');
    const s4 = await state(page);
    assert.ok(s4.t0 > s3.t0, 'D pans right');
    await page.keyboard.down('a');
    await page.waitForTimeout(250);
    await page.keyboard.up('a');
    assert.ok((await state(page)).t0 < s4.t0, 'A pans left');

    const s5 = await state(page);
    await page.mouse.move(box.x + 700, box.y + 300);
    await page.mouse.down();
    await page.mouse.move(box.x + 650, box.y + 300, { steps: 5 });
    await page.mouse.move(box.x + 600, box.y + 300, { steps: 5 });
    await page.mouse.up();
    const s6 = await state(page);
    assert.ok(Math.abs(s6.t0 - (s5.t0 + 100 * s5.nsPerPx)) < s5.nsPerPx * 3, 'drag pans by the distance dragged');
    assert.equal(s6.selected, null, 'a drag is not a click');
    await call(page, 'reset');
  });

  it('hovers and selects a slice: tooltip and details panel', async () => {
    const lane = (await lanes(page)).find((l) => l.name === 'primes-0')!;
    const first = await call<{ start: number; dur: number; name: string }>(page, 'slice', lane.lane, 0);
    const p = await pointAt(page, lane, first.start + first.dur / 2);
    await page.mouse.move(p.x, p.y);
    await frame(page);
    const tip = page.locator('#tooltip');
    assert.equal(await tip.isVisible(), true);
    assert.match((await tip.textContent()) ?? '', new RegExp(first.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await page.mouse.click(p.x, p.y);
    const s = await state(page);
    assert.deepEqual(s.selected, { lane: lane.lane, slice: 0 });
    const details = (await page.locator('#tab-details').textContent()) ?? '';
    for (const word of ['Function', first.name, 'Duration', 'Self time', 'Calls of this function', 'Called by', 'Calls']) assert.ok(details.includes(word), word);
    await page.screenshot({ path: join(artifactDir(), 'viewer-selected.png') });
  });

  it('selects a range on the time axis: function table and flame graph', async () => {
    const box = (await page.locator('#timeline').boundingBox())!;
    await page.mouse.move(box.x + 500, box.y + 12);
    await page.mouse.down();
    await page.mouse.move(box.x + 800, box.y + 12, { steps: 8 });
    await page.mouse.up();
    const s = await state(page);
    assert.ok(s.range && s.range.b > s.range.a);
    const rows = await call<string[][]>(page, 'rangeRows');
    assert.ok(rows.length > 3);
    assert.ok(rows.some((r) => r[0] === 'is_prime'), rows.map((r) => r[0]).join(','));
    assert.equal(await page.locator('#flame').isVisible(), true);
    // Sort by calls.
    await page.locator('th[data-sort="calls"]').click();
    const sorted = await call<string[][]>(page, 'rangeRows');
    const calls = sorted.map((r) => Number(r[1]!.replace(/,/g, '')));
    assert.deepEqual(calls, [...calls].sort((a, b) => b - a));
    await page.screenshot({ path: join(artifactDir(), 'viewer-range.png') });
    await page.keyboard.press('Escape');
    assert.equal((await state(page)).range, null);
  });

  it('searches by function name: counts matches, steps through them', async () => {
    await page.locator('#search').fill('is_prime');
    await page.locator('#search').press('Enter');
    await frame(page);
    const s = await state(page);
    assert.ok(s.searchCount >= 6000, `matches: ${s.searchCount}`);
    assert.ok(s.selected);
    const name = await call<string>(page, 'sliceName', s.selected!.lane, s.selected!.slice);
    assert.equal(name, 'is_prime');
    await page.locator('#search').press('Enter');
    const s2 = await state(page);
    assert.notDeepEqual(s2.selected, s.selected);
    assert.match((await page.locator('#search-count').textContent()) ?? '', /match/);
  });

  it('made no request outside the page and raised no error', () => {
    assert.deepEqual(w.foreign, []);
    assert.deepEqual(w.errors, []);
  });
});

describe('viewer with hostile names', { skip: missing ?? false, timeout: 120_000 }, () => {
  it('shows them as text and runs no script', async () => {
    // No spaces: the test trace builder splits its lines on them. HTML parsers take '/' instead.
    const evil = '<img/src=x/onerror=window.__pwned=1;alert(1)>';
    const trace = traceOf({
      name: evil,
      threads: [{ name: `<script>window.__pwned=2</script>`, calls: `${evil}@<b>file</b>.py:1 0 1000\n  <svg/onload=alert(3)> 100 500` }],
    });
    const path = join(dir, 'hostile.html');
    await writeHtmlReport(trace, path);
    const browser = await launch();
    try {
      const w = await openViewer(browser, pathToFileURL(path).href);
      const lane = (await lanes(w.page))[0]!;
      const p = await pointAt(w.page, lane, 50);
      await w.page.mouse.move(p.x, p.y);
      await w.page.mouse.click(p.x, p.y);
      await w.page.locator('#search').fill('svg');
      await w.page.locator('#search').press('Enter');
      await frame(w.page);
      const details = (await w.page.locator('#tab-details').textContent()) ?? '';
      assert.ok(details.includes('<svg/onload=alert(3)>'), details);
      await w.page.locator('#tabs button[data-tab="trace"]').click();
      const info = (await w.page.locator('#tab-trace').textContent()) ?? '';
      assert.ok(info.includes('<img/src=x'), info);
      const pwned = await w.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null);
      assert.equal(pwned, null);
      assert.deepEqual(w.dialogs, []);
      assert.equal(await w.page.locator('img, svg, #tab-details script').count(), 0);
      assert.deepEqual(w.foreign, []);
      await w.page.screenshot({ path: join(artifactDir(), 'viewer-hostile.png') });
    } finally {
      await browser.close();
    }
  });
});

describe('weft view server', { skip: missing ?? false, timeout: 120_000 }, () => {
  it('serves a Chrome trace with counters, instants, flows and async tracks', async () => {
    const trace = await readChromeTraceFile(join(fixturesDir, 'chrome', 'extras.json'));
    const server = await serveTrace(trace, { port: 0 });
    const browser = await launch();
    try {
      const w = await openViewer(browser, server.url);
      const ls: LaneInfo[] = await lanes(w.page);
      assert.deepEqual(ls.map((l) => `${l.kind}:${l.name}`), ['thread:MainThread', 'thread:thread 2', 'async:fetch', 'async:fetch']);
      const items = await w.page.evaluate(() => (window as unknown as { __weft: { state: () => { layoutHeight: number } } }).__weft.state().layoutHeight);
      assert.ok(items > 0);
      assert.deepEqual(w.foreign, []);
      assert.deepEqual(w.errors, []);
      await w.page.screenshot({ path: join(artifactDir(), 'viewer-served-chrome-json.png') });
    } finally {
      await browser.close();
      await server.close();
    }
  });
});

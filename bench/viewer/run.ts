// The viewer benchmark: synthetic traces of 1M and 10M slices, opened in headless Chromium the way
// a user opens them (`weft view` serving the trace, and the single-file HTML report), measuring
// time to the first full draw, frame times at every zoom level while zooming and panning, and
// memory. Usage: node dist/bench/viewer/run.js [slices...]   (default: 1000000 10000000)

import { statSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { once } from 'node:events';
import type { Browser, Page } from 'playwright-core';
import { chromeJsonChunks } from '../../src/formats/chrome-json.js';
import { writeHtmlReport } from '../../src/report/html-report.js';
import { serveTrace } from '../../src/server/server.js';
import { encodeWeftFile } from '../../src/formats/weft-file.js';
import { browserMissing, launch } from '../../test/browser/browser.js';
import { rendererRss } from './renderer-rss.js';
import { syntheticTrace } from './gen-trace.js';

interface Stats {
  median: number;
  p95: number;
  max: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1] ?? NaN };
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;


async function open(browser: Browser, url: string): Promise<{ page: Page; wallMs: number; timings: Record<string, number> }> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const t = performance.now();
  await page.goto(url);
  await page.waitForFunction(() => {
    const w = (window as unknown as { __weft?: { ready?: boolean; error?: string } }).__weft;
    return w && (w.ready || w.error);
  }, null, { timeout: 600_000, polling: 20 });
  const wallMs = performance.now() - t;
  const timings = await page.evaluate(() => {
    const w = (window as unknown as { __weft: { error?: string; timings: Record<string, number> } }).__weft;
    if (w.error) throw new Error(w.error);
    return w.timings;
  });
  return { page, wallMs, timings };
}

/** Frame costs at zoom levels from the whole trace down to ~2 us across the screen, panning at each. */
async function frames(page: Page): Promise<{ perLevel: { span: number; draw: Stats; flushed: Stats }[]; all: Stats; allFlushed: Stats; animated: Stats }> {
  return page.evaluate(async () => {
    type Api = {
      state: () => { start: number; end: number; width: number };
      setView: (t0: number, nsPerPx: number) => void;
      drawNow: () => number;
      drawFlushed: () => number;
      zoom: (f: number, x?: number) => void;
      pan: (px: number) => void;
      frameTimes: number[];
      reset: () => void;
    };
    const api = (window as unknown as { __weft: Api }).__weft;
    const st = api.state();
    const stat = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
      return { median: at(0.5), p95: at(0.95), max: s[s.length - 1]! };
    };
    const perLevel: { span: number; draw: ReturnType<typeof stat>; flushed: ReturnType<typeof stat> }[] = [];
    const all: number[] = [];
    const allFlushed: number[] = [];
    const full = st.end - st.start;
    for (let span = full; span > 2000; span /= 10) {
      const draw: number[] = [];
      const flushed: number[] = [];
      for (let k = 0; k < 24; k++) {
        // Pan across the trace at this zoom: 24 positions.
        const t0 = st.start + ((full - span) * k) / 23;
        api.setView(t0, span / st.width);
        draw.push(api.drawNow());
        flushed.push(api.drawFlushed());
      }
      all.push(...draw);
      allFlushed.push(...flushed);
      perLevel.push({ span, draw: stat(draw), flushed: stat(flushed) });
    }
    // Continuous zoom in and out at the pointer through rAF frames, as a user's wheel does.
    api.reset();
    await new Promise((r) => requestAnimationFrame(r));
    const before = api.frameTimes.length;
    for (let i = 0; i < 120; i++) {
      api.zoom(i < 60 ? 0.85 : 1 / 0.85, 400 + (i % 7) * 50);
      if (i % 3 === 0) api.pan(37);
      await new Promise((r) => requestAnimationFrame(r));
    }
    const animated = api.frameTimes.slice(before);
    return { perLevel, all: stat(all), allFlushed: stat(allFlushed), animated: stat(animated) };
  });
}

async function heap(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
}

async function benchSize(browser: Browser, n: number, out: string[]): Promise<void> {
  const say = (s: string) => {
    out.push(s);
    process.stdout.write(`${s}\n`);
  };
  let t = performance.now();
  const trace = syntheticTrace(n);
  say(`\n## ${n.toLocaleString('en-US')} slices (${trace.threads.length} threads, ${trace.processes.length} processes)`);
  say(`generated in ${fmt(performance.now() - t)} ms; .weft payload ${mb(encodeWeftFile(trace).byteLength)}`);

  // Chrome JSON of the same trace: what any JSON viewer must read.
  const json = join(tmpdir(), `weft-bench-${n}.json`);
  t = performance.now();
  const ws = createWriteStream(json);
  for (const chunk of chromeJsonChunks(trace)) if (!ws.write(chunk)) await once(ws, 'drain');
  ws.end();
  await once(ws, 'finish');
  say(`Chrome JSON of the same trace: ${mb(statSync(json).size)} (written in ${fmt(performance.now() - t)} ms)`);

  // weft view: served.
  const server = await serveTrace(trace, { port: 0 });
  try {
    const rss0 = rendererRss();
    const { page, wallMs, timings } = await open(browser, server.url);
    say(`weft view: interactive after ${fmt(wallMs)} ms (fetched ${fmt(timings.loadedAt!)} ms, model ${fmt(timings.modelAt!)} ms, first full draw ${fmt(timings.firstDrawAt!)} ms after navigation start)`);
    await page.screenshot({ path: join(tmpdir(), `weft-bench-${n}.png`) });
    const f = await frames(page);
    say(`frames (JS draw): median ${fmt(f.all.median)} ms, p95 ${fmt(f.all.p95)} ms, max ${fmt(f.all.max)} ms over ${f.perLevel.length} zoom levels x 24 pan positions`);
    say(`frames (draw + raster readback): median ${fmt(f.allFlushed.median)} ms, p95 ${fmt(f.allFlushed.p95)} ms, max ${fmt(f.allFlushed.max)} ms`);
    say(`animated zoom/pan through requestAnimationFrame: median ${fmt(f.animated.median)} ms, p95 ${fmt(f.animated.p95)} ms`);
    say('| visible span | draw median | draw p95 | draw+raster median | draw+raster p95 |');
    say('|---|---|---|---|---|');
    for (const l of f.perLevel) say(`| ${(l.span / 1e6).toPrecision(3)} ms | ${fmt(l.draw.median)} | ${fmt(l.draw.p95)} | ${fmt(l.flushed.median)} | ${fmt(l.flushed.p95)} |`);
    say(`memory: JS heap ${mb(await heap(page))}, renderer RSS ${mb(rendererRss() - rss0)}`);
    await page.close();
  } finally {
    await server.close();
  }

  // The single-file report, when within its limit.
  const html = join(tmpdir(), `weft-bench-${n}.html`);
  t = performance.now();
  const r = await writeHtmlReport(trace, html, { maxSlices: Infinity });
  const writeMs = performance.now() - t;
  if (r.written) {
    const rss0 = rendererRss();
    const { page, wallMs, timings } = await open(browser, pathToFileURL(html).href);
    say(`HTML report: ${mb(r.bytes)}, written in ${fmt(writeMs)} ms; interactive after ${fmt(wallMs)} ms (first full draw ${fmt(timings.firstDrawAt!)} ms), JS heap ${mb(await heap(page))}, renderer RSS ${mb(rendererRss() - rss0)}`);
    await page.close();
  }
}

async function main(): Promise<void> {
  const missing = browserMissing();
  if (missing) {
    process.stderr.write(`bench/viewer: ${missing}\n`);
    process.exitCode = 1;
    return;
  }
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const out: string[] = ['# weft viewer benchmark', `${new Date().toISOString()}, Chromium headless (software raster), 1600x1000 viewport`];
  const browser = await launch();
  try {
    for (const n of sizes.length ? sizes : [1_000_000, 10_000_000]) await benchSize(browser, n, out);
  } finally {
    await browser.close();
  }
  writeFileSync(join(tmpdir(), 'weft-viewer-bench.md'), out.join('\n') + '\n');
}

await main();

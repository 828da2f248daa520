// The same synthetic trace as Chrome JSON in another viewer available here: VizTracer's vizviewer
// (its bundled Perfetto UI, trace processor in WebAssembly), in the same headless Chromium.
// Loaded = the UI's last request (file_info, which vizviewer's frontend sends once the trace is
// in); interactive = the process tracks shown. (Its UI also tries to reach Google's servers;
// there is no network here, so those requests fail, which does not delay the load.) Usage:
//   VIZVIEWER=/path/to/vizviewer node dist/bench/viewer/compare-vizviewer.js [slices...]
// (pip install viztracer provides vizviewer; the JSON files are the ones run.js leaves in tmp.)

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserMissing, launch } from '../../test/browser/browser.js';
import { rendererRss } from './renderer-rss.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}


async function main(): Promise<void> {
  const viz = process.env.VIZVIEWER ?? 'vizviewer';
  const missing = browserMissing();
  if (missing) throw new Error(missing);
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const browser = await launch();
  try {
    for (const n of sizes.length ? sizes : [1_000_000]) {
      const json = join(tmpdir(), `weft-bench-${n}.json`);
      if (!existsSync(json)) throw new Error(`${json} is missing: run dist/bench/viewer/run.js ${n} first`);
      const port = await freePort();
      const server = spawn(viz, ['-s', '--port', String(port), json], { stdio: 'ignore' });
      for (let i = 0; i < 600; i++) {
        const up = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
        if (up) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      let loadedAt = 0;
      const t0 = performance.now();
      page.on('request', (r) => {
        if (r.url().endsWith('file_info') && !loadedAt) loadedAt = performance.now() - t0;
      });
      await page.goto(`http://localhost:${port}/`, { timeout: 600_000 });
      const deadline = Date.now() + 300_000;
      while (!loadedAt && Date.now() < deadline && errors.length === 0) await new Promise((r) => setTimeout(r, 100));
      // Then until the process's track is on screen and the UI has stopped loading.
      let shown = false;
      while (!shown && Date.now() < deadline && errors.length === 0) {
        shown = await page.evaluate(() => {
          return document.body.innerText.includes('bench.py') && document.querySelectorAll('[class*=track]').length > 5;
        });
        if (!shown) await new Promise((r) => setTimeout(r, 100));
      }
      const interactive = performance.now() - t0;
      await page.screenshot({ path: join(tmpdir(), `vizviewer-${n}.png`) });
      process.stdout.write(
        `vizviewer (Perfetto UI, WASM) ${n.toLocaleString('en-US')} slices: trace loaded after ${loadedAt ? loadedAt.toFixed(0) : 'never'} ms, ` +
          `interactive after ${interactive.toFixed(0)} ms, renderer RSS ${(rendererRss() / 1048576).toFixed(0)} MB${errors.length ? `, errors: ${errors.join('; ')}` : ''}\n`,
      );
      await page.close();
      server.kill('SIGTERM');
    }
  } finally {
    await browser.close();
  }
}

await main();

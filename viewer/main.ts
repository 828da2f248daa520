// The viewer's entry: find the trace (embedded in the page, or served beside it), decode it,
// build the view and expose a small API on window.__weft for tests and benchmarks.

import { buildViewModel } from './core/model.js';
import { concatBytes } from '../src/util/bytes.js';
import { base64Bytes, decodePayload, gunzip } from './data/payload.js';
import { App } from './ui/app.js';
import { bindInput } from './ui/input.js';
import { buildShell } from './ui/shell.js';
import { exposeApi } from './ui/api.js';

async function loadBytes(): Promise<Uint8Array> {
  const embedded = document.getElementById('weft-data');
  if (embedded) {
    const text = embedded.textContent ?? '';
    embedded.textContent = '';
    if (embedded.dataset.gzip !== '1') return base64Bytes(text);
    // one gzip member per line (src/report/html-report.ts)
    const parts = await Promise.all(text.split('\n').filter((line) => line.trim()).map((line) => gunzip(base64Bytes(line))));
    return concatBytes(parts);
  }
  const url = document.body.dataset.traceUrl;
  if (!url) throw new Error('this page holds no trace');
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`could not load the trace: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

function fail(status: HTMLElement, err: unknown): void {
  status.textContent = `weft: ${(err as Error).message ?? String(err)}`;
  status.classList.add('error');
  (window as unknown as { __weft: unknown }).__weft = { error: String((err as Error).message ?? err) };
}

async function boot(): Promise<void> {
  const t0 = performance.now();
  const root = document.getElementById('app') ?? document.body;
  const status = document.getElementById('loading') ?? document.createElement('div');
  try {
    const bytes = await loadBytes();
    const tLoaded = performance.now();
    const trace = decodePayload(bytes, 'the embedded trace');
    const vm = buildViewModel(trace);
    const tModel = performance.now();
    const shell = buildShell(root);
    const app = new App(vm, shell);
    bindInput(app);
    shell.title.textContent = trace.meta.command.join(' ') || 'weft';
    document.title = `weft \u2014 ${trace.meta.command.join(' ') || 'trace'}`;
    if (trace.meta.warnings.length > 0) {
      shell.warnings.hidden = false;
      shell.warnings.textContent = `\u26a0 ${trace.meta.warnings[0]}${trace.meta.warnings.length > 1 ? ` (and ${trace.meta.warnings.length - 1} more: see the Trace tab)` : ''}`;
    }
    status.remove();
    app.drawNow();
    exposeApi(app, { startedAt: t0, loadedAt: tLoaded, modelAt: tModel, bytes: bytes.byteLength });
    shell.canvas.focus();
  } catch (err) {
    fail(status, err);
  }
}

void boot();

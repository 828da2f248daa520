// Headless Chromium for the viewer's browser tests and benchmarks: Debian's /usr/bin/chromium
// (or $WEFT_CHROMIUM) driven by playwright-core, never a downloaded browser. Pages are watched
// for errors, dialogs and requests outside their own origin.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { packageRoot } from '../../src/util/paths.js';
import { ensureViewerBuilt } from './build-viewer.js';

export const CHROMIUM = process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Why browser tests cannot run here, or null. On CI a missing browser is a failure, not a skip. */
export function browserMissing(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const why = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set WEFT_CHROMIUM)`;
  if (process.env.CI) throw new Error(why);
  return why;
}

export async function launch(): Promise<Browser> {
  ensureViewerBuilt();
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, timeout: 60_000 });
}

export interface Watched {
  page: Page;
  errors: string[];
  dialogs: string[];
  /** Requests that left the page's origin (file:// pages: anything but file:, data: and blob:). */
  foreign: string[];
}

export async function openViewer(browser: Browser, url: string, size = { width: 1400, height: 900 }): Promise<Watched> {
  const page = await browser.newPage({ viewport: size });
  const origin = new URL(url).protocol === 'file:' ? 'file:' : new URL(url).origin;
  const w: Watched = { page, errors: [], dialogs: [], foreign: [] };
  page.on('pageerror', (e) => w.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(m.text());
  });
  page.on('dialog', (d) => {
    w.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => {
    const u = r.url();
    const ok = origin === 'file:' ? /^(file|data|blob):/.test(u) : u.startsWith(origin) || /^(data|blob):/.test(u);
    if (!ok) w.foreign.push(u);
  });
  await page.goto(url);
  await page.waitForFunction(() => {
    const api = (window as unknown as { __weft?: { ready?: boolean; error?: string } }).__weft;
    return api && (api.ready || api.error);
  }, null, { timeout: 120_000, polling: 50 });
  const error = await page.evaluate(() => (window as unknown as { __weft: { error?: string } }).__weft.error);
  if (error) throw new Error(`viewer failed: ${error}`);
  return w;
}

export function artifactDir(): string {
  const dir = join(packageRoot(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

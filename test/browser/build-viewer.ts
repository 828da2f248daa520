// Tests need the browser build of the viewer (dist/browser, from viewer/tsconfig.json). The build
// script makes it; this rebuilds it when it is missing or older than a source, so a test never
// runs against a stale viewer.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/paths.js';

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

let done = false;

export function ensureViewerBuilt(): void {
  if (done) return;
  const root = packageRoot();
  const entry = join(root, 'dist', 'browser', 'viewer', 'main.js');
  const sources = Math.max(newestSource(join(root, 'viewer')), newestSource(join(root, 'src')));
  if (!existsSync(entry) || statSync(entry).mtimeMs < sources) {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'viewer', 'tsconfig.json')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the viewer failed:\n${r.stdout}${r.stderr}`);
  }
  done = true;
}

// The viewer page: the stylesheet and the bundled viewer inlined, and the trace either embedded
// (base64 in a non-executable <script> block: its alphabet cannot close the element) or fetched
// from the server. A Content-Security-Policy allows exactly this page's own script and style (by
// hash): no other script, no inline handlers, no request to anywhere else.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/paths.js';
import { viewerBundle } from './bundle.js';

/** Inline: the .weft bytes in base64, or (gzip) gzip members in base64, one per line, that
 *  make the .weft bytes end to end. */
export type PageData = { kind: 'inline'; base64: string; gzip: boolean } | { kind: 'url'; url: string };

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export function viewerCss(): string {
  return readFileSync(join(packageRoot(), 'viewer', 'viewer.css'), 'utf8');
}

/** The page as parts, so that a multi-hundred-megabyte payload is never copied into one string. */
export function pageParts(data: PageData): string[] {
  const script = viewerBundle();
  const css = viewerCss();
  const connect = data.kind === 'url' ? "'self'" : "'none'";
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(css)}`,
    'img-src data: blob:',
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  // The URL is ours (a fixed path), but it is escaped all the same.
  const body = data.kind === 'url' ? `<body data-trace-url="${escapeAttr(data.url)}">` : '<body>';
  const head = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<title>weft</title>',
    `<style>${css}</style>`,
    '</head>',
    body,
    '<div id="app"></div>',
    '<div id="loading">Loading the trace\u2026</div>',
  ].join('\n');
  const parts = [head];
  if (data.kind === 'inline') {
    parts.push(`\n<script type="application/octet-stream" id="weft-data" data-gzip="${data.gzip ? '1' : '0'}">`);
    parts.push(data.base64);
    parts.push('</script>');
  }
  // The bundle holds no "</script" (checked), so it cannot end its element early.
  if (/<\/script/i.test(script)) throw new Error('viewer bundle contains </script');
  parts.push(`\n<script>${script}</script>\n</body>\n</html>\n`);
  return parts;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

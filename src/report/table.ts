// Aligned plain-text tables for the terminal, shared by every command that prints rows.
//
// Cells often hold text the traced program controls (function names, file paths, thread names),
// so control characters are shown escaped: a name must never be able to move the cursor or
// recolour the user's terminal.

export type Align = 'left' | 'right';

export interface Column {
  title: string;
  /** Numbers read best right-aligned, text left-aligned. */
  align: Align;
}

export interface TableOptions {
  /** Fit every line into this many columns by cutting the last column (with "…"); undefined
   *  never cuts. Pass outputWidth() to cut only on a terminal. */
  width?: number;
  /** Which end of the last column to drop: 'start' keeps the end, e.g. a function name after
   *  its long path. Default 'end'. */
  cut?: 'start' | 'end';
  /** Spaces between columns. Default 2. */
  gap?: number;
  /** Prefix of every line. */
  indent?: string;
}

/** The last column keeps at least this many characters, even when that overflows the width. */
const MIN_LAST = 12;

/** Lines of the table, title row first, without trailing spaces or newlines. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], options: TableOptions = {}): string[] {
  const gap = ' '.repeat(options.gap ?? 2);
  const indent = options.indent ?? '';
  const cells = [columns.map((c) => printable(c.title)), ...rows.map((r) => columns.map((_, i) => printable(r[i] ?? '')))];
  const widths = columns.map((_, i) => cells.reduce((w, r) => Math.max(w, displayWidth(r[i]!)), 0));
  const last = columns.length - 1;
  if (options.width !== undefined && last >= 0) {
    const fixed = displayWidth(indent) + widths.slice(0, last).reduce((sum, w) => sum + w + gap.length, 0);
    const room = Math.max(MIN_LAST, options.width - fixed);
    if (widths[last]! > room) {
      widths[last] = room;
      for (const r of cells) r[last] = cutToWidth(r[last]!, room, options.cut ?? 'end');
    }
  }
  return cells.map((r) => {
    const parts = r.map((cell, i) => pad(cell, widths[i]!, columns[i]!.align));
    return (indent + parts.join(gap)).trimEnd();
  });
}

/** The width to fit tables into: the terminal's on a TTY, undefined (no cutting) otherwise. */
export function outputWidth(stream: NodeJS.WriteStream = process.stdout): number | undefined {
  return stream.isTTY && stream.columns > 0 ? stream.columns : undefined;
}

/** Text with control characters shown as escapes (\n, \t, \x1b ...). */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

// East Asian wide and fullwidth characters and emoji take two terminal cells; combining marks
// and zero-width characters take none.
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const ZERO = /[\p{Mn}\p{Me}\u200b-\u200f\ufeff]/u;

function charWidth(ch: string): number {
  return ZERO.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
}

/** Terminal cells the text takes. */
export function displayWidth(text: string): number {
  // Plain ASCII is the common case and needs no per-character look.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let w = 0;
  for (const ch of text) w += charWidth(ch);
  return w;
}

/** The text cut to at most `width` cells, "…" marking the side that was dropped. */
export function cutToWidth(text: string, width: number, side: 'start' | 'end' = 'end'): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  const chars = [...text];
  if (side === 'start') chars.reverse();
  const kept: string[] = [];
  let w = 1; // the ellipsis
  for (const ch of chars) {
    const cw = charWidth(ch);
    if (w + cw > width) break;
    kept.push(ch);
    w += cw;
  }
  return side === 'start' ? '…' + kept.reverse().join('') : kept.join('') + '…';
}

function pad(text: string, width: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

// Progress for long work, on stderr. Silent for work that ends within a second, so quick runs
// stay quiet; on a terminal the line is redrawn in place, elsewhere a few plain lines are written.

export interface Progress {
  /** done/total in any unit; label describes the current step. */
  update(label: string, done: number, total: number): void;
  finish(): void;
}

/** stream null: no output (quiet mode), same interface. */
export function startProgress(stream: NodeJS.WriteStream | null = process.stderr, delayMs = 1000): Progress {
  if (stream === null) return { update() {}, finish() {} };
  const began = Date.now();
  let lastDraw = 0;
  let drawn = false;
  let lastLabel = '';
  return {
    update(label, done, total) {
      const now = Date.now();
      if (now - began < delayMs) return;
      const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
      if (stream.isTTY) {
        if (now - lastDraw < 100) return;
        lastDraw = now;
        stream.write(`\r\x1b[Kweft: ${label} ${pct}%`);
        drawn = true;
      } else if (label !== lastLabel || now - lastDraw > 5000) {
        lastDraw = now;
        lastLabel = label;
        stream.write(`weft: ${label} ${pct}%\n`);
      }
    },
    finish() {
      if (drawn && stream.isTTY) stream.write('\r\x1b[K');
    },
  };
}

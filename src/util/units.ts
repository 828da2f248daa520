// Numbers a person reads at a glance: durations with their unit, counts with separators.

/** 1234567 ns -> "1.23 ms"; three significant digits, unit chosen by magnitude. */
export function formatDuration(ns: number): string {
  // The unit is chosen after rounding, so 999.7 us reads "1.00 ms", never "1000 us".
  const fits = (x: number, limit: number) => Math.abs(Number(sig3(x))) < limit;
  if (Math.abs(Math.round(ns)) < 1e3) return `${Math.round(ns)} ns`;
  if (fits(ns / 1e3, 1000)) return `${sig3(ns / 1e3)} us`;
  if (fits(ns / 1e6, 1000)) return `${sig3(ns / 1e6)} ms`;
  if (fits(ns / 1e9, 60)) return `${sig3(ns / 1e9)} s`;
  const tenths = Math.round(Math.abs(ns) / 1e8);
  const minutes = Math.floor(tenths / 600);
  return `${ns < 0 ? '-' : ''}${minutes} min ${((tenths - minutes * 600) / 10).toFixed(1)} s`;
}

function sig3(x: number): string {
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** 1234567 -> "1,234,567" */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 1536 -> "1.5 KB" (powers of 1024, the way file sizes are usually read). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** "50us", "1.5ms", "2s", "300ns", "0.2" (seconds) -> ns. Returns null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ns|us|µs|ms|s)?\s*$/.exec(text);
  if (!m) return null;
  const value = Number(m[1]);
  const scale: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };
  return value * scale[m[2] ?? 's']!;
}

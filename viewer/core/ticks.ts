// Time-axis ticks: a step of 1, 2 or 5 x 10^k ns that leaves at least `minSpacingPx` between
// labels, labels in the unit that suits the step. Deep in a long trace ("1.234567891 s") the
// labels would be long: then a base time is shown once and ticks read as offsets from it.

export interface Ticks {
  step: number;
  /** Times (ns) of the ticks within [t0, t1]. */
  times: number[];
  labels: string[];
  /** When set, labels are offsets from this time, which reads `baseLabel`. */
  base: number | null;
  baseLabel: string;
}

const UNITS: [number, string][] = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'us'],
  [1, 'ns'],
];

export function niceStep(minStep: number): number {
  if (!(minStep > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(minStep)));
  for (const m of [1, 2, 5, 10]) if (m * p >= minStep * (1 - 1e-9)) return Math.max(1, m * p);
  return Math.max(1, 10 * p);
}

/** The unit labels of ticks `step` apart are written in, and the decimals they need. */
export function unitFor(step: number): { scale: number; unit: string; decimals: number } {
  const [scale, unit] = UNITS.find(([s]) => step >= s / 10) ?? UNITS[UNITS.length - 1]!;
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / scale) - 1e-9));
  return { scale, unit, decimals };
}

export function formatTime(t: number, step: number): string {
  const { scale, unit, decimals } = unitFor(step);
  return `${(t / scale).toFixed(decimals)} ${unit}`;
}

export function timeTicks(t0: number, t1: number, widthPx: number, minSpacingPx = 90): Ticks {
  const span = Math.max(t1 - t0, 1e-9);
  const step = niceStep((span * minSpacingPx) / Math.max(widthPx, 1));
  const times: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1 && times.length < 1000; t += step) times.push(t);
  // Offsets once the absolute label would need more than 4 digits before the point.
  const bigStep = step * 1000;
  const useBase = Math.abs(t0) >= bigStep * 10;
  const base = useBase ? Math.floor(t0 / bigStep) * bigStep : null;
  const labels = times.map((t) => (base === null ? formatTime(t, step) : `+${formatTime(t - base, step)}`));
  return { step, times, labels, base, baseLabel: base === null ? '' : formatTime(base, bigStep) };
}

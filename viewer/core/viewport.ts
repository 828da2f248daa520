// The visible time window: t0 (ns at the left edge of the tracks) and ns per pixel, with the
// zoom and pan moves of the mouse and keyboard. Pure: every move returns a new viewport.

export interface Viewport {
  t0: number;
  nsPerPx: number;
  /** Width of the track area in CSS pixels. */
  width: number;
}

/** The narrowest zoom: 1 ns over 20 pixels. */
export const MIN_NS_PER_PX = 0.05;

export interface Bounds {
  start: number;
  end: number;
}

/** The whole trace with a little margin. */
export function fitAll(b: Bounds, width: number): Viewport {
  const span = Math.max(b.end - b.start, 1000);
  const margin = span * 0.01;
  return { t0: b.start - margin, nsPerPx: (span + 2 * margin) / Math.max(width, 1), width };
}

export function fitRange(a: number, z: number, width: number, b: Bounds): Viewport {
  const span = Math.max(z - a, MIN_NS_PER_PX * width);
  const margin = span * 0.05;
  return clamp({ t0: a - margin, nsPerPx: (span + 2 * margin) / Math.max(width, 1), width }, b);
}

/** Keeps at least part of the trace on screen and the zoom within limits. */
export function clamp(v: Viewport, b: Bounds): Viewport {
  const span = Math.max(b.end - b.start, 1000);
  const maxNsPerPx = (span * 1.5) / Math.max(v.width, 1);
  const nsPerPx = Math.min(Math.max(v.nsPerPx, MIN_NS_PER_PX), maxNsPerPx);
  const visible = nsPerPx * v.width;
  const lo = b.start - visible * 0.9;
  const hi = b.end - visible * 0.1;
  return { t0: Math.min(Math.max(v.t0, lo), hi), nsPerPx, width: v.width };
}

/** Zoom by `factor` (<1 zooms in) keeping the time under pixel `x` in place. */
export function zoomAt(v: Viewport, x: number, factor: number, b: Bounds): Viewport {
  const t = v.t0 + x * v.nsPerPx;
  const nsPerPx = v.nsPerPx * factor;
  const z = clamp({ t0: v.t0, nsPerPx, width: v.width }, b);
  return clamp({ t0: t - x * z.nsPerPx, nsPerPx: z.nsPerPx, width: v.width }, b);
}

export function panBy(v: Viewport, dxPx: number, b: Bounds): Viewport {
  return clamp({ ...v, t0: v.t0 + dxPx * v.nsPerPx }, b);
}

export function timeAt(v: Viewport, x: number): number {
  return v.t0 + x * v.nsPerPx;
}

export function xAt(v: Viewport, t: number): number {
  return (t - v.t0) / v.nsPerPx;
}

export function withWidth(v: Viewport, width: number, b: Bounds): Viewport {
  // Keep the same time span when the window is resized.
  const span = v.nsPerPx * v.width;
  return clamp({ t0: v.t0, nsPerPx: span / Math.max(width, 1), width }, b);
}

// Typed access to window.__weft (see viewer/ui/api.ts) from tests.
import type { Page } from 'playwright-core';

export interface ViewState {
  t0: number;
  nsPerPx: number;
  width: number;
  scrollY: number;
  selected: { lane: number; slice: number } | null;
  hover: { lane: number; slice: number } | null;
  range: { a: number; b: number } | null;
  searchCount: number;
  start: number;
  end: number;
  collapsedProcesses: number[];
  layoutHeight: number;
}

export interface LaneInfo {
  lane: number;
  kind: string;
  name: string;
  process: string;
  pid: number;
  slices: number;
  y: number;
  h: number;
}

type Api = Record<string, (...args: never[]) => unknown>;

export function call<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([n, a]) => {
      const api = (window as unknown as { __weft: Api }).__weft;
      return (api[n as string] as (...x: unknown[]) => unknown)(...(a as unknown[]));
    },
    [name, args] as const,
  ) as Promise<T>;
}

export const state = (page: Page) => call<ViewState>(page, 'state');
export const lanes = (page: Page) => call<LaneInfo[]>(page, 'lanes');
export const frame = (page: Page) => call<void>(page, 'nextFrame');

/** Page coordinates of time `t` on the depth-`depth` row of a lane. */
export async function pointAt(page: Page, lane: LaneInfo, t: number, depth = 0): Promise<{ x: number; y: number }> {
  const s = await state(page);
  const box = (await page.locator('#timeline').boundingBox())!;
  return { x: box.x + 220 + (t - s.t0) / s.nsPerPx, y: box.y + 26 + lane.y - s.scrollY + 3 + depth * 18 + 9 };
}

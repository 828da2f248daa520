// Facts about one slice and its function for the details panel: self time, and who calls the
// function and what it calls across the whole trace (one pass over the slices, on demand).

import type { SliceTable } from '../../src/model/trace.js';

/** The slice's duration minus its direct children's. */
export function selfTime(s: SliceTable, i: number): number {
  const d = s.depth[i]!;
  let kids = 0;
  for (let j = i + 1; j < s.count; j++) {
    const dj = s.depth[j]!;
    if (dj <= d) break;
    if (dj === d + 1) kids += s.dur[j]!;
  }
  return s.dur[i]! - kids;
}

/** The slice's parent (the nearest earlier slice one level up), or -1 at depth 0. */
export function parentOf(s: SliceTable, i: number): number {
  const d = s.depth[i]!;
  if (d === 0) return -1;
  for (let j = i - 1; j >= 0; j--) if (s.depth[j]! < d) return j;
  return -1;
}

export interface CallerCallees {
  /** func -> calls of the target made from it; -1 stands for "no caller" (a lane's root). */
  callers: Map<number, number>;
  /** func -> calls the target made of it. */
  callees: Map<number, number>;
  /** Total time (ns) of the target, recursion counted once, and its calls. */
  total: number;
  calls: number;
}

export function callersAndCallees(lanes: { slices: SliceTable }[], target: number): CallerCallees {
  const callers = new Map<number, number>();
  const callees = new Map<number, number>();
  let total = 0;
  let calls = 0;
  let stack = new Int32Array(256);
  for (const { slices: s } of lanes) {
    let openUntil = -Infinity; // end of the outermost open call of target
    for (let i = 0; i < s.count; i++) {
      const d = s.depth[i]!;
      const f = s.func[i]!;
      if (d >= stack.length) {
        const next = new Int32Array(Math.max(stack.length * 2, d + 1));
        next.set(stack);
        stack = next;
      }
      stack[d] = f;
      if (f === target) {
        calls++;
        const caller = d > 0 ? stack[d - 1]! : -1;
        callers.set(caller, (callers.get(caller) ?? 0) + 1);
        const st = s.start[i]!;
        if (st >= openUntil) {
          total += s.dur[i]!;
          openUntil = st + s.dur[i]!;
        }
      }
      if (d > 0 && stack[d - 1] === target) callees.set(f, (callees.get(f) ?? 0) + 1);
    }
  }
  return { callers, callees, total, calls };
}

// What happened in a time range [a, b): per function calls, total and self time (clipped to the
// range), and the aggregated call tree that the flame graph draws. Only the slices that start in
// the range are visited, plus the few open at its start (found per depth by binary search).
// Total time counts a function once even when it recurses (cProfile's cumtime rule).

import type { SliceTable } from '../../src/model/trace.js';
import type { RowIndex } from './rows.js';
import { lowerBound } from './rows.js';

export interface RangeLane {
  slices: SliceTable;
  rows: RowIndex;
}

export interface CallTree {
  count: number;
  /** Node 0 is the root (all lanes); parent -1. */
  parent: Int32Array;
  func: Int32Array;
  total: Float64Array;
  self: Float64Array;
  /** Children of node n, heaviest first: childList[childStart[n] .. childStart[n + 1]). */
  childStart: Int32Array;
  childList: Int32Array;
}

/** The children of a node, heaviest first (a view, no copy). */
export function childrenOf(tree: CallTree, n: number): Int32Array {
  return tree.childList.subarray(tree.childStart[n]!, tree.childStart[n + 1]!);
}

export interface RangeStats {
  a: number;
  b: number;
  /** Functions with at least one call in the range, unordered. */
  rows: number;
  func: Int32Array;
  calls: Float64Array;
  total: Float64Array;
  self: Float64Array;
  tree: CallTree;
}

export function aggregateRange(lanes: RangeLane[], funcCount: number, a: number, b: number): RangeStats {
  const calls = new Float64Array(funcCount);
  const total = new Float64Array(funcCount);
  const self = new Float64Array(funcCount);
  const open = new Int32Array(funcCount);
  // Call tree nodes, grown as needed.
  let cap = 1024;
  let parent = new Int32Array(cap);
  let nfunc = new Int32Array(cap);
  let ntotal = new Float64Array(cap);
  let nself = new Float64Array(cap);
  let nodes = 1;
  parent[0] = -1;
  nfunc[0] = -1;
  // (parent, func) -> node: open addressing over node ids (0 = empty: the root is nobody's child).
  let slots = new Int32Array(4096);
  const slotOf = (p: number, f: number, size: number) => (Math.imul(p, 0x9e3779b1) ^ Math.imul(f + 1, 0x85ebca77)) & (size - 1);
  const child = (p: number, f: number): number => {
    let h = slotOf(p, f, slots.length);
    for (;;) {
      const n = slots[h]!;
      if (n === 0) break;
      if (parent[n] === p && nfunc[n] === f) return n;
      h = (h + 1) & (slots.length - 1);
    }
    if (nodes === cap) {
      cap *= 2;
      const gi = (x: Int32Array) => {
        const y = new Int32Array(cap);
        y.set(x);
        return y;
      };
      const gf = (x: Float64Array) => {
        const y = new Float64Array(cap);
        y.set(x);
        return y;
      };
      parent = gi(parent);
      nfunc = gi(nfunc);
      ntotal = gf(ntotal);
      nself = gf(nself);
    }
    const n = nodes++;
    parent[n] = p;
    nfunc[n] = f;
    slots[h] = n;
    if (nodes * 2 > slots.length) {
      slots = new Int32Array(slots.length * 2);
      for (let m = 1; m < nodes; m++) {
        let k = slotOf(parent[m]!, nfunc[m]!, slots.length);
        while (slots[k] !== 0) k = (k + 1) & (slots.length - 1);
        slots[k] = m;
      }
    }
    return n;
  };

  if (b > a) {
    // Stack entries: slice, node, clipped duration, children's clipped time.
    const sSlice: number[] = [];
    const sNode: number[] = [];
    const sDur: number[] = [];
    const sKids: number[] = [];
    for (const lane of lanes) {
      const s = lane.slices;
      const close = (depth: number) => {
        while (sSlice.length > depth) {
          const i = sSlice.pop()!;
          const node = sNode.pop()!;
          const d = sDur.pop()!;
          const kids = sKids.pop()!;
          const f = s.func[i]!;
          open[f]!--;
          if (open[f] === 0) total[f]! += d;
          self[f]! += d - kids;
          ntotal[node]! += d;
          nself[node]! += d - kids;
          if (sKids.length > 0) sKids[sKids.length - 1]! += d;
        }
      };
      const push = (i: number) => {
        const st = s.start[i]!;
        const d = Math.min(st + s.dur[i]!, b) - Math.max(st, a);
        const f = s.func[i]!;
        const p = sNode.length > 0 ? sNode[sNode.length - 1]! : 0;
        sSlice.push(i);
        sNode.push(child(p, f));
        sDur.push(Math.max(0, d));
        sKids.push(0);
        calls[f]!++;
        open[f]!++;
      };
      // Slices open at `a`: at most one per depth, nested.
      for (const row of lane.rows.rows) {
        let lo = 0;
        let hi = row.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (s.start[row[mid]!]! < a) lo = mid + 1;
          else hi = mid;
        }
        const i = lo > 0 ? row[lo - 1]! : -1;
        if (i < 0 || s.start[i]! + s.dur[i]! <= a) break;
        push(i);
      }
      const k0 = lowerBound(s.start, a, 0, s.count);
      const k1 = lowerBound(s.start, b, k0, s.count);
      for (let i = k0; i < k1; i++) {
        close(s.depth[i]!);
        if (sSlice.length !== s.depth[i]) continue; // a gap in the depths: cannot happen in a well-formed lane
        push(i);
      }
      close(0);
    }
  }

  let rows = 0;
  for (let f = 0; f < funcCount; f++) if (calls[f]! > 0) rows++;
  const func = new Int32Array(rows);
  const rc = new Float64Array(rows);
  const rt = new Float64Array(rows);
  const rs = new Float64Array(rows);
  for (let f = 0, r = 0; f < funcCount; f++) {
    if (calls[f]! > 0) {
      func[r] = f;
      rc[r] = calls[f]!;
      rt[r] = total[f]!;
      rs[r++] = self[f]!;
    }
  }
  for (let n = 1; n < nodes; n++) ntotal[0]! += parent[n] === 0 ? ntotal[n]! : 0;
  // Children lists as one array (counting sort by parent), each list sorted by weight.
  const childStart = new Int32Array(nodes + 1);
  for (let n = 1; n < nodes; n++) childStart[parent[n]! + 1]!++;
  for (let n = 0; n < nodes; n++) childStart[n + 1]! += childStart[n]!;
  const childList = new Int32Array(Math.max(0, nodes - 1));
  const fill = childStart.slice(0, nodes);
  for (let n = 1; n < nodes; n++) childList[fill[parent[n]!]!++] = n;
  for (let n = 0; n < nodes; n++) {
    const a0 = childStart[n]!;
    const a1 = childStart[n + 1]!;
    if (a1 - a0 > 1) childList.subarray(a0, a1).sort((x, y) => ntotal[y]! - ntotal[x]! || x - y);
  }
  const tree: CallTree = {
    count: nodes,
    parent: parent.subarray(0, nodes),
    func: nfunc.subarray(0, nodes),
    total: ntotal.subarray(0, nodes),
    self: nself.subarray(0, nodes),
    childStart,
    childList,
  };
  return { a, b, rows, func, calls: rc, total: rt, self: rs, tree };
}

export type RangeSortKey = 'calls' | 'total' | 'self' | 'name';

/** Row order for the function table. */
export function sortRows(r: RangeStats, key: RangeSortKey, nameOf: (f: number) => string, descending = true): Int32Array {
  const order = Int32Array.from({ length: r.rows }, (_, i) => i);
  const sign = descending ? -1 : 1;
  const col = key === 'calls' ? r.calls : key === 'total' ? r.total : key === 'self' ? r.self : null;
  order.sort((x, y) => {
    if (col) return sign * (col[x]! - col[y]!) || x - y;
    const p = nameOf(r.func[x]!);
    const q = nameOf(r.func[y]!);
    return (p < q ? -1 : p > q ? 1 : 0) * -sign || x - y;
  });
  return order;
}

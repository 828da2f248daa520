// The flame graph of a range: the aggregated call tree drawn top-down (callers above callees),
// widths proportional to total time, heaviest child first. Nodes narrower than half a pixel are
// skipped with their subtrees, so the cost follows the pixels, not the tree.

import { type CallTree, childrenOf } from '../core/range.js';
import type { Trace } from '../../src/model/trace.js';
import { Palette, TEXT } from './colors.js';

export const FLAME_ROW = 18;

export interface FlameBox {
  node: number;
  x: number;
  w: number;
  depth: number;
}

export class FlameGraph {
  /** What was drawn, for hit testing (cleared every draw). */
  boxes: FlameBox[] = [];
  private readonly palette: Palette;

  constructor(private readonly trace: Trace) {
    this.palette = new Palette(trace);
  }

  /** Draws `tree` from node `root` across `width` CSS pixels; returns the depth used. */
  draw(ctx: CanvasRenderingContext2D, tree: CallTree, root: number, width: number, maxDepth: number): number {
    this.boxes = [];
    ctx.font = '11px system-ui, -apple-system, "Segoe UI", sans-serif';
    const charW = ctx.measureText('abcdefghijklmnopqrstuvwxyz').width / 26 || 6;
    const total = tree.total[root]!;
    if (!(total > 0)) return 0;
    const scale = width / total;
    let deepest = 0;
    const stack: [number, number, number][] = [[root, 0, 0]];
    while (stack.length > 0) {
      const [node, x, depth] = stack.pop()!;
      const w = tree.total[node]! * scale;
      if (w < 0.5 || depth > maxDepth) continue;
      deepest = Math.max(deepest, depth);
      const y = depth * FLAME_ROW;
      const f = tree.func[node]!;
      ctx.fillStyle = f < 0 ? '#d9dce3' : this.palette.of(f);
      ctx.fillRect(x, y, Math.max(w - 0.5, 0.5), FLAME_ROW - 1);
      this.boxes.push({ node, x, w, depth });
      if (w > 24) {
        const label = f < 0 ? 'all' : (this.trace.strings[this.trace.funcs.name[f]!] ?? '');
        const max = Math.floor((w - 6) / charW);
        ctx.fillStyle = TEXT;
        ctx.fillText(label.length <= max ? label : `${label.slice(0, Math.max(0, max - 1))}\u2026`, x + 3, y + 13);
      }
      let cx = x;
      const kids = childrenOf(tree, node);
      const placed: [number, number, number][] = [];
      for (let k = 0; k < kids.length; k++) {
        const c = kids[k]!;
        placed.push([c, cx, depth + 1]);
        cx += tree.total[c]! * scale;
      }
      for (let k = placed.length - 1; k >= 0; k--) stack.push(placed[k]!);
    }
    return deepest;
  }

  /** The node drawn at (x, y), or -1. */
  hit(x: number, y: number): number {
    const depth = Math.floor(y / FLAME_ROW);
    for (const b of this.boxes) if (b.depth === depth && x >= b.x && x < b.x + b.w) return b.node;
    return -1;
  }
}

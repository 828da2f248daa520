// window.__weft: what tests and benchmarks drive and read. It exposes view state and actions, never
// a way to inject markup.

import type { App } from './app.js';

export interface Timings {
  startedAt: number;
  loadedAt: number;
  modelAt: number;
  bytes: number;
}

export function exposeApi(app: App, timings: Timings): void {
  const api = {
    ready: true,
    timings: { ...timings, firstDrawAt: app.firstDrawAt },
    state: () => ({
      t0: app.vp.t0,
      nsPerPx: app.vp.nsPerPx,
      width: app.vp.width,
      scrollY: app.scrollY,
      selected: app.selected,
      hover: app.hover,
      range: app.range,
      searchCount: app.searchCount,
      start: app.vm.start,
      end: app.vm.end,
      collapsedProcesses: [...app.collapsedProcess],
      layoutHeight: app.layout.height,
    }),
    lanes: () =>
      app.layout.items
        .filter((it) => it.kind === 'lane')
        .map((it) => {
          const lane = app.vm.lanes[it.lane]!;
          const p = app.vm.trace.processes[lane.process]!;
          return { lane: it.lane, kind: lane.kind, name: lane.name, process: p.name, pid: p.pid, slices: lane.slices.count, y: it.y, h: it.h };
        }),
    processes: () => app.vm.trace.processes.map((p) => ({ name: p.name, pid: p.pid, threads: p.threads.length })),
    sliceName: (lane: number, slice: number) => {
      const f = app.vm.lanes[lane]!.slices.func[slice]!;
      return app.vm.trace.strings[app.vm.trace.funcs.name[f]!];
    },
    slice: (lane: number, i: number) => {
      const s = app.vm.lanes[lane]!.slices;
      const f = s.func[i]!;
      return { start: s.start[i]!, dur: s.dur[i]!, depth: s.depth[i]!, name: app.vm.trace.strings[app.vm.trace.funcs.name[f]!] };
    },
    zoom: (factor: number, x?: number) => app.zoom(factor, x),
    pan: (px: number) => app.pan(px),
    reset: () => app.resetZoom(),
    setRange: (a: number, b: number) => app.setRange(a, b, true),
    rangeRows: () => app.rangeRows(),
    search: (q: string) => app.search(q),
    findNext: (dir: 1 | -1) => app.findNext(dir),
    select: (lane: number, slice: number) => app.select({ lane, slice }),
    drawNow: () => app.drawNow(),
    /** Draws and reads one pixel back, so the time includes rasterising the canvas. */
    drawFlushed: () => {
      const t = performance.now();
      app.drawNow();
      app.shell.canvas.getContext('2d')!.getImageData(0, 0, 1, 1);
      return performance.now() - t;
    },
    setView: (t0: number, nsPerPx: number) => {
      app.vp = { ...app.vp, t0, nsPerPx };
    },
    nextFrame: () => app.nextFrame(),
    frameTimes: app.frameTimes,
    geometry: () => ({ gutter: 220, axis: 26, canvas: app.shell.canvas.getBoundingClientRect().toJSON() as unknown }),
  };
  (window as unknown as { __weft: typeof api }).__weft = api;
}

// Synthetic traces for the viewer benchmark: `n` slices over a few processes and threads, shaped
// like a real Python trace (deep call trees, many tiny calls, a few long ones, a skewed function
// popularity), built straight into the model's columns. Deterministic for a given n.

import { FuncKind, type FuncTable, type ProcessInfo, type SliceTable, type ThreadLane, type Trace } from '../../src/model/trace.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticTrace(n: number, processes = 2, threadsPerProcess = 4, funcCount = 3000): Trace {
  const rand = rng(n);
  const strings = [''];
  const funcs: FuncTable = {
    count: funcCount,
    name: new Int32Array(funcCount),
    file: new Int32Array(funcCount),
    line: new Int32Array(funcCount),
    kind: new Uint8Array(funcCount),
  };
  const files = Array.from({ length: 40 }, (_, i) => {
    strings.push(`/srv/app/pkg${i % 7}/module_${i}.py`);
    return strings.length - 1;
  });
  for (let f = 0; f < funcCount; f++) {
    strings.push(f === 0 ? '<unknown>' : `handler_${f % 97}.step_${f}`);
    funcs.name[f] = strings.length - 1;
    funcs.file[f] = files[f % files.length]!;
    funcs.line[f] = 10 + (f % 900);
    funcs.kind[f] = f % 5 === 0 ? FuncKind.C : FuncKind.Python;
  }
  const pickFunc = () => 1 + Math.floor(Math.pow(rand(), 2.5) * (funcCount - 1));

  const lanes = processes * threadsPerProcess;
  const per = Math.floor(n / lanes);
  const threads: ThreadLane[] = [];
  const procs: ProcessInfo[] = [];
  for (let p = 0; p < processes; p++) {
    const info: ProcessInfo = {
      index: p,
      pid: 4000 + p,
      ppid: p === 0 ? 1 : 4000,
      parent: p === 0 ? -1 : 0,
      name: p === 0 ? 'bench.py' : `worker-${p}`,
      argv: ['python', 'bench.py'],
      exe: '/usr/bin/python3',
      python: '3.11.7',
      forkOf: null,
      startNs: 0,
      endNs: 0,
      end: { how: 'exit', code: 0, signal: null, text: 'exited with status 0' },
      threads: [],
      droppedEvents: 0,
      truncatedBytes: 0,
    };
    for (let k = 0; k < threadsPerProcess; k++) {
      const count = threads.length === lanes - 1 ? n - per * (lanes - 1) : per;
      const slices = laneSlices(count, rand, pickFunc);
      const index = threads.length;
      const end = count > 0 ? slices.start[0]! + totalSpan(slices) : 0;
      threads.push({ index, process: p, serial: k, ident: 1000 + index, native: 5000 + index, name: k === 0 ? 'MainThread' : `worker-thread-${k}`, isMain: k === 0, startNs: 0, endNs: end, slices, unmatchedExits: 0 });
      info.threads.push(index);
      info.endNs = Math.max(info.endNs, end);
    }
    procs.push(info);
  }
  return { originNs: '1000000000', strings, funcs, processes: procs, threads, meta: { command: ['python', 'bench.py', `(${n} slices)`], recordedAt: 0, warnings: [] } };
}

function totalSpan(s: SliceTable): number {
  let end = 0;
  for (let i = 0; i < s.count; i++) if (s.depth[i] === 0) end = Math.max(end, s.start[i]! + s.dur[i]!);
  return end - s.start[0]!;
}

/** Pre-order slices: top-level calls, each a random tree; durations are sums of children plus self. */
function laneSlices(n: number, rand: () => number, pickFunc: () => number): SliceTable {
  const s: SliceTable = { count: n, start: new Float64Array(n), dur: new Float64Array(n), func: new Int32Array(n), depth: new Uint16Array(n), flags: new Uint8Array(n) };
  let i = 0;
  let t = 1000;
  // Children are written after their parent; the parent's duration is known when its subtree ends.
  const stack: number[] = [];
  const budget: number[] = [];
  while (i < n) {
    // Open a node at depth stack.length.
    const depth = stack.length;
    s.start[i] = t;
    s.func[i] = pickFunc();
    s.depth[i] = depth;
    t += 50 + Math.floor(rand() * 400); // self time before the first child
    stack.push(i);
    budget.push(depth >= 24 ? 0 : Math.floor(rand() * (depth < 2 ? 40 : depth < 8 ? 5 : 2.2)));
    i++;
    // Close nodes whose children are done.
    while (stack.length > 0 && (budget[budget.length - 1]! <= 0 || i >= n)) {
      const j = stack.pop()!;
      budget.pop();
      t += 20 + Math.floor(rand() * 200) + (rand() < 0.001 ? 5_000_000 : 0);
      s.dur[j] = t - s.start[j]!;
      if (budget.length > 0) budget[budget.length - 1]!--;
      else t += Math.floor(rand() * 2000) + (rand() < 0.01 ? 2_000_000 : 0);
    }
  }
  return s;
}

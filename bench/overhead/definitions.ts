// What the benchmark measures: the checkout's paths, the workloads (programs and sizes) and the
// tools (their ids, labels, the modules they need, VizTracer's memory model).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The checkout: this file runs as dist/bench/overhead/definitions.js. */
export const ROOT = resolve(HERE, '..', '..', '..');
export const BENCH = join(ROOT, 'bench');
const PROGRAMS = join(BENCH, 'programs');

export interface Workload {
  id: string;
  label: string;
  program: string;
  /** Size argument: full run, --quick run. */
  size: number;
  quickSize: number;
  extraArgs: string[];
  about: string;
}

export const WORKLOADS: Workload[] = [
  {
    id: 'fib',
    label: 'call-heavy (fib)',
    program: 'fib.py',
    size: 35,
    quickSize: 27,
    extraArgs: [],
    about: 'recursive fib(N): Python calls only, ~1 s untraced on CPython 3.11 at N=35 on this machine',
  },
  {
    id: 'mixed',
    label: 'mixed realistic',
    program: 'mixed.py',
    size: 2000,
    quickSize: 200,
    extraArgs: [],
    about: 'json dumps/loads, regex, small classes, comprehensions, f-strings, dict/list work',
  },
  {
    id: 'threaded',
    label: 'threaded (4 threads)',
    program: 'threaded.py',
    size: 800,
    quickSize: 100,
    extraArgs: ['4'],
    about: '4 CPU-bound threads calling small functions that do a little arithmetic (and a little recursion), ~5M calls/s untraced',
  },
];

export function programArgs(w: Workload, size: number): string[] {
  return [join(PROGRAMS, w.program), String(size), ...w.extraArgs];
}

export type ToolId = 'untraced' | 'cprofile' | 'weft' | 'weft-py' | 'weft-noop' | 'viztracer' | 'viztracer-full' | 'pyinstrument' | 'yappi';
export const TOOL_IDS: ToolId[] = ['untraced', 'cprofile', 'weft', 'weft-py', 'weft-noop', 'viztracer', 'viztracer-full', 'pyinstrument', 'yappi'];
/** Run only when asked for with --tools: weft's other agents, for its own developers. */
export const OPT_IN: ToolId[] = ['weft-py', 'weft-noop'];
/** `weft run --agent` of the opt-in weft variants. */
export const WEFT_AGENT: Partial<Record<ToolId, string>> = { 'weft-py': 'py', 'weft-noop': 'c-noop' };
export const TOOL_LABEL: Record<ToolId, string> = {
  untraced: 'untraced',
  cprofile: 'cProfile',
  weft: 'weft',
  'weft-py': 'weft --agent py',
  'weft-noop': 'weft --agent c-noop',
  viztracer: 'VizTracer',
  'viztracer-full': 'VizTracer full',
  pyinstrument: 'pyinstrument',
  yappi: 'yappi',
};
/** The Python module a tool needs in the interpreter under test. */
export const TOOL_MODULE: Partial<Record<ToolId, string>> = { viztracer: 'viztracer', 'viztracer-full': 'viztracer', pyinstrument: 'pyinstrument', yappi: 'yappi' };

/** VizTracer's default ring buffer (--tracer_entries). */
export const VIZ_DEFAULT_ENTRIES = 1_000_000;
/**
 * Peak RSS per entry of VizTracer when it keeps everything, measured on this machine (3.46 GB for
 * fib(30)'s 2.7M calls with a 4M-entry buffer: the buffer plus the Python objects built to save
 * the JSON). A run whose estimate exceeds MEM_SHARE of the available memory is skipped.
 */
export const VIZ_BYTES_PER_ENTRY = 1300;
export const MEM_SHARE = 0.6;

// What a run of the benchmark collects per interpreter and workload, and the statistics over it.
import type { SessionCounts } from '../weft-streams.js';
import type { ToolId, Workload } from './definitions.js';
import type { Interpreter } from './interpreter.js';
import type { Sample } from './measure.js';
import type { Options } from './options.js';
import type { WeftCopy } from './weft-copy.js';

export interface Cell {
  samples: Sample[];
  skipped?: string;
}

export interface WeftSizes {
  session: Omit<SessionCounts, 'endNs'>;
  weftFileBytes: number;
  /** Round 1: from the end of the work to the agent closing its stream (final flush, exit). */
  workEndToAgentEndNs: number | null;
  /** Round 1: from the agent closing its stream to weft's exit (decode, build, write). */
  agentEndToExitNs: number | null;
}

interface VizSizes {
  fileBytes: number;
  keptEvents: number;
  entries: number;
}

export interface WorkloadResult {
  workload: Workload;
  size: number;
  args: string[];
  programCalls: number | null;
  checksum: number | null;
  cells: Map<ToolId, Cell>;
  weft: WeftSizes | null;
  viz: Partial<Record<'viztracer' | 'viztracer-full', VizSizes>>;
  notes: string[];
}

export interface InterpreterResult {
  py: Interpreter;
  workloads: WorkloadResult[];
  elapsedNs: number;
}

/** The whole run, as printed and as written to the JSON. */
export interface RunSummary {
  opts: Options;
  startedAt: string;
  loadBefore: number[];
  loadAfter: number[];
  /** Why the build may be stale, or null. */
  stale: string | null;
  weft: WeftCopy | null;
  results: InterpreterResult[];
  elapsedNs: number;
}

// statistics

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function okSamples(cell: Cell | undefined): Sample[] {
  return cell ? cell.samples.filter((s) => s.ok) : [];
}

export function medianOf(cell: Cell | undefined, key: 'wallNs' | 'workNs' | 'afterWorkNs' | 'maxRssKb'): number | null {
  return median(okSamples(cell).map((s) => s[key]).filter((v): v is number => v !== null));
}

/** (max - min) / median of a cell's wall times. */
export function spread(cell: Cell | undefined): number | null {
  const v = okSamples(cell).map((s) => s.wallNs);
  const m = median(v);
  if (m === null || v.length < 2) return null;
  return (Math.max(...v) - Math.min(...v)) / m;
}

// The Trace: everything weft knows about one run, held as columns (typed arrays) plus one
// string table, never one object per event. Processes and threads are few and stay objects.
//
// Times inside the model are nanoseconds relative to `originNs` (stored as float64, exact up to
// 2^53 ns = 104 days of trace), so absolute CLOCK_MONOTONIC values never lose precision.

export const enum FuncKind {
  Python = 1,
  C = 2,
  Mark = 3,
}

/** Slice flag bits. */
export const enum SliceFlag {
  /** The function had not returned when the trace ended (process killed, thread still running). */
  Unfinished = 1,
  /** The function ended by an exception. */
  Unwound = 2,
}

/** Functions, struct-of-arrays. Index 0 is a placeholder ("<unknown>"). */
export interface FuncTable {
  count: number;
  name: Int32Array; // string id
  file: Int32Array; // string id ("" for C functions)
  line: Int32Array;
  kind: Uint8Array; // FuncKind
}

/** A thread's call slices in pre-order (sorted by start, parents before children). */
export interface SliceTable {
  count: number;
  start: Float64Array; // ns since trace origin
  dur: Float64Array; // ns
  func: Int32Array; // index into FuncTable
  depth: Uint16Array; // 0 = outermost
  flags: Uint8Array; // SliceFlag bits
}

export interface ThreadLane {
  /** Position in Trace.threads. */
  index: number;
  /** Position in Trace.processes. */
  process: number;
  /** Serial number within its process (0 = main thread), never reused. */
  serial: number;
  /** threading.get_ident() */
  ident: number;
  /** OS thread id (what perf and /proc call tid). */
  native: number;
  name: string;
  isMain: boolean;
  /** ns since origin: first and last event seen. */
  startNs: number;
  endNs: number;
  slices: SliceTable;
  /** Exits without a matching entry (frames entered before tracing began), ignored. */
  unmatchedExits: number;
}

export interface ProcessEnd {
  /** exit: normal interpreter exit; os._exit; signal: died by a signal (code = signal number);
   *  crash: fatal signal seen by faulthandler; unknown: no end record (SIGKILL, power loss). */
  how: 'exit' | 'os._exit' | 'signal' | 'crash' | 'unknown';
  code: number | null;
  signal: number | null;
  /** Human readable, e.g. "killed by SIGKILL", "exited with status 3". */
  text: string;
  /** faulthandler's report for crashes. */
  fault?: string;
}

export interface ProcessInfo {
  index: number;
  pid: number;
  ppid: number;
  /** Position in Trace.processes of the parent, or -1 when it is not in the trace. */
  parent: number;
  /** Display name: multiprocessing name, or a short form of the command. */
  name: string;
  argv: string[];
  exe: string;
  python: string;
  /** Pid of the process this one was forked from (os.fork), or null. */
  forkOf: number | null;
  startNs: number;
  endNs: number;
  end: ProcessEnd;
  /** Indices into Trace.threads, main thread first. */
  threads: number[];
  /** Events the agent did not keep (ring buffer), and unreadable bytes at the end of a stream. */
  droppedEvents: number;
  truncatedBytes: number;
}

export interface Trace {
  /** Absolute CLOCK_MONOTONIC ns of time 0, as a decimal string (may exceed 2^53). */
  originNs: string;
  strings: string[];
  funcs: FuncTable;
  processes: ProcessInfo[];
  threads: ThreadLane[];
  meta: TraceMeta;
  counters?: CounterTable;
  instants?: InstantTable;
  flows?: FlowTable;
  asyncTracks?: AsyncTrack[];
}

export interface TraceMeta {
  /** The command that was traced, as given to weft run. */
  command: string[];
  /** Wall-clock time (ms since epoch) when the run started. */
  recordedAt: number;
  /** Trace-wide warnings worth showing the user (dropped events, truncated streams). */
  warnings: string[];
}

// ---- Optional tables (Chrome-trace imports today; GIL, tasks and findings later). A Trace
// without them is complete: writers and analyses that do not know them ignore them.

/** Counter samples (Chrome `C` events), struct-of-arrays, sorted by series then time. */
export interface CounterTable {
  /** One row per series: a counter name (and arg key) within a process. */
  series: CounterSeries[];
  count: number;
  ts: Float64Array; // ns since trace origin
  value: Float64Array;
}

export interface CounterSeries {
  /** Position in Trace.processes. */
  process: number;
  name: string;
  /** Samples of this series: rows [offset, offset + count) of the counter columns. */
  offset: number;
  count: number;
}

export const enum InstantScope {
  Thread = 0,
  Process = 1,
  Global = 2,
}

/** Instant events (Chrome `i`/`I`/`R`), sorted by time. */
export interface InstantTable {
  count: number;
  ts: Float64Array;
  name: Int32Array; // string id
  /** Position in Trace.processes, -1 for global instants. */
  process: Int32Array;
  /** Position in Trace.threads, -1 unless thread-scoped. */
  thread: Int32Array;
  scope: Uint8Array; // InstantScope
}

/** Flow arrows (Chrome `s`/`t`/`f`): one row per arrow from one thread's moment to another's. */
export interface FlowTable {
  count: number;
  name: Int32Array; // string id
  fromThread: Int32Array; // position in Trace.threads
  fromTs: Float64Array;
  toThread: Int32Array;
  toTs: Float64Array;
}

/** Slices that are not a thread's call stack (Chrome async `b`/`e`), packed into lanes. */
export interface AsyncTrack {
  /** Position in Trace.processes. */
  process: number;
  name: string;
  /** Names are FuncTable rows of kind Mark; pre-order, no overlap within a depth. */
  slices: SliceTable;
}

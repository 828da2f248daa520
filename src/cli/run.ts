// weft run [options] (script.py | -m module | -c code) [program arguments...]
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeWeftFile } from '../formats/weft-file.js';
import { SessionReader } from '../model/session-reader.js';
import type { Trace } from '../model/trace.js';
import { describeExit, runTarget, shellStatus, type TargetExit } from '../record/launch.js';
import { AGENT_MODES, builderArgs, chooseAgent, type AgentMode } from '../record/fast-agent.js';
import { findPython } from '../record/python.js';
import { createSession, removeSession, streamFiles, type AgentOptions } from '../record/session.js';
import { checkScript, pythonArgs, targetStem, type Target } from '../record/target.js';
import { describeReport, type HtmlReport, reportFits, writeHtmlReport } from '../report/html-report.js';
import { printRunSummary } from '../report/run-summary.js';
import { openInBrowser } from '../server/open-browser.js';
import { UserError } from '../util/errors.js';
import { startProgress } from '../util/progress.js';
import { parseDuration } from '../util/units.js';
import { hasFlag, intOption, optionValue, parseArgs, type OptionSpec } from './args.js';
import { writeTrace, outputKind } from './output.js';

/** Written next to the trace by every run, as the viewer's single-file form. */
const REPORT_NAME = 'weft-report.html';

const SPECS: OptionSpec[] = [
  { name: 'output', short: 'o', value: true },
  { name: 'module', short: 'm', value: true },
  { name: 'command', short: 'c', value: true },
  { name: 'python', value: true },
  { name: 'no-c-calls' },
  { name: 'include', value: true, repeat: true },
  { name: 'exclude', value: true, repeat: true },
  { name: 'max-depth', value: true },
  { name: 'min-duration', value: true },
  { name: 'ring', value: true },
  { name: 'show-imports' },
  { name: 'agent', value: true },
  { name: 'keep-session' },
  { name: 'no-report' },
  { name: 'open' },
  { name: 'quiet', short: 'q' },
  { name: 'help', short: 'h' },
];

export const RUN_HELP = `usage: weft run [options] script.py [args...]
       weft run [options] -m module [args...]
       weft run [options] -c code [args...]

Runs the program under the weft agent, tracing every thread and every child Python process,
and writes the trace. The program's arguments, stdin/stdout/stderr and exit status are its own;
weft writes to stderr only.

options (before the script):
  -o, --output FILE      trace file: .weft (default: <script>.weft here), .json or .json.gz (Chrome trace)
  --python PY            interpreter to trace: a name on PATH or a path (default: python3)
  --no-c-calls           leave out C functions (builtins, methods)
  --include GLOB         record only functions whose file matches (repeatable; a folder means all below it)
  --exclude GLOB         leave out functions whose file matches (repeatable)
  --max-depth N          record calls only down to stack depth N
  --min-duration DUR     drop calls shorter than DUR (e.g. 50us, 1ms) from the trace
  --ring N               keep only about the newest N events per process (older ones are counted)
  --show-imports         keep the import machinery (<frozen importlib...>), hidden by default
  --agent MODE           auto (default): the C agent, built once per interpreter, else pure Python;
                         c: the C agent or an error; py: the pure-Python agent;
                         c-noop: the C hooks doing nothing (the benchmarks' floor; no events)
  --keep-session         keep the raw per-process streams (printed path)
  --no-report            do not write weft-report.html (the timeline viewer) next to the trace
  --open                 open the report in the browser when the program ends
  -q, --quiet            no summary, only errors
`;

export async function runCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, SPECS, 'run');
  if (hasFlag(parsed, 'help')) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const target = readTarget(parsed.options, parsed.rest);
  const minDurationNs = readMinDuration(optionValue(parsed, 'min-duration'));
  const agentOptions: AgentOptions = {
    c_calls: !hasFlag(parsed, 'no-c-calls'),
    include: parsed.options.get('include') ?? [],
    exclude: parsed.options.get('exclude') ?? [],
    max_depth: intOption(parsed, 'max-depth', 1) ?? 0,
    ring: intOption(parsed, 'ring', 1000) ?? 0,
    show_imports: hasFlag(parsed, 'show-imports'),
    flush_ms: 50,
  };
  const output = resolve(optionValue(parsed, 'output') ?? `${targetStem(target)}.weft`);
  outputKind(output); // rejects an unknown extension before the program runs
  if (!existsSync(dirname(output)) || !statSync(dirname(output)).isDirectory()) {
    throw new UserError(`cannot write '${output}': no such folder '${dirname(output)}'`);
  }
  const mode = readAgentMode(optionValue(parsed, 'agent'));
  const python = findPython(optionValue(parsed, 'python'), builderArgs(mode));
  const quiet = hasFlag(parsed, 'quiet');
  const agent = chooseAgent(mode, python.builderOutput, (line) => {
    if (!quiet) process.stderr.write(`${line}\n`);
  });
  if (agent.notice) process.stderr.write(`${agent.notice}\n`);
  agentOptions.agent = agent.agent;
  if (agent.fastSo) agentOptions.fast_so = agent.fastSo;
  if (agent.fastVariant && agent.fastVariant !== 'full') agentOptions.fast_variant = agent.fastVariant;

  const session = createSession(agentOptions);
  const reader = new SessionReader(session.dir, { minDurationNs });
  // Decoding while the program runs uses a core the program does not (on one core it would only
  // slow the program down). With --ring the agent deletes old segments, which must not be read
  // before it does.
  const follower = agentOptions.ring === 0 && availableParallelism() > 1 ? reader.follow() : null;
  let exit: TargetExit;
  try {
    exit = await runTarget(python.executable, pythonArgs(target), session.env);
  } catch (e) {
    await follower?.stop();
    removeSession(session.dir);
    throw new UserError(`cannot start '${python.executable}': ${(e as Error).message}`);
  }
  await follower?.stop();
  const status = shellStatus(exit);
  if (streamFiles(session.dir).length === 0) {
    removeSession(session.dir);
    process.stderr.write(`weft: the program ${describeExit(exit)} before the agent started; no trace was written\n`);
    return status || 1;
  }

  let trace: Trace;
  let report: Promise<HtmlReport> | null = null;
  const progress = startProgress(quiet ? null : process.stderr);
  try {
    trace = reader.finish(progress.update);
    noteRootExit(trace, exit);
    trace.meta.command = [python.requested, ...pythonArgs(target)];
    // The report and the trace file are written at the same time on libuv's threads, from the
    // same bytes when both are .weft.
    const wantReport = !hasFlag(parsed, 'no-report');
    const weftBytes = wantReport && outputKind(output) === 'weft' && reportFits(trace) ? encodeWeftFile(trace) : undefined;
    if (wantReport) report = writeReport(trace, join(dirname(output), REPORT_NAME), weftBytes);
    await writeTrace(trace, output, progress, weftBytes);
  } catch (e) {
    progress.finish();
    process.stderr.write(
      `weft: could not write the trace: ${(e as Error).message}\n` +
        `weft: the recorded streams are kept in ${session.dir} (weft stats ${session.dir} reads them)\n`,
    );
    await tellReport(report, quiet, false);
    return status || 1;
  }
  progress.finish();
  if (!quiet) printRunSummary(trace, exit, output, process.stderr);
  await tellReport(report, quiet, hasFlag(parsed, 'open'));
  if (hasFlag(parsed, 'keep-session')) {
    process.stderr.write(`weft: raw streams kept in ${session.dir}\n`);
  } else {
    removeSession(session.dir);
  }
  return status;
}

/** The timeline next to the trace. A report that cannot be written is a warning, not a failure
 *  of the run. */
async function writeReport(trace: Trace, path: string, weftBytes: Uint8Array | undefined): Promise<HtmlReport> {
  try {
    return await writeHtmlReport(trace, path, { weftBytes });
  } catch (e) {
    return { written: false, path, reason: (e as Error).message };
  }
}

async function tellReport(report: Promise<HtmlReport> | null, quiet: boolean, open: boolean): Promise<void> {
  const r = await report;
  if (!r) return;
  if (!quiet || !r.written) process.stderr.write(`weft: ${describeReport(r)}\n`);
  if (open && r.written && !(await openInBrowser(pathToFileURL(r.path).href))) {
    process.stderr.write(`weft: could not start a browser; open ${r.path}\n`);
  }
}

function readTarget(options: Map<string, string[]>, rest: string[]): Target {
  const module = options.get('module')?.[0];
  const code = options.get('command')?.[0];
  if (module !== undefined) return { kind: 'module', module, args: rest };
  if (code !== undefined) return { kind: 'command', code, args: rest };
  if (rest.length === 0) throw new UserError('nothing to run: give a script, -m module or -c code (see weft run --help)');
  const [path, ...args] = rest as [string, ...string[]];
  checkScript(path);
  return { kind: 'script', path, args };
}

function readAgentMode(text: string | undefined): AgentMode {
  if (text === undefined) return 'auto';
  if (!(AGENT_MODES as string[]).includes(text)) throw new UserError(`--agent takes auto, c, py or c-noop, not '${text}'`);
  return text as AgentMode;
}

function readMinDuration(text: string | undefined): number {
  if (text === undefined) return 0;
  const ns = parseDuration(text);
  if (ns === null) throw new UserError(`--min-duration takes a duration like 50us, 2ms or 0.5s, not '${text}'`);
  return ns;
}

/** The root process's end as the OS reported it: more exact than what its agent could see. */
function noteRootExit(trace: Trace, exit: TargetExit): void {
  const root = trace.processes.find((p) => p.pid === exit.pid && p.forkOf === null);
  if (!root) return;
  if (exit.signal) {
    const crashed = root.end.how === 'crash';
    root.end = { ...root.end, how: crashed ? 'crash' : 'signal', code: null, signal: shellStatus(exit) - 128, text: `killed by ${exit.signal}` };
  } else {
    root.end = { ...root.end, how: root.end.how === 'os._exit' ? 'os._exit' : 'exit', code: exit.code, signal: null, text: `exited with status ${exit.code}` };
  }
}

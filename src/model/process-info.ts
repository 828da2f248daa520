// How a process is named and how its end is told to the user. The rules are about what a person
// recognises in a process list: the multiprocessing name when there is one, else the script and
// its arguments, with multiprocessing's helper processes called by their role instead of their
// `-c` one-liners.

import type { ProcessEnd } from './trace.js';
import { type MetaRecord, metaInt } from '../stream/meta-json.js';

const MAX_NAME = 48;

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS',
  8: 'SIGFPE', 9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE',
  14: 'SIGALRM', 15: 'SIGTERM', 16: 'SIGSTKFLT', 17: 'SIGCHLD', 18: 'SIGCONT', 19: 'SIGSTOP',
  20: 'SIGTSTP', 21: 'SIGTTIN', 22: 'SIGTTOU', 23: 'SIGURG', 24: 'SIGXCPU', 25: 'SIGXFSZ',
  26: 'SIGVTALRM', 27: 'SIGPROF', 28: 'SIGWINCH', 29: 'SIGIO', 30: 'SIGPWR', 31: 'SIGSYS',
};

/** faulthandler's "Fatal Python error: <what>" for each signal it handles. */
const FAULTS: [string, number][] = [
  ['Segmentation fault', 11],
  ['Bus error', 7],
  ['Floating point exception', 8],
  ['Aborted', 6],
  ['Illegal instruction', 4],
];

const MP_HELPERS: [RegExp, string][] = [
  [/multiprocessing\.spawn import spawn_main/, 'spawn child'],
  [/multiprocessing\.forkserver import main/, 'forkserver'],
  [/multiprocessing\.resource_tracker import main/, 'resource_tracker'],
  [/multiprocessing\.semaphore_tracker import main/, 'semaphore_tracker'],
];

export function signalName(n: number): string {
  return SIGNALS[n] ?? `signal ${n}`;
}

/** The display name: multiprocessing's name unless it is the default, else the short command. */
export function processName(argv: string[], mpName: string | null, pid: number): string {
  if (mpName && mpName !== 'MainProcess') return mpName;
  return shortCommand(argv) || `pid ${pid}`;
}

/** `python3 -u app.py -v` -> "app.py -v"; `python -m http.server` -> "-m http.server". */
export function shortCommand(argv: string[]): string {
  if (argv.length === 0) return '';
  if (!isInterpreter(basename(argv[0]!))) return shorten([basename(argv[0]!), ...argv.slice(1)]);
  let i = 1;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '-') return shorten(['<stdin>', ...argv.slice(i + 1)]);
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-')) break;
    if (a === '-X' || a === '-W' || a === '--check-hash-based-pycs') {
      i += 2;
      continue;
    }
    if (a.startsWith('--')) {
      i++;
      continue;
    }
    // A cluster of one-letter options ("-uB"); -c and -m end it and take the rest as their value.
    for (let j = 1; j < a.length; j++) {
      const letter = a[j];
      if (letter === 'X' || letter === 'W') break;
      if (letter === 'c' || letter === 'm') {
        const attached = a.slice(j + 1);
        const value = attached || argv[i + 1] || '';
        const rest = argv.slice(attached ? i + 1 : i + 2);
        return letter === 'c' ? commandName(value, rest) : shorten(['-m', value, ...rest]);
      }
    }
    i++;
  }
  if (i >= argv.length) return basename(argv[0]!);
  return shorten([basename(argv[i]!), ...argv.slice(i + 1)]);
}

function commandName(code: string, rest: string[]): string {
  for (const [pattern, name] of MP_HELPERS) if (pattern.test(code)) return name;
  return shorten(['-c', code.trim().split('\n')[0]!, ...rest]);
}

function isInterpreter(name: string): boolean {
  return /^(python|pypy)[\d.]*[a-z]*(\.exe)?$/i.test(name);
}

function basename(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut >= 0 ? path.slice(cut + 1) : path;
}

function shorten(parts: string[]): string {
  const text = parts.join(' ').replace(/\s+/g, ' ').trim();
  return text.length > MAX_NAME ? text.slice(0, MAX_NAME - 1) + '…' : text;
}

/** The end of a process from its `end` record and faulthandler's report (empty when none). */
export function processEnd(end: MetaRecord | null, fault: string): ProcessEnd {
  if (fault.trim() !== '') {
    const m = /Fatal Python error: ([^\n]*)/.exec(fault);
    const what = m ? m[1]!.trim() : '';
    const known = FAULTS.find(([text]) => what.startsWith(text));
    const signal = known ? known[1] : null;
    const text = known
      ? `crashed: ${known[0]} (${signalName(known[1])})`
      : what
        ? `crashed: ${what}`
        : 'crashed (see the fault report)';
    return { how: 'crash', code: signal, signal, text, fault };
  }
  if (!end) return { how: 'unknown', code: null, signal: null, text: 'ended without a trace (killed?)' };
  const code = metaInt(end.code);
  const signal = metaInt(end.signal);
  switch (end.how) {
    case 'exit':
      return {
        how: 'exit',
        code,
        signal: null,
        text: code === 0 || code === null ? 'exited normally' : `exited with status ${code}`,
      };
    case 'os._exit':
      return { how: 'os._exit', code, signal: null, text: `os._exit(${code ?? '?'})` };
    case 'signal': {
      const sig = signal ?? code;
      return {
        how: 'signal',
        code: sig,
        signal: sig,
        text: sig === null ? 'killed by a signal' : `killed by ${signalName(sig)}`,
      };
    }
    default:
      return { how: 'unknown', code, signal, text: `ended (${String(end.how)})` };
  }
}

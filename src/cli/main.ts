// weft's command line: one command per file; this one only dispatches and turns a user's
// mistake into one line and a non-zero status.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { packageRoot } from '../util/paths.js';

const HELP = `weft: see and fix the performance of concurrent Python programs

usage: weft <command> [options]

commands:
  run      trace a Python program (every thread and child process) into a trace file
  stats    function table of a trace (ncalls, tottime, cumtime, ...)
  convert  write a trace in another format (.weft, .json, .json.gz)
  check    which agent (C fast path or pure Python) each Python interpreter would use, and why
  view     open a trace in the timeline viewer (served on 127.0.0.1, or -o FILE.html)

weft <command> --help tells more.
`;

type Command = (args: string[]) => Promise<number>;

// Loaded on demand: every command's modules at start would add ~10 ms to each `weft run`.
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.js')).runCommand,
  stats: async () => (await import('./stats.js')).statsCommand,
  convert: async () => (await import('./convert.js')).convertCommand,
  check: async () => (await import('./check.js')).checkCommand,
  view: async () => (await import('./view.js')).viewCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-V') {
      const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
      process.stdout.write(`weft ${pkg.version}\n`);
      return 0;
    }
    const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) throw new UserError(`unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return await (await load())(args);
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`weft: ${e.message}\n`);
      return e.exitCode;
    }
    if (process.env.WEFT_DEBUG) throw e;
    process.stderr.write(`weft: internal error: ${(e as Error).message} (set WEFT_DEBUG=1 for details)\n`);
    return 70;
  }
}

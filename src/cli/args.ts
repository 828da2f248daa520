// A small option reader shared by the commands: options first, and for `weft run` everything
// from the first positional argument on belongs to the program, untouched.
import { UserError } from '../util/errors.js';

export interface OptionSpec {
  /** Long name without dashes, e.g. "output". */
  name: string;
  short?: string;
  /** Takes a value (the next argument, or after "="). */
  value?: boolean;
  /** May be given several times (values collected). */
  repeat?: boolean;
}

export interface ParsedArgs {
  options: Map<string, string[]>;
  /** Arguments from the first positional one on (or after "--"). */
  rest: string[];
}

export function parseArgs(argv: string[], specs: OptionSpec[], command: string, stopAtPositional = true): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const options = new Map<string, string[]>();
  const rest: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (stopAtPositional) {
        rest.push(...argv.slice(i));
        break;
      }
      rest.push(arg);
      i++;
      continue;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      spec = byLong.get(name);
    } else {
      spec = byShort.get(arg.slice(1, 2));
      if (arg.length > 2) inline = arg.slice(2);
    }
    if (!spec) throw new UserError(`unknown option '${arg}' (see weft ${command} --help)`);
    let value = '';
    if (spec.value) {
      if (inline !== undefined) value = inline;
      else if (i + 1 < argv.length) value = argv[++i]!;
      else throw new UserError(`option '${arg}' needs a value (see weft ${command} --help)`);
    } else if (inline !== undefined) {
      throw new UserError(`option '--${spec.name}' takes no value`);
    }
    const list = options.get(spec.name) ?? [];
    if (list.length && !spec.repeat) throw new UserError(`option '--${spec.name}' given twice`);
    list.push(value);
    options.set(spec.name, list);
    i++;
    // -m and -c end weft's options, as they end python's.
    if (spec.name === 'module' || spec.name === 'command') {
      rest.push(...argv.slice(i));
      break;
    }
  }
  return { options, rest };
}

export function optionValue(parsed: ParsedArgs, name: string): string | undefined {
  return parsed.options.get(name)?.[0];
}

export function hasFlag(parsed: ParsedArgs, name: string): boolean {
  return parsed.options.has(name);
}

export function intOption(parsed: ParsedArgs, name: string, min = 0): number | undefined {
  const text = optionValue(parsed, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) {
    throw new UserError(`--${name} takes a whole number${min > 0 ? ` of at least ${min}` : ''}, not '${text}'`);
  }
  return Number(text);
}

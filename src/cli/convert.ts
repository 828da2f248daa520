// weft convert TRACE -o OUTPUT: the same trace in another format.
import { readTrace } from '../model/build.js';
import { UserError } from '../util/errors.js';
import { startProgress } from '../util/progress.js';
import { hasFlag, optionValue, parseArgs } from './args.js';
import { outputKind, writeTrace } from './output.js';

const HELP = `usage: weft convert TRACE -o OUTPUT

TRACE is a .weft file or a session folder of raw streams; OUTPUT ends in .weft, .json (Chrome
Trace Event format, for Perfetto and chrome://tracing) or .json.gz.
`;

export async function convertCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, [{ name: 'output', short: 'o', value: true }, { name: 'help', short: 'h' }], 'convert', false);
  if (hasFlag(parsed, 'help')) {
    process.stdout.write(HELP);
    return 0;
  }
  const output = optionValue(parsed, 'output');
  if (parsed.rest.length !== 1 || !output) throw new UserError('usage: weft convert TRACE -o OUTPUT');
  outputKind(output);
  const progress = startProgress();
  const trace = await readTrace(parsed.rest[0]!);
  await writeTrace(trace, output, progress);
  progress.finish();
  process.stderr.write(`weft: wrote ${output}\n`);
  return 0;
}

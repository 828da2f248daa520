// weft view FILE [--port N] [--host H] [-o report.html]: open a trace in the browser viewer.
// FILE is a .weft file, a session folder or Chrome-trace JSON (.json, .json.gz) from any tool.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readTrace } from '../model/build.js';
import { describeReport, writeHtmlReport } from '../report/html-report.js';
import { viewerEntry } from '../server/bundle.js';
import { openInBrowser } from '../server/open-browser.js';
import { isLoopback, serveTrace } from '../server/server.js';
import { UserError } from '../util/errors.js';
import { hasFlag, intOption, optionValue, parseArgs } from './args.js';

export const VIEW_HELP = `usage: weft view FILE [--port N] [--host H]
       weft view FILE -o report.html

Opens a trace in weft's timeline viewer. FILE is a .weft file, a session folder, or Chrome
Trace Event JSON (.json or .json.gz) written by weft or any other tool.

options:
  --port N          port to serve on (default 8990, or a free one when that is taken)
  --host H          address to listen on (default 127.0.0.1: this machine only); 0.0.0.0 lets
                    other machines connect and read the trace
  --open            open the page in the browser
  -o, --output F    write a self-contained HTML report to F instead of serving
  -h, --help        show this help
`;

const DEFAULT_PORT = 8990;


export async function viewCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(
    argv,
    [
      { name: 'port', value: true },
      { name: 'host', value: true },
      { name: 'output', short: 'o', value: true },
      { name: 'open' },
      { name: 'help', short: 'h' },
    ],
    'view',
    false,
  );
  if (hasFlag(parsed, 'help')) {
    process.stdout.write(VIEW_HELP);
    return 0;
  }
  const [file, extra] = parsed.rest;
  if (file === undefined) throw new UserError('weft view needs a trace file (usage: weft view FILE [--port N] [--host H])');
  if (extra !== undefined) throw new UserError(`unexpected argument '${extra}' (weft view opens one trace)`);
  const port = intOption(parsed, 'port');
  if (port !== undefined && port > 65535) throw new UserError(`--port takes a port number up to 65535, not ${port}`);
  const host = optionValue(parsed, 'host') ?? '127.0.0.1';
  const output = optionValue(parsed, 'output');
  viewerEntry(); // a missing viewer build is said before a long read

  const trace = await readTrace(file);
  for (const w of trace.meta.warnings) process.stderr.write(`weft: warning: ${w}\n`);
  if (output !== undefined) {
    if (!output.endsWith('.html')) throw new UserError(`the report is HTML: name it .html, not '${output}'`);
    // made to be shared: smaller matters more than a second
    const r = await writeHtmlReport(trace, output, { gzipLevel: 6 });
    process.stderr.write(`weft: ${describeReport(r)}\n`);
    if (r.written && hasFlag(parsed, 'open') && !(await openInBrowser(pathToFileURL(resolve(output)).href))) {
      process.stderr.write(`weft: could not start a browser: open ${output} yourself\n`);
    }
    return r.written ? 0 : 1;
  }

  let server;
  try {
    server = await serveTrace(trace, { host, port: port ?? DEFAULT_PORT });
  } catch (err) {
    if (port !== undefined || !(err instanceof UserError)) throw err;
    server = await serveTrace(trace, { host, port: 0 });
  }
  if (!isLoopback(host)) {
    process.stderr.write(`weft: listening on ${host}: other machines that reach this one can read the trace\n`);
  }
  process.stderr.write(`weft: viewing ${file} at ${server.url}  (Ctrl-C to stop)\n`);
  if (hasFlag(parsed, 'open') && !(await openInBrowser(server.url))) {
    process.stderr.write(`weft: could not start a browser: open ${server.url} yourself\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

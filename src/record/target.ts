// What the user asked to run, checked before anything starts: a script must exist and be
// something Python can run, so that mistakes get one line from weft instead of a traceback.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { UserError } from '../util/errors.js';

export type Target =
  | { kind: 'script'; path: string; args: string[] }
  | { kind: 'module'; module: string; args: string[] }
  | { kind: 'command'; code: string; args: string[] };

/** The arguments that follow the interpreter: exactly what `python ...` would be given. */
export function pythonArgs(target: Target): string[] {
  switch (target.kind) {
    case 'script':
      return [target.path, ...target.args];
    case 'module':
      return ['-m', target.module, ...target.args];
    case 'command':
      return ['-c', target.code, ...target.args];
  }
}

/** A name for output files: the script or module name. */
export function targetStem(target: Target): string {
  switch (target.kind) {
    case 'script':
      return basename(target.path, extname(target.path)) || 'trace';
    case 'module':
      return target.module.split('.').pop() || 'trace';
    case 'command':
      return 'command';
  }
}

const NOT_PYTHON_EXTENSIONS = new Set([
  '.md', '.txt', '.rst', '.json', '.yaml', '.yml', '.toml', '.ini', '.cfg', '.csv', '.html', '.htm',
  '.css', '.js', '.mjs', '.ts', '.sh', '.c', '.h', '.cpp', '.rs', '.go', '.java', '.png', '.jpg',
  '.gif', '.pdf', '.weft', '.wstream', '.gz', '.so', '.o',
]);

export function checkScript(path: string): void {
  let stat;
  try {
    stat = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError(`cannot find the script '${path}'`);
    throw new UserError(`cannot open the script '${path}': ${(e as Error).message}`);
  }
  if (stat.isDirectory()) {
    try {
      statSync(join(path, '__main__.py'));
      return; // Python runs a folder's __main__.py, and so does weft
    } catch {
      throw new UserError(`'${path}' is a directory without a __main__.py, not a Python script`);
    }
  }
  const head = readHead(path);
  const isZip = head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
  const isPyc = head.length >= 4 && head[2] === 0x0d && head[3] === 0x0a;
  if (isZip || isPyc) return;
  if (head.includes(0)) throw new UserError(`'${path}' is a binary file, not a Python script`);
  const firstLine = head.toString('utf8').split('\n', 1)[0] ?? '';
  const pythonShebang = firstLine.startsWith('#!') && firstLine.includes('python');
  if (NOT_PYTHON_EXTENSIONS.has(extname(path).toLowerCase()) && !pythonShebang) {
    throw new UserError(`'${path}' does not look like a Python script`);
  }
}

function readHead(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UserError(`cannot read the script '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

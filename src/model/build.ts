// `readTrace`, the one entry point for "open whatever trace the user named", and `loadSession`
// for a session folder of streams.

import { open, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { looksLikeChromeJson, readChromeTraceFile } from '../formats/chrome-read.js';
import { readWeftFile } from '../formats/weft-file.js';
import { UserError } from '../util/errors.js';
import { hasStreams, type LoadOptions, SessionReader, STREAM_FILE } from './session-reader.js';
import type { Trace } from './trace.js';

export type { LoadOptions } from './session-reader.js';

/** Reads every process stream of a session folder into one Trace. */
export async function loadSession(dir: string, opts: LoadOptions = {}): Promise<Trace> {
  let any: boolean;
  try {
    any = hasStreams(dir);
  } catch (err) {
    throw fsError(err, dir);
  }
  if (!any) throw new UserError(`${dir} is not a weft session (it holds no .wstream files)`);
  return new SessionReader(dir, opts).finish();
}

/** Opens a .weft file, a session folder, one .wstream file (its process only), or Chrome trace
 *  JSON (.json, .json.gz) from weft or any other tool. */
export async function readTrace(path: string, opts: LoadOptions = {}): Promise<Trace> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw fsError(err, path);
  }
  if (isDir) return loadSession(path, opts);
  const head = await readHead(path, 16);
  const magic = String.fromCharCode(...head.subarray(0, 8));
  if (head.length === 0) throw new UserError(`${path} is empty, not a weft trace`);
  if ('WEFTFILE'.startsWith(magic)) return readWeftFile(path);
  if (magic === 'WEFTSTRM') {
    const m = STREAM_FILE.exec(basename(path));
    if (!m) throw new UserError(`${path}: a stream file must keep its <pid>-<start_ns>-<segment>.wstream name`);
    return new SessionReader(dirname(path), opts, `${m[1]}-${m[2]}`).finish();
  }
  if (looksLikeChromeJson(head)) return readChromeTraceFile(path);
  throw new UserError(`${path} is not a weft trace (expected a .weft file, a session folder or Chrome trace JSON)`);
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw fsError(err, path);
  }
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function fsError(err: unknown, path: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UserError(`${path}: no such file or directory`);
  if (code === 'ENOTDIR') return new UserError(`${path} is not a directory`);
  if (code === 'EACCES' || code === 'EPERM') return new UserError(`${path}: permission denied`);
  if (code === 'EISDIR') return new UserError(`${path} is a directory`);
  return err as Error;
}

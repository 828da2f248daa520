import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/** Writes the pieces in order through a temporary file renamed at the end, so that a crash or a
 *  full disk never leaves half a file under `path`. Returns the bytes written. */
export function writeFileAtomic(path: string, pieces: Iterable<Uint8Array | string>): number {
  const tmp = `${path}.tmp-${process.pid}`;
  let bytes = 0;
  const fd = openSync(tmp, 'w');
  try {
    for (const piece of pieces) {
      const b = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
      let off = 0;
      while (off < b.length) off += writeSync(fd, b, off, b.length - off);
      bytes += b.length;
    }
    closeSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  renameSync(tmp, path);
  return bytes;
}

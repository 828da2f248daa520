import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';

type Piece = Uint8Array | string;

const bytesOf = (piece: Piece): Uint8Array => (typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece);
const tempFor = (path: string) => `${path}.tmp-${process.pid}`;

/** Writes the pieces in order through a temporary file renamed at the end, so that a crash or a
 *  full disk never leaves half a file under `path`. Returns the bytes written. */
export function writeFileAtomic(path: string, pieces: Iterable<Piece>): number {
  const tmp = tempFor(path);
  let bytes = 0;
  const fd = openSync(tmp, 'w');
  try {
    for (const piece of pieces) {
      const b = bytesOf(piece);
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

/** The same on libuv's threads: copying into the page cache is most of what writing a big file
 *  costs, and two files written this way go on in parallel while the main thread works. */
export async function writeFileAtomicAsync(path: string, pieces: Iterable<Piece>): Promise<number> {
  const tmp = tempFor(path);
  let bytes = 0;
  const fh = await open(tmp, 'w');
  try {
    for (const piece of pieces) {
      const b = bytesOf(piece);
      let off = 0;
      while (off < b.length) off += (await fh.write(b, off, b.length - off)).bytesWritten;
      bytes += b.length;
    }
    await fh.close();
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await rename(tmp, path);
  return bytes;
}

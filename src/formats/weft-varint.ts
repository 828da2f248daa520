// The compact codecs of .weft sections (docs/weft-format.md): integers as zigzag LEB128 varints,
// optionally of the difference to the previous value. A slice's start, duration, function and
// depth take 7-8 bytes this way instead of 22 raw, and writing bytes is what a big trace costs
// most (the page cache takes ~2.4 ns per byte on our machines, more than the encoding).
// No Node imports: the viewer decodes the same files in the browser.

type Typed = Float64Array | Int32Array | Uint16Array | Uint8Array;

export type Codec = 'varint' | 'varint-delta';

/** Encoded output comes in chunks of this size (a varint is at most 8 bytes here). */
const CHUNK_BYTES = 1 << 20;
const TWO_POW_28 = 268435456;

export interface Encoded {
  chunks: Uint8Array[];
  byteLength: number;
}

/** The values of `parts`, end to end, in `codec`; null when one of them is not an integer (a
 *  Chrome trace's fractional nanoseconds, say): such a column is stored raw. */
export function encodeVarints(parts: Typed[], codec: Codec): Encoded | null {
  const delta = codec === 'varint-delta';
  const chunks: Uint8Array[] = [];
  let out = new Uint8Array(CHUNK_BYTES);
  let pos = 0;
  let byteLength = 0;
  let prev = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const v = part[i]!;
      const d = delta ? v - prev : v;
      prev = v;
      // zigzag: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ...
      let z = d >= 0 ? d * 2 : -d * 2 - 1;
      if (pos > CHUNK_BYTES - 8) {
        chunks.push(out.subarray(0, pos));
        byteLength += pos;
        out = new Uint8Array(CHUNK_BYTES);
        pos = 0;
      }
      if (z < TWO_POW_28 && (z | 0) === z) {
        // the common case, in 32-bit integer steps
        while (z >= 128) {
          out[pos++] = (z & 127) | 128;
          z >>>= 7;
        }
      } else {
        if (!Number.isSafeInteger(z)) return null;
        while (z >= 128) {
          out[pos++] = (z % 128) | 128;
          z = Math.floor(z / 128);
        }
      }
      out[pos++] = z;
    }
  }
  chunks.push(out.subarray(0, pos));
  byteLength += pos;
  return { chunks, byteLength };
}

/** Decodes exactly `into.length` values from exactly `bytes`; false when the bytes do not hold
 *  that (a damaged file). */
export function decodeVarints(bytes: Uint8Array, codec: Codec, into: Typed): boolean {
  const delta = codec === 'varint-delta';
  const n = into.length;
  const end = bytes.length;
  let pos = 0;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    if (pos >= end) return false;
    let b = bytes[pos++]!;
    let z = b & 127;
    if (b >= 128) {
      let shift = 7;
      let scale = 128;
      do {
        if (pos >= end || shift > 56) return false;
        b = bytes[pos++]!;
        if (shift < 28) z |= (b & 127) << shift;
        else z += (b & 127) * scale;
        shift += 7;
        scale *= 128;
      } while (b >= 128);
    }
    const d = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    const v = delta ? prev + d : d;
    prev = v;
    into[i] = v;
  }
  return pos === end;
}

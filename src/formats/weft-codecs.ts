// The compact codecs of .weft sections (docs/weft-format.md). Writing bytes is what saving a big
// trace costs most (the page cache takes ~2.4 ns per byte on our machines), so the slice columns
// are stored small: start and duration as zigzag LEB128 varints (start as the difference to the
// previous slice's), function and depth as the narrowest unsigned type that holds them. A slice
// takes ~8 bytes this way instead of 23 raw.
// No Node imports: the viewer decodes the same files in the browser.

type Typed = Float64Array | Int32Array | Uint16Array | Uint8Array;

/** varint: each value; varint-delta: each value minus the one before; u8, u16: each value in
 *  that narrower unsigned type. */
export type Codec = 'varint' | 'varint-delta' | 'u8' | 'u16';
export const CODECS: Codec[] = ['varint', 'varint-delta', 'u8', 'u16'];

/** Encoded output comes in chunks of this size (a varint is at most 8 bytes here). */
const CHUNK_BYTES = 1 << 20;
const NARROW_MAX: Record<'u8' | 'u16', number> = { u8: 0xff, u16: 0xffff };

export interface Encoded {
  chunks: Uint8Array[];
  byteLength: number;
}

/** The values of `parts`, end to end, in `codec`; null when a value does not fit the codec (a
 *  fraction of a nanosecond from a Chrome trace, a depth over 255): the caller then tries the
 *  next codec, or stores the column raw. */
export function encodeColumn(parts: Typed[], codec: Codec): Encoded | null {
  if (codec === 'u8' || codec === 'u16') {
    const out = narrow(parts, codec === 'u8' ? new Uint8Array(total(parts)) : new Uint16Array(total(parts)), NARROW_MAX[codec]);
    return out ? { chunks: [new Uint8Array(out.buffer)], byteLength: out.byteLength } : null;
  }
  const writer = new VarintWriter();
  const delta = codec === 'varint-delta';
  for (const part of parts) {
    if (!(part instanceof Float64Array ? writer.f64(part, delta) : writer.ints(part, delta))) return null;
  }
  return writer.done();
}

/** Decodes exactly `into.length` values from exactly `bytes`; false when the bytes do not hold
 *  that (a damaged file). */
export function decodeColumn(bytes: Uint8Array, codec: Codec, into: Typed): boolean {
  if (codec === 'u8' || codec === 'u16') {
    const width = codec === 'u8' ? 1 : 2;
    if (bytes.length !== into.length * width || bytes.byteOffset % width !== 0) return false;
    into.set(codec === 'u8' ? bytes : new Uint16Array(bytes.buffer, bytes.byteOffset, into.length));
    return true;
  }
  return decodeVarints(bytes, codec === 'varint-delta', into);
}

function total(parts: Typed[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

function narrow<T extends Uint8Array | Uint16Array>(parts: Typed[], out: T, max: number): T | null {
  let k = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const v = part[i]!;
      if (!(v >= 0 && v <= max && (v | 0) === v)) return null;
      out[k++] = v;
    }
  }
  return out;
}

// One method per input type, so that each loop sees one kind of typed array (V8 compiles a loop
// that reads several kinds into slower, generic code).
class VarintWriter {
  private readonly chunks: Uint8Array[] = [];
  private out: Uint8Array = new Uint8Array(CHUNK_BYTES);
  private pos = 0;
  private bytes = 0;
  private prev = 0;

  f64(a: Float64Array, delta: boolean): boolean {
    let { out, pos, prev } = this;
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      const d = delta ? v - prev : v;
      prev = v;
      if (pos > CHUNK_BYTES - 8) {
        this.pos = pos;
        out = this.next();
        pos = 0;
      }
      if (d >= -0x8000000 && d < 0x8000000 && (d | 0) === d) {
        // the common case, in 32-bit integer steps; zigzag: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ...
        let z = ((d << 1) ^ (d >> 31)) >>> 0;
        while (z >= 128) {
          out[pos++] = (z & 127) | 128;
          z >>>= 7;
        }
        out[pos++] = z;
      } else {
        let z = d >= 0 ? d * 2 : -d * 2 - 1;
        if (!Number.isSafeInteger(z)) return false;
        while (z >= 128) {
          out[pos++] = (z % 128) | 128;
          z = Math.floor(z / 128);
        }
        out[pos++] = z;
      }
    }
    this.out = out;
    this.pos = pos;
    this.prev = prev;
    return true;
  }

  ints(a: Int32Array | Uint16Array | Uint8Array, delta: boolean): boolean {
    let { out, pos, prev } = this;
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      const d = delta ? v - prev : v;
      prev = v;
      if (pos > CHUNK_BYTES - 8) {
        this.pos = pos;
        out = this.next();
        pos = 0;
      }
      let z = d >= 0 ? d * 2 : -d * 2 - 1; // below 2^33: whole bytes by division
      while (z >= 128) {
        out[pos++] = (z % 128) | 128;
        z = Math.floor(z / 128);
      }
      out[pos++] = z;
    }
    this.out = out;
    this.pos = pos;
    this.prev = prev;
    return true;
  }

  done(): Encoded {
    this.chunks.push(this.out.subarray(0, this.pos));
    this.bytes += this.pos;
    return { chunks: this.chunks, byteLength: this.bytes };
  }

  private next(): Uint8Array {
    this.chunks.push(this.out.subarray(0, this.pos));
    this.bytes += this.pos;
    this.out = new Uint8Array(CHUNK_BYTES);
    return this.out;
  }
}

function decodeVarints(bytes: Uint8Array, delta: boolean, into: Typed): boolean {
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

// From the bytes the page was given to a Trace: they are a .weft file, read by weft's own decoder
// (the same checks as on the Node side, optional tables included).

import { decodeWeftFile } from '../../src/formats/weft-decode.js';
import type { Trace } from '../../src/model/trace.js';

export function decodePayload(bytes: Uint8Array, name = 'trace'): Trace {
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  return decodeWeftFile(bytes, name);
}

const B64 = new Uint8Array(256).fill(255);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => (B64[c.charCodeAt(0)] = i));

/** Base64 text to bytes without an intermediate binary string (the text may be hundreds of MB). */
export function base64Bytes(text: string): Uint8Array {
  const n = text.length;
  const out = new Uint8Array(Math.floor((n * 3) / 4) + 3);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    const v = B64[text.charCodeAt(i) & 0xff]!;
    if (v === 255) continue; // whitespace, padding
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

/** Gunzips with the browser's own DecompressionStream. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// META records carry CLOCK_MONOTONIC nanoseconds (start_ns, t) that can exceed 2^53 on a machine
// that has been up for more than 104 days; JSON.parse would round them silently. Integers too long
// to be exact are turned into strings before parsing, and readers take times through `metaNs`.

/** A META record: a JSON object with a `k` (kind) field. */
export interface MetaRecord {
  k: string;
  [key: string]: unknown;
}

const LONG_INTEGER = /\d{16}/;

/** JSON.parse that keeps integers of 16+ digits exact by returning them as decimal strings. */
export function parseMetaJson(text: string): unknown {
  if (!LONG_INTEGER.test(text)) return JSON.parse(text);
  return JSON.parse(quoteLongIntegers(text));
}

// Walks the text once, outside of strings only, so a long digit run inside a string (a path, an
// argv element) is never touched.
function quoteLongIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j++;
      const literal = text.slice(i, j);
      if (/^-?\d{16,}$/.test(literal)) {
        out += text.slice(copied, i) + '"' + literal + '"';
        copied = j;
      }
      i = j;
      continue;
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function isNumberChar(c: number): boolean {
  // digits, '.', 'e', 'E', '+', '-'
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

/** A nanosecond time from a META field: an integer number or a decimal string. */
export function metaNs(value: unknown): bigint | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return null;
}

/** An integer META field that fits a double (pids, tids, idents); long ones come as strings. */
export function metaInt(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return null;
}

export function metaString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

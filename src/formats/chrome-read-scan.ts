// A tolerant, byte-level scanner for Chrome trace JSON: finds each event object of the object form
// ({"traceEvents": [...]}) or the array form ([...]) and hands it to a callback one at a time, so
// a file bigger than one JS string can hold (JSON.parse stops near 512 MiB) is still read, and no
// more than one event is ever held as an object. It forgives what real traces get wrong: a missing
// closing bracket (the trace of a killed program), a trailing comma, a truncated last event,
// entries that are not events. What it cannot read at all ends in one clear UserError.

import { UserError } from '../util/errors.js';

export interface ScanReport {
  form: 'object' | 'array';
  /** The event list ended at the end of the file without its closing bracket. */
  unclosed: boolean;
  /** The last event was cut off by the end of the file. */
  truncatedEvent: boolean;
  /** Entries that were not JSON objects, or not valid JSON. */
  badEntries: number;
  /** Top-level keys other than traceEvents whose values are small enough to keep (parsed). */
  other: Record<string, unknown>;
}

const WS = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
/** Top-level values other than the events are kept only up to this size. */
const KEEP_OTHER_BYTES = 1 << 20;

type Event = Record<string, unknown>;

/** Calls `onEvent` for every event object in the file, in file order. */
export function scanChromeEvents(bytes: Uint8Array, name: string, onEvent: (ev: Event) => void): ScanReport {
  const text = (a: number, b: number) => Buffer.from(bytes.buffer, bytes.byteOffset + a, b - a).toString('utf8');
  const n = bytes.length;
  let i = 0;
  if (n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3; // BOM
  const skipWs = () => {
    while (i < n && WS[bytes[i]!]) i++;
  };
  /** From an opening quote to just past the closing one; -1 when the file ends first. */
  const stringEnd = (at: number): number => {
    let j = at + 1;
    while (j < n) {
      const c = bytes[j]!;
      if (c === BACKSLASH) j += 2;
      else if (c === QUOTE) return j + 1;
      else j++;
    }
    return -1;
  };
  /** Just past the value (object, array, string, literal) starting at `at`; -1 when cut off. */
  const valueEnd = (at: number): number => {
    const c = bytes[at]!;
    if (c === QUOTE) return stringEnd(at);
    if (c !== LBRACE && c !== LBRACKET) {
      let j = at;
      while (j < n && !WS[bytes[j]!] && bytes[j] !== COMMA && bytes[j] !== RBRACE && bytes[j] !== RBRACKET) j++;
      return j;
    }
    let depth = 0;
    let j = at;
    while (j < n) {
      const d = bytes[j]!;
      if (d === QUOTE) {
        j = stringEnd(j);
        if (j < 0) return -1;
        continue;
      }
      if (d === LBRACE || d === LBRACKET) depth++;
      else if (d === RBRACE || d === RBRACKET) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return -1;
  };

  const report: ScanReport = { form: 'array', unclosed: false, truncatedEvent: false, badEntries: 0, other: {} };
  let events = 0;

  const scanList = () => {
    i++; // past '['
    for (;;) {
      while (i < n && (WS[bytes[i]!] || bytes[i] === COMMA)) i++;
      if (i >= n) {
        report.unclosed = true;
        return;
      }
      const c = bytes[i]!;
      if (c === RBRACKET) {
        i++;
        return;
      }
      if (c === RBRACE) {
        // "[{...}, {...}}" and similar damage: the list is over.
        report.unclosed = true;
        return;
      }
      const end = valueEnd(i);
      if (end < 0) {
        report.unclosed = true;
        report.truncatedEvent = true;
        i = n;
        return;
      }
      if (c === LBRACE) {
        let ev: unknown;
        try {
          ev = JSON.parse(text(i, end));
        } catch {
          ev = undefined;
        }
        if (ev !== undefined && typeof ev === 'object' && ev !== null) {
          events++;
          onEvent(ev as Event);
        } else report.badEntries++;
      } else report.badEntries++;
      i = end;
    }
  };

  skipWs();
  if (i >= n) throw new UserError(`${name} is empty, not a trace`);
  const first = bytes[i]!;
  if (first === LBRACKET) {
    scanList();
  } else if (first === LBRACE) {
    report.form = 'object';
    i++;
    let sawEvents = false;
    for (;;) {
      while (i < n && (WS[bytes[i]!] || bytes[i] === COMMA)) i++;
      if (i >= n || bytes[i] === RBRACE) break;
      if (bytes[i] !== QUOTE) throw new UserError(`${name} is not valid JSON (unexpected text at byte ${i})`);
      const keyEnd = stringEnd(i);
      if (keyEnd < 0) break;
      let key: string;
      try {
        key = JSON.parse(text(i, keyEnd)) as string;
      } catch {
        throw new UserError(`${name} is not valid JSON (bad key at byte ${i})`);
      }
      i = keyEnd;
      skipWs();
      if (bytes[i] !== COLON) throw new UserError(`${name} is not valid JSON (expected ':' at byte ${i})`);
      i++;
      skipWs();
      if (i >= n) break;
      if (key === 'traceEvents' && bytes[i] === LBRACKET) {
        sawEvents = true;
        scanList();
        if (report.unclosed) break;
        continue;
      }
      const end = valueEnd(i);
      if (end < 0) break;
      if (end - i <= KEEP_OTHER_BYTES) {
        try {
          report.other[key] = JSON.parse(text(i, end));
        } catch {
          // A damaged value beside the events does not matter.
        }
      }
      i = end;
    }
    if (!sawEvents) {
      throw new UserError(`${name} is JSON but not a Chrome trace: it has no "traceEvents" list`);
    }
  } else {
    throw new UserError(`${name} is not a trace (it is neither a .weft file nor Chrome-trace JSON)`);
  }
  if (events === 0 && report.badEntries > 0) {
    throw new UserError(`${name} is not a Chrome trace: none of its ${report.badEntries} entries is an event object`);
  }
  return report;
}

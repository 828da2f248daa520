// Reading what the tools left behind in round 1: weft's kept session and .weft file, VizTracer's JSON.
import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { countSession } from '../weft-streams.js';
import type { Report } from './measure.js';
import type { WeftSizes } from './results.js';

export function weftSizes(tmp: string, weftFile: string, report: Report): WeftSizes {
  const sessions = readdirSync(tmp).filter((n) => n.startsWith('weft-session-'));
  const counts = sessions.length === 1 ? countSession(join(tmp, sessions[0]!)) : null;
  const { endNs, ...session } = counts ?? { endNs: [], files: 0, processes: 0, bytes: 0, events: 0, pythonCalls: 0, cCalls: 0, dropped: 0, agents: [] };
  const rootEnd = endNs.length > 0 ? endNs.reduce((a, b) => (a > b ? a : b)) : null;
  return {
    session,
    weftFileBytes: existsSync(weftFile) ? statSync(weftFile).size : 0,
    workEndToAgentEndNs: rootEnd !== null ? Number(rootEnd - BigInt(report.work_end_ns)) : null,
    agentEndToExitNs: null, // filled in by the caller, which knows the exit time
  };
}

/** Occurrences of an ASCII needle in a (possibly multi-GB) file, read in chunks. */
export function countOccurrences(path: string, needle: string): number {
  const pattern = Buffer.from(needle, 'latin1');
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  const fd = openSync(path, 'r');
  let count = 0;
  let carry = 0; // bytes kept from the previous chunk so a match across the boundary is found
  try {
    for (;;) {
      const n = readSync(fd, chunk, carry, chunk.length - carry, null);
      const end = carry + n;
      let i = chunk.indexOf(pattern, 0);
      while (i !== -1 && i + pattern.length <= end) {
        count++;
        i = chunk.indexOf(pattern, i + pattern.length);
      }
      if (n === 0) break;
      carry = Math.min(pattern.length - 1, end);
      chunk.copy(chunk, 0, end - carry, end);
      chunk.fill(0, carry);
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

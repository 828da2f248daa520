// Writing a Trace in the format its file name asks for.
import { writeChromeJson } from '../formats/chrome-json.js';
import { writeWeftFile } from '../formats/weft-file.js';
import { writeFileAtomicAsync } from '../util/atomic-write.js';
import type { Trace } from '../model/trace.js';
import { UserError } from '../util/errors.js';
import type { Progress } from '../util/progress.js';

export type OutputKind = 'weft' | 'json' | 'json.gz';

export function outputKind(path: string): OutputKind {
  if (path.endsWith('.weft')) return 'weft';
  if (path.endsWith('.json')) return 'json';
  if (path.endsWith('.json.gz')) return 'json.gz';
  throw new UserError(`cannot tell the format of '${path}': name it .weft, .json or .json.gz`);
}

/** `weftBytes`: the .weft encoding of `trace`, when the caller has made it already. */
export async function writeTrace(trace: Trace, path: string, progress?: Progress, weftBytes?: Uint8Array): Promise<void> {
  const kind = outputKind(path);
  progress?.update('writing the trace', 0, 1);
  if (kind === 'weft') {
    if (weftBytes) await writeFileAtomicAsync(path, [weftBytes]);
    else writeWeftFile(trace, path);
  } else {
    const onProgress = (done: number, total: number) => progress?.update('writing the Chrome trace', done, total);
    await writeChromeJson(trace, path, { gzip: kind === 'json.gz', onProgress });
  }
}

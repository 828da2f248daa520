import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The weft checkout or package root (where package.json is), from the compiled file's place. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('weft: cannot find its own package root');
    dir = up;
  }
  return dir;
}

/** The folder put on the target's PYTHONPATH: it holds only the agent's sitecustomize. */
export function agentBootDir(): string {
  return join(packageRoot(), 'python', 'weft', '_boot');
}

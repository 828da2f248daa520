// The viewer as one script, for inlining into a page. The browser code is compiled by tsc
// (viewer/tsconfig.json, ES2022 modules) into dist/browser/; here its modules are linked without
// a bundler: each module becomes a function scope returning its exports, in dependency order.
// The compiled code follows tsc's plain output (imports and `export` declarations at the start
// of a line); anything else (default exports, `export *`, cycles) is refused loudly, and a unit
// test bundles the real viewer so a new construct is caught at test time, not in a user's page.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { packageRoot } from '../util/paths.js';
import { UserError } from '../util/errors.js';

const IMPORT = /^import\s+(?:([\s\S]*?)\s+from\s+)?'([^']+)';[ \t]*$/gm;
const EXPORT_DECL = /^export\s+((?:async\s+)?function\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)/gm;
const EXPORT_LIST = /^export\s*\{([^}]*)\}\s*(?:from\s+'([^']+)')?;[ \t]*$/gm;

interface Module {
  path: string;
  id: number;
  deps: string[];
  code: string;
}

export function viewerDist(): string {
  return join(packageRoot(), 'dist', 'browser');
}

/** The viewer entry module compiled by tsc; a UserError when the viewer was not built. */
export function viewerEntry(): string {
  const entry = join(viewerDist(), 'viewer', 'main.js');
  if (!existsSync(entry)) {
    throw new UserError(`the viewer is not built (no ${relative(process.cwd(), entry) || entry}): run \`npm run build\` in ${packageRoot()}`);
  }
  return entry;
}

let cached: { entry: string; text: string } | null = null;

/** The whole viewer as one classic script (strict mode, no imports). */
export function viewerBundle(entry = viewerEntry()): string {
  if (cached && cached.entry === entry) return cached.text;
  const modules = new Map<string, Module>();
  const order: Module[] = [];
  const visiting = new Set<string>();
  const visit = (path: string) => {
    if (modules.has(path)) return;
    if (visiting.has(path)) throw new Error(`viewer bundle: import cycle through ${path}`);
    visiting.add(path);
    const source = readFileSync(path, 'utf8');
    const deps: string[] = [];
    for (const m of source.matchAll(IMPORT)) deps.push(resolve(dirname(path), m[2]!));
    for (const m of source.matchAll(EXPORT_LIST)) if (m[2]) deps.push(resolve(dirname(path), m[2]));
    for (const d of deps) visit(d);
    const mod: Module = { path, id: order.length, deps, code: '' };
    mod.code = link(source, path, (spec) => modules.get(resolve(dirname(path), spec))!.id);
    visiting.delete(path);
    modules.set(path, mod);
    order.push(mod);
  };
  visit(entry);
  const parts = ['"use strict";'];
  for (const m of order) {
    parts.push(`// ${relative(viewerDist(), m.path)}\nconst __weft_m${m.id} = (() => {\n${m.code}\n})();`);
  }
  const text = parts.join('\n');
  cached = { entry, text };
  return text;
}

function link(source: string, path: string, idOf: (spec: string) => number): string {
  if (/^export\s+(default|\*)/m.test(source)) throw new Error(`viewer bundle: ${path} uses export default or export *`);
  const exports: string[] = [];
  let code = source.replace(/^\/\/# sourceMappingURL=.*$/gm, '');
  code = code.replace(IMPORT, (_all, clause: string | undefined, spec: string) => {
    const mod = `__weft_m${idOf(spec)}`;
    if (!clause) return '';
    const ns = /^\*\s+as\s+([\w$]+)$/.exec(clause.trim());
    if (ns) return `const ${ns[1]} = ${mod};`;
    const named = /^\{([\s\S]*)\}$/.exec(clause.trim());
    if (!named) throw new Error(`viewer bundle: ${path}: unsupported import '${clause}'`);
    const bindings = named[1]!
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => {
        const m = /^([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(s);
        if (!m) throw new Error(`viewer bundle: ${path}: unsupported import '${s}'`);
        return m[2] ? `${m[1]}: ${m[2]}` : m[1];
      });
    return `const { ${bindings.join(', ')} } = ${mod};`;
  });
  code = code.replace(EXPORT_LIST, (_all, list: string, from: string | undefined) => {
    const names = list.split(',').map((s) => s.trim()).filter(Boolean);
    const lines: string[] = [];
    for (const n of names) {
      const m = /^([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(n);
      if (!m) throw new Error(`viewer bundle: ${path}: unsupported export '${n}'`);
      const local = m[1]!;
      const exported = m[2] ?? local;
      if (from) {
        const tmp = `__weft_re_${exported}`;
        lines.push(`const ${tmp} = __weft_m${idOf(from)}.${local};`);
        exports.push(`${exported}: ${tmp}`);
      } else exports.push(exported === local ? local : `${exported}: ${local}`);
    }
    return lines.join('\n');
  });
  code = code.replace(EXPORT_DECL, (_all, kind: string, name: string) => {
    exports.push(name);
    return `${kind} ${name}`;
  });
  return `${code}\nreturn { ${exports.join(', ')} };`;
}

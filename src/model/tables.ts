// The trace-wide string table and FuncTable. Functions of different processes with the same
// (kind, name, file, line) share one row, so per-function statistics and colours agree across a
// process tree (a forked or spawned worker runs the same code as its parent).

import { i32, u8 } from './columns.js';
import { FuncKind, type FuncTable } from './trace.js';

export class TraceTables {
  readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  private readonly funcIds = new Map<string, number>();
  private readonly name = i32();
  private readonly file = i32();
  private readonly line = i32();
  private readonly kind = u8();

  constructor() {
    this.intern('');
    this.func(FuncKind.Python, '<unknown>', '', 0);
  }

  intern(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  /** The row of a function, added on first sight. */
  func(kind: number, name: string, file: string, line: number): number {
    const key = `${kind}\u0000${line}\u0000${name}\u0000${file}`;
    let id = this.funcIds.get(key);
    if (id === undefined) {
      id = this.kind.length;
      this.funcIds.set(key, id);
      this.name.push(this.intern(name));
      this.file.push(this.intern(file));
      this.line.push(line);
      this.kind.push(kind);
    }
    return id;
  }

  funcTable(): FuncTable {
    return {
      count: this.kind.length,
      name: this.name.trimmed(),
      file: this.file.trimmed(),
      line: this.line.trimmed(),
      kind: this.kind.trimmed(),
    };
  }
}

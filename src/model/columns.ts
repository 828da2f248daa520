// Growable typed-array columns for builders that do not know their final size. Capacity doubles,
// so appending n values copies at most 2n; `trimmed()` returns an exactly sized copy so that the
// finished Trace does not keep up to half its memory as slack.

type Typed = Float64Array | Int32Array | Uint16Array | Uint8Array;

interface TypedCtor<T extends Typed> {
  new (length: number): T;
}

export class Column<T extends Typed> {
  data: T;
  length = 0;

  constructor(
    private readonly ctor: TypedCtor<T>,
    capacity = 1024,
  ) {
    this.data = new ctor(Math.max(16, capacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = value;
  }

  /** Makes room for `n` values in all, keeping the content. */
  reserve(n: number): void {
    if (n > this.data.length) this.grow(n);
  }

  /** An exactly sized copy of the content. */
  trimmed(): T {
    return this.data.slice(0, this.length) as T;
  }

  private grow(min: number): void {
    let cap = this.data.length * 2;
    while (cap < min) cap *= 2;
    const next = new this.ctor(cap);
    next.set(this.data.subarray(0, this.length) as never);
    this.data = next;
  }
}

export const f64 = (capacity?: number) => new Column(Float64Array, capacity);
export const i32 = (capacity?: number) => new Column(Int32Array, capacity);
export const u16 = (capacity?: number) => new Column(Uint16Array, capacity);
export const u8 = (capacity?: number) => new Column(Uint8Array, capacity);

/**
 * At most a few exports read at once: on PostgreSQL each holds a pooled connection for as
 * long as its download lasts, and the rest of the API needs the others.
 */
export class ExportGate {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  async enter(): Promise<() => void> {
    if (this.#running >= this.max) await new Promise<void>((r) => this.#waiting.push(r));
    else this.#running++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    };
  }
}

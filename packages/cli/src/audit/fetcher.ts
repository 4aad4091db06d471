// HTTP for the audit: GETs with a bound on how many run at once and retries for what may pass
// (network errors, 5xx, 429), never for an answer that is an answer (404 is "not there").

export class FetchFailed extends Error {
  override readonly name = 'FetchFailed';
}

export interface FetcherOptions {
  fetch: typeof fetch;
  /** Requests in flight at most. */
  concurrency: number;
  /** Attempts after the first, with a doubling pause from `retryDelayMs`. */
  retries?: number;
  retryDelayMs?: number;
  timeoutMs?: number;
}

/** A GET answered 200 (its bytes) or 404 (null); anything else, after retries, throws FetchFailed. */
export class Fetcher {
  /** Requests sent (retries included), and bytes received. */
  requests = 0;
  bytes = 0;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly base: string,
    private readonly opts: FetcherOptions,
  ) {}

  url(path: string): string {
    return `${this.base}/${path.replace(/^\/+/, '')}`;
  }

  async bytesOf(path: string): Promise<Uint8Array | null> {
    const res = await this.get(path, async (r) => new Uint8Array(await r.arrayBuffer()));
    if (res) this.bytes += res.byteLength;
    return res;
  }

  async textOf(path: string): Promise<string | null> {
    return this.get(path, (r) => r.text());
  }

  async jsonOf<T>(path: string): Promise<T | null> {
    const text = await this.textOf(path);
    if (text === null) return null;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new FetchFailed(`${this.url(path)} did not answer JSON`);
    }
  }

  private async get<T>(path: string, read: (r: Response) => Promise<T>): Promise<T | null> {
    const url = this.url(path);
    const retries = this.opts.retries ?? 3;
    await this.slot();
    try {
      for (let attempt = 0; ; attempt++) {
        let why: string;
        try {
          this.requests++;
          const r = await this.opts.fetch(url, {
            redirect: 'error',
            signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
          });
          if (r.status === 200) return await read(r);
          await r.body?.cancel();
          if (r.status === 404) return null;
          why = `answered ${r.status}`;
          if (r.status < 500 && r.status !== 429) throw new FetchFailed(`${url} ${why}`);
        } catch (e) {
          if (e instanceof FetchFailed) throw e;
          why = (e as Error).message;
        }
        if (attempt >= retries)
          throw new FetchFailed(`${url}: ${why} (after ${attempt + 1} tries)`);
        await new Promise((r) => setTimeout(r, (this.opts.retryDelayMs ?? 200) * 2 ** attempt));
      }
    } finally {
      this.release();
    }
  }

  private async slot(): Promise<void> {
    if (this.active < this.opts.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/**
 * A progress line with a rate and an ETA, throttled: rewritten in place a few times a second
 * on a terminal (`update`), a plain line every few seconds otherwise (`line`).
 */
export class Progress {
  private readonly started = Date.now();
  private last = 0;

  constructor(
    private readonly total: number,
    private readonly sink: { update?: (line: string) => void; line: (line: string) => void },
  ) {}

  tick(done: number, events: number, force = false): void {
    const now = Date.now();
    const every = this.sink.update ? 200 : 5000;
    if (!force && now - this.last < every) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? events / seconds : 0;
    const share = this.total > 0 ? done / this.total : 1;
    const eta = share > 0 && share < 1 ? (seconds / share) * (1 - share) : 0;
    const text =
      `audit: bundle ${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} ` +
      `(${Math.floor(share * 100)}%), ${events.toLocaleString('en-US')} events, ` +
      `${Math.round(rate).toLocaleString('en-US')} events/s` +
      (share < 1 ? `, ETA ${formatDuration(eta)}` : `, ${formatDuration(seconds)}`);
    if (this.sink.update) this.sink.update(text);
    else this.sink.line(text);
  }

  /** Ends the in-place line so what follows starts on a fresh one. */
  done(events: number): void {
    this.tick(this.total, events, true);
    // The cursor is at the end of the status line: an empty line ends it.
    if (this.sink.update) this.sink.line('');
  }
}

export function formatDuration(seconds: number): string {
  if (seconds < 59.5) return `${seconds.toFixed(seconds < 9.95 ? 1 : 0)}s`;
  // Rounded to whole seconds first, so 179.7 s reads 3m00s, never 2m60s.
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

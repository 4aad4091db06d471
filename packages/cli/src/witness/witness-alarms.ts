import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Conflict } from './add-checkpoint.js';

/**
 * What a witness refused that it must not keep quiet about: a checkpoint carrying the log's
 * valid signature that contradicts the one it cosigned. Refusing protects the witness's own
 * cosignatures; the alarm tells people. Each is kept with both signed checkpoints, so anyone
 * holding the log's key can check the evidence without trusting the witness.
 */
export interface WitnessAlarm extends Conflict {
  /** When the witness refused it (ISO 8601). */
  at: string;
  /** The size and checkpoint the witness had cosigned when it refused. */
  heldSize: number;
  held: string;
}

const FILE = 'alarms.jsonl';
/** Alarms kept in memory and served; the file keeps every one. */
const SERVED = 1_000;

/**
 * The witness's alarms, appended one JSON line each to alarms.jsonl in its state folder
 * (evidence outlives a restart). The same contradiction met again (a log retrying) is one
 * alarm: keyed by origin, kind and the refused checkpoint's text.
 */
export class AlarmLog {
  readonly #items: WitnessAlarm[];
  readonly #seen: Set<string>;
  /** Alarms per origin since this process started (the metric). */
  readonly counts = new Map<string, number>();

  private constructor(
    private readonly dir: string,
    items: WitnessAlarm[],
  ) {
    this.#items = items.slice(-SERVED);
    this.#seen = new Set(items.map(keyOf));
  }

  static async open(dir: string): Promise<AlarmLog> {
    let raw = '';
    try {
      raw = await readFile(join(dir, FILE), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const items: WitnessAlarm[] = [];
    for (const line of raw.split('\n')) {
      if (line.trim() === '') continue;
      try {
        items.push(JSON.parse(line) as WitnessAlarm);
      } catch {
        // A line cut short by a crash while appending: the ones before it still count.
      }
    }
    return new AlarmLog(dir, items);
  }

  /** Records the alarm; false when the same contradiction was recorded before. */
  async record(alarm: WitnessAlarm): Promise<boolean> {
    const key = keyOf(alarm);
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    this.#items.push(alarm);
    if (this.#items.length > SERVED) this.#items.shift();
    this.counts.set(alarm.origin, (this.counts.get(alarm.origin) ?? 0) + 1);
    await appendFile(join(this.dir, FILE), `${JSON.stringify(alarm)}\n`, { mode: 0o600 });
    return true;
  }

  /** Newest first. */
  list(): WitnessAlarm[] {
    return [...this.#items].reverse();
  }
}

function keyOf(a: Pick<WitnessAlarm, 'origin' | 'kind' | 'refused'>): string {
  // The refused text without its signature lines: the same checkpoint re-signed is the same.
  return `${a.origin}\n${a.kind}\n${a.refused.split('\n\n')[0]}`;
}

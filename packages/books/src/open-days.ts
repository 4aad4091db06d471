/**
 * When a project takes donations (docs/money.md, "The start and end dates"). Its dates are
 * calendar days with no time zone: a charity in China and a donor abroad may each be on
 * another day. A day counts as begun once it has begun anywhere on Earth (UTC+14 is the first
 * zone to enter a day) and as not over until it is over everywhere (UTC−12 is the last to
 * leave one), so a project is never closed early for anyone.
 *
 * The server refuses a donation outside these days with this rule, and the replay flags a
 * `donation.received` dated before its project's start with the same one.
 */

const HOUR = 3_600_000;

/** The days at `at` (an instant) that bound an open project, as 'YYYY-MM-DD'. */
export interface OpenDays {
  /** A project whose startDate is after this day has not opened yet. */
  latestStart: string;
  /** A project whose endDate is before this day has ended. */
  earliestEnd: string;
}

export function openDays(at: Date): OpenDays {
  const t = at.getTime();
  if (Number.isNaN(t)) throw new RangeError('openDays needs a valid time');
  return {
    latestStart: new Date(t + 14 * HOUR).toISOString().slice(0, 10),
    earliestEnd: new Date(t - 12 * HOUR).toISOString().slice(0, 10),
  };
}

/** Whether a project starting on `startDate` ('YYYY-MM-DD') had opened at `at`. */
export function hasOpened(startDate: string, at: Date): boolean {
  return startDate <= openDays(at).latestStart;
}

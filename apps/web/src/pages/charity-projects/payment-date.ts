/**
 * The latest payment date the server accepts: it refuses dates after today in UTC, so in
 * China before 08:00 the local date is still "tomorrow" to it. Until the server judges dates
 * in the charity's time zone, the earlier of the two is offered.
 */
export function latestPaymentDate(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const utc = d.toISOString().slice(0, 10);
  return local < utc ? local : utc;
}

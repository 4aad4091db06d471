/** `<what>-<registration number>-<YYYY-MM-DD>.<ext>`, with only safe characters in a header. */
export function exportFileName(
  what: string,
  registrationNumber: string,
  at: Date,
  ext: string,
): string {
  const reg = registrationNumber.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${what}-${reg}-${at.toISOString().slice(0, 10)}.${ext}`;
}

/** Names shared by the global setup and the per-file database helper. */
export function templateDatabaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[a-z0-9_]+$/.test(name)) {
    throw new Error(`TEST_DATABASE_URL must name a database of [a-z0-9_] (got "${name}")`);
  }
  return name;
}

/** The same server, connected to its maintenance database (to create and drop others). */
export function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

export function databaseUrl(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

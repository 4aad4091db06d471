// Where `goodtrace audit` keeps what it verified when no --state is given: the user's state
// directory (XDG Base Directory's XDG_STATE_HOME, ~/.local/state, on Linux and other Unixes;
// the platform's equivalent on macOS and Windows), one folder per audited site, never the
// current directory. Written here rather than taken from env-paths, which has no "state"
// directory (its Linux `log` is XDG_STATE_HOME, its macOS one ~/Library/Logs).

import { isAbsolute, join } from 'node:path';

/** The user's state directory on `platform`, from the environment and the home directory. */
export function userStateHome(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform,
  home: string,
): string {
  // XDG: a relative path in the variable is invalid and must be ignored; so for the others.
  const absolute = (v: string | undefined) => (v && isAbsolute(v) ? v : undefined);
  if (platform === 'win32') return absolute(env.LOCALAPPDATA) ?? join(home, 'AppData', 'Local');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  return absolute(env.XDG_STATE_HOME) ?? join(home, '.local', 'state');
}

/**
 * A folder name for an audited site: its host, port and path, with the characters a file name
 * cannot hold replaced (https://example.org:8443/goodtrace → example.org_8443_goodtrace).
 */
export function siteFolder(site: URL): string {
  const name = `${site.hostname}${site.port ? `_${site.port}` : ''}${site.pathname}`
    .replace(/[^A-Za-z0-9.-]+/g, '_')
    .replace(/^[._]+|_+$/g, '');
  return name || '_';
}

/** The audit's default state folder for `site` under the user's state directory. */
export function defaultAuditState(stateHome: string, site: URL): string {
  return join(stateHome, 'goodtrace', 'audit', siteFolder(site));
}

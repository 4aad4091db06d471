import { parseVerifierKey } from '@goodtrace/ledger';

/** What a Goodtrace server says about its own log: its key, origin and witnesses. */
export interface LogDescription {
  origin: string;
  logKey: string;
  witnesses: { name: string; verifierKey: string }[];
  /** The server's k-of-n policy (how many must cosign before it hands out a receipt), if named. */
  quorum?: number;
}

export class LogFetchError extends Error {
  override readonly name = 'LogFetchError';
}

async function get(fetchFn: typeof fetch, url: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url, { redirect: 'error', signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    throw new LogFetchError(`could not fetch ${url}: ${(e as Error).message}`, { cause: e });
  }
  if (!response.ok) throw new LogFetchError(`${url} answered ${response.status}`);
  return response;
}

/**
 * Asks a Goodtrace server for its log key (GET /log/key) and its witnesses (GET /api/log).
 * This trusts the operator's answer: a dishonest operator could serve its own keys. The two
 * answers must at least agree, and every key must parse.
 */
export async function fetchLogDescription(
  baseUrl: string,
  fetchFn: typeof fetch = fetch,
): Promise<LogDescription> {
  const base = baseUrl.replace(/\/+$/, '');
  const logKey = (await (await get(fetchFn, `${base}/log/key`)).text()).trim();
  let info: { origin?: unknown; verifierKey?: unknown; witnesses?: unknown; quorum?: unknown };
  try {
    info = (await (await get(fetchFn, `${base}/api/log`)).json()) as typeof info;
  } catch (e) {
    if (e instanceof LogFetchError) throw e;
    throw new LogFetchError(`${base}/api/log did not answer JSON`, { cause: e });
  }
  if (info.verifierKey !== logKey) {
    throw new LogFetchError(`${base}/log/key and ${base}/api/log name different log keys`);
  }
  if (typeof info.origin !== 'string' || !Array.isArray(info.witnesses)) {
    throw new LogFetchError(`${base}/api/log lacks the origin or the witness list`);
  }
  const witnesses = info.witnesses.map((w, i) => {
    const key = (w as { verifierKey?: unknown })?.verifierKey;
    if (typeof key !== 'string') throw new LogFetchError(`witness ${i} has no verifier key`);
    return { name: keyNameOf(key), verifierKey: key };
  });
  keyNameOf(logKey);
  const q = info.quorum;
  const quorum =
    typeof q === 'number' && Number.isInteger(q) && q >= 0 && q <= witnesses.length ? q : undefined;
  return { origin: info.origin, logKey, witnesses, ...(quorum === undefined ? {} : { quorum }) };
}

function keyNameOf(key: string): string {
  try {
    return parseVerifierKey(key).name;
  } catch (e) {
    throw new LogFetchError(`the server's key "${key}" does not parse: ${(e as Error).message}`);
  }
}

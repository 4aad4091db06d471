import { isVerifyError, type LogDescription, readLogDescription } from '@goodtrace/verify';

export type { LogDescription };

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
 * Asks a Goodtrace server for its log key (GET /log/key) and its witnesses (GET /api/log), and
 * reads the answers with @goodtrace/verify's readLogDescription (the two must name the same
 * key, every key must parse), as the donor's page does. This trusts the operator's answer: a
 * dishonest operator could serve its own keys.
 */
export async function fetchLogDescription(
  baseUrl: string,
  fetchFn: typeof fetch = fetch,
): Promise<LogDescription> {
  const base = baseUrl.replace(/\/+$/, '');
  const keyText = await (await get(fetchFn, `${base}/log/key`)).text();
  let info: unknown;
  try {
    info = await (await get(fetchFn, `${base}/api/log`)).json();
  } catch (e) {
    if (e instanceof LogFetchError) throw e;
    throw new LogFetchError(`${base}/api/log did not answer JSON`, { cause: e });
  }
  try {
    return readLogDescription(keyText, info);
  } catch (e) {
    if (!isVerifyError(e)) throw e;
    const message =
      e.code === 'key_mismatch'
        ? `${base}/log/key and ${base}/api/log name different log keys`
        : e.code === 'malformed_key'
          ? `the server's key ${e.message}`
          : `${base}/api/log: ${e.message}`;
    throw new LogFetchError(message, { cause: e });
  }
}

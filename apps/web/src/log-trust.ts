import type { LogInfo } from '@goodtrace/contract';
import { isVerifyError, type Trust, trustFromLog, type VerifyErrorCode } from '@goodtrace/verify';
import { get, getText } from './api';

/**
 * Whom the pages that verify trust: the keys the server publishes about its own log, decided
 * once for all of them by @goodtrace/verify's trustFromLog — GET /log/key and GET /api/log must
 * name the same log key, carry the origin and the witnesses, and every key must parse, one vote
 * per key. The transparency page and the receipt pages both start here, so a server that
 * contradicts itself is caught the same way on each.
 */
export type LogTrust =
  | { trust: Trust; info: LogInfo; keyText: string }
  /** The server's answers cannot be trusted: nothing can be verified under them. */
  | { error: VerifyErrorCode; info: unknown; keyText: string };

export async function loadLogTrust(): Promise<LogTrust> {
  const [keyText, info] = await Promise.all([getText('/log/key'), get<unknown>('/log')]);
  try {
    // Past trustFromLog, /api/log has the origin, the witness list and the key of /log/key.
    return { trust: trustFromLog(keyText, info), info: info as LogInfo, keyText };
  } catch (e) {
    if (isVerifyError(e)) return { error: e.code, info, keyText };
    throw e;
  }
}

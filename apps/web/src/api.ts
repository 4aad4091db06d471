/**
 * The one way the app talks to the server: JSON over fetch with the session cookie, the
 * CSRF token on every write, and failures turned into ApiError carrying the API's stable code.
 */

export class ApiError extends Error {
  constructor(
    /** The API's stable error code (docs/errors.md), or 'network' when no answer came. */
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
const unauthenticatedListeners = new Set<() => void>();

/** Remembers the token from GET /api/auth/session or a sign-in/sign-up answer. */
export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

/** Called when the server says the session is gone (expired or signed out elsewhere). */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export async function api<T>(
  method: Method,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`/api${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new ApiError('network', err instanceof Error ? err.message : String(err), 0);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: unknown } })
      ?.error;
    const code = error?.code ?? (res.status >= 500 ? 'internal' : 'unknown');
    if (code === 'unauthenticated') for (const l of unauthenticatedListeners) l();
    throw new ApiError(code, error?.message ?? res.statusText, res.status, error?.details);
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body);
export const patch = <T>(path: string, body?: unknown) => api<T>('PATCH', path, body);
export const del = (path: string) => api<void>('DELETE', path);

/**
 * A POST that must not happen twice (a donation): the same Idempotency-Key on every retry of
 * one form, so the server answers a retry with the first request's result.
 */
export const postIdempotent = <T>(path: string, body: unknown, idempotencyKey: string) =>
  api<T>('POST', path, body, { 'idempotency-key': idempotencyKey });

/** Plain text from the server outside /api (the log's key at /log/key). */
export async function getText(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError('network', err instanceof Error ? err.message : String(err), 0);
  }
  if (!res.ok) throw new ApiError(res.status >= 500 ? 'internal' : 'not_found', url, res.status);
  return res.text();
}

/** Builds a query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}

/**
 * Sends a file as the raw request body with its own Content-Type (PDF, JPEG, PNG), the session
 * cookie and the CSRF token, and reports upload progress (0–1) as it goes. XMLHttpRequest
 * rather than fetch, because only it reports how much of the body has been sent.
 */
export function upload<T>(
  path: string,
  file: Blob,
  onProgress?: (fraction: number) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api${path}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
    if (onProgress) {
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
      };
    }
    xhr.onerror = () => reject(new ApiError('network', 'The upload did not reach the server.', 0));
    xhr.onload = () => {
      let json: unknown;
      try {
        json = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        json = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(1);
        resolve(json as T);
        return;
      }
      const error = (json as { error?: { code?: string; message?: string; details?: unknown } })
        ?.error;
      const code = error?.code ?? (xhr.status >= 500 ? 'internal' : 'unknown');
      if (code === 'unauthenticated') for (const l of unauthenticatedListeners) l();
      reject(new ApiError(code, error?.message ?? xhr.statusText, xhr.status, error?.details));
    };
    xhr.send(file);
  });
}

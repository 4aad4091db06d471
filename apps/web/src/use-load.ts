import { useCallback, useEffect, useRef, useState } from 'react';

export type Load<T> =
  | { state: 'loading'; data?: undefined; error?: undefined }
  | { state: 'done'; data: T; error?: undefined }
  | { state: 'failed'; data?: undefined; error: unknown };

/**
 * Runs `fetcher` when `key` changes and keeps the latest answer; a late answer for an old key
 * is ignored. `reload()` runs it again, keeping the current data on screen meanwhile.
 */
export function useLoad<T>(fetcher: () => Promise<T>, key: string) {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  const lastKey = useRef(key);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names what fetcher reads.
  useEffect(() => {
    let current = true;
    if (lastKey.current !== key) {
      lastKey.current = key;
      setLoad({ state: 'loading' });
    }
    fetcher().then(
      (data) => current && setLoad({ state: 'done', data }),
      (error: unknown) => current && setLoad({ state: 'failed', error }),
    );
    return () => {
      current = false;
    };
  }, [key, round]);

  const reload = useCallback(() => setRound((r) => r + 1), []);
  return [load, reload] as const;
}

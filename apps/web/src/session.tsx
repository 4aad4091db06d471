import type { SessionResponse, User } from '@goodtrace/contract';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';
import { get, onUnauthenticated, post, setCsrfToken } from './api';

export interface Session {
  /** False until the first GET /api/auth/session has answered. */
  ready: boolean;
  user: User | null;
  signIn(email: string, password: string): Promise<User>;
  signUp(input: { email: string; password: string; displayName: string }): Promise<User>;
  signOut(): Promise<void>;
  refresh(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [ready, setReady] = useState(false);
  const [user, setUser] = useState<User | null>(null);

  const apply = useCallback((s: SessionResponse) => {
    setCsrfToken(s.csrfToken);
    setUser(s.user);
    return s.user;
  }, []);

  const refresh = useCallback(async () => {
    try {
      apply(await get<SessionResponse>('/auth/session'));
    } catch {
      apply({ user: null, csrfToken: null });
    } finally {
      setReady(true);
    }
  }, [apply]);

  useEffect(() => {
    void refresh();
    // The server ended the session (expired, signed out in another tab): forget it here too.
    return onUnauthenticated(() => apply({ user: null, csrfToken: null }));
  }, [refresh, apply]);

  const value = useMemo<Session>(
    () => ({
      ready,
      user,
      refresh,
      async signIn(email, password) {
        return apply(await post<SessionResponse>('/auth/sign-in', { email, password }))!;
      },
      async signUp(input) {
        return apply(await post<SessionResponse>('/auth/sign-up', input))!;
      },
      async signOut() {
        try {
          await post<void>('/auth/sign-out');
        } finally {
          apply({ user: null, csrfToken: null });
        }
      },
    }),
    [ready, user, refresh, apply],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

export const isStaff = (user: User | null) =>
  user?.platformRole === 'admin' || user?.platformRole === 'auditor';

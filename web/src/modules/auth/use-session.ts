import { computed, reactive } from 'vue';
import type { LoginRequest, User } from '@lyra/contracts';
import { authApi } from '../../api/auth';
import { isApiError } from '../../api/errors';
import { permissionsFor } from './permissions';

export interface SessionDeps {
  me: () => Promise<User>;
  login: (body: LoginRequest) => Promise<{ user: User }>;
  logout: () => Promise<void>;
}

/** One signed-in user for the whole console; a factory so tests can give it fake API calls. */
export function createSession(deps: SessionDeps) {
  const state = reactive({ user: null as User | null, checked: false });
  let pending: Promise<User | null> | null = null;

  /** Asks the server once who is signed in (the cookie is HttpOnly, so only the server knows). */
  function ensureLoaded(): Promise<User | null> {
    if (state.checked) return Promise.resolve(state.user);
    pending ??= deps
      .me()
      .then((user) => user as User | null)
      .catch((err: unknown) => {
        if (isApiError(err) && err.status === 401) return null;
        throw err;
      })
      .then((user) => {
        state.user = user;
        state.checked = true;
        return user;
      })
      .finally(() => {
        pending = null;
      });
    return pending;
  }

  async function login(body: LoginRequest): Promise<User> {
    const { user } = await deps.login(body);
    state.user = user;
    state.checked = true;
    return user;
  }

  async function logout(): Promise<void> {
    try {
      await deps.logout();
    } finally {
      clear();
    }
  }

  /** Called when any request answers 401: the cookie is gone or expired. */
  function clear() {
    state.user = null;
    state.checked = true;
  }

  const user = computed(() => state.user);
  const role = computed(() => state.user?.role ?? null);
  const can = computed(() => permissionsFor(role.value));

  return { user, role, can, ensureLoaded, login, logout, clear };
}

export type Session = ReturnType<typeof createSession>;

const session = createSession({ me: authApi.me, login: authApi.login, logout: authApi.logout });

export function useSession(): Session {
  return session;
}

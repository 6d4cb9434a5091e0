import { reactive, ref } from 'vue';
import type { User } from '@lyra/contracts';
import { isApiError, type FieldErrors } from '../../api/errors';
import { validateLogin, type LoginForm } from './login-form';

/** State of the login form; `signIn` is the session's login so this stays testable without HTTP. */
export function useLogin(signIn: (body: LoginForm) => Promise<User>) {
  const form = reactive<LoginForm>({ email: '', password: '' });
  const fieldErrors = ref<FieldErrors>({});
  const error = ref<string | null>(null);
  const loading = ref(false);

  async function submit(): Promise<User | null> {
    error.value = null;
    fieldErrors.value = validateLogin(form);
    if (Object.keys(fieldErrors.value).length) return null;
    loading.value = true;
    try {
      return await signIn({ email: form.email.trim(), password: form.password });
    } catch (err) {
      error.value = loginErrorMessage(err);
      if (isApiError(err) && err.hasFieldErrors) fieldErrors.value = err.fieldErrors;
      return null;
    } finally {
      loading.value = false;
    }
  }

  return { form, fieldErrors, error, loading, submit };
}

export function loginErrorMessage(err: unknown): string {
  if (!isApiError(err)) return 'Sign-in failed. Please try again.';
  switch (err.code) {
    // The server does not say which of the two was wrong, and neither does the console.
    case 'unauthorized':
      return 'Wrong email or password.';
    // The throttle's own wording says how long to wait, which is the most useful thing to show.
    case 'too_many_requests':
      return err.message || 'Too many sign-in attempts. Please wait a few minutes and try again.';
    case 'network_error':
      return err.message;
    default:
      if (err.status >= 500) return 'The server could not sign you in right now. Please try again shortly.';
      return err.message || 'Sign-in failed. Please try again.';
  }
}

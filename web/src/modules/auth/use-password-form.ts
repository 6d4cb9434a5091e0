import { reactive, ref } from 'vue';
import type { PasswordChange, PasswordChangeResult } from '@lyra/contracts';
import { authApi } from '../../api/auth';
import { useServerErrors } from '../../lib/use-server-errors';
import { emptyPasswordForm, toPasswordChange, validatePasswordForm, type PasswordFormModel } from './password-form';

/** State of the change-password dialog; the API call is a parameter so tests need no HTTP. */
export function usePasswordForm(change: (body: PasswordChange) => Promise<PasswordChangeResult> = authApi.changePassword) {
  const open = ref(false);
  const model = reactive<PasswordFormModel>(emptyPasswordForm());
  const { errors, formError, clear, check, apply, fieldError } = useServerErrors();
  const submitting = ref(false);

  function show() {
    Object.assign(model, emptyPasswordForm());
    clear();
    open.value = true;
  }

  async function submit(): Promise<PasswordChangeResult | null> {
    if (!check(validatePasswordForm(model))) return null;
    submitting.value = true;
    try {
      const result = await change(toPasswordChange(model));
      // Passwords do not linger in memory once they have done their job.
      Object.assign(model, emptyPasswordForm());
      open.value = false;
      return result;
    } catch (err) {
      // A 429 keeps the server's own wording (how long to wait).
      apply(err, { explain: (e) => (e.fieldErrors.current_password ? 'Your current password is not correct.' : undefined) });
      return null;
    } finally {
      submitting.value = false;
    }
  }

  return { open, model, errors, formError, submitting, show, submit, fieldError };
}

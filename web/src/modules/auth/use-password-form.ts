import { reactive, ref } from 'vue';
import type { PasswordChange, PasswordChangeResult } from '@lyra/contracts';
import { authApi } from '../../api/auth';
import { errorMessage, isApiError, type FieldErrors } from '../../api/errors';
import { emptyPasswordForm, toPasswordChange, validatePasswordForm, type PasswordFormModel } from './password-form';

/** State of the change-password dialog; the API call is a parameter so tests need no HTTP. */
export function usePasswordForm(change: (body: PasswordChange) => Promise<PasswordChangeResult> = authApi.changePassword) {
  const open = ref(false);
  const model = reactive<PasswordFormModel>(emptyPasswordForm());
  const errors = ref<FieldErrors>({});
  const formError = ref<string | null>(null);
  const submitting = ref(false);

  function show() {
    Object.assign(model, emptyPasswordForm());
    errors.value = {};
    formError.value = null;
    open.value = true;
  }

  async function submit(): Promise<PasswordChangeResult | null> {
    formError.value = null;
    errors.value = validatePasswordForm(model);
    if (Object.keys(errors.value).length) return null;
    submitting.value = true;
    try {
      const result = await change(toPasswordChange(model));
      // Passwords do not linger in memory once they have done their job.
      Object.assign(model, emptyPasswordForm());
      open.value = false;
      return result;
    } catch (err) {
      if (isApiError(err) && err.hasFieldErrors) {
        errors.value = err.fieldErrors;
        formError.value = err.fieldErrors.current_password ? 'Your current password is not correct.' : 'Please correct the highlighted fields.';
      } else {
        // 429 carries the server's own wording (how long to wait).
        formError.value = errorMessage(err);
      }
      return null;
    } finally {
      submitting.value = false;
    }
  }

  const fieldError = (field: string) => errors.value[field]?.join(' ');

  return { open, model, errors, formError, submitting, show, submit, fieldError };
}

import { reactive, ref, shallowRef } from 'vue';
import type { User, UserCreate, UserUpdate } from '@lyra/contracts';
import { usersApi } from '../../api/users';
import { errorMessage, isApiError, type FieldErrors } from '../../api/errors';
import { emptyUserForm, toUserCreate, toUserUpdate, userToForm, validateUserForm, type UserFormModel } from './user-form';

export interface UserWriteApi {
  create: (body: UserCreate) => Promise<User>;
  update: (id: string, body: UserUpdate) => Promise<User>;
}

export function useUserForm(writeApi: UserWriteApi = usersApi) {
  const open = ref(false);
  const editing = shallowRef<User | null>(null);
  const model = reactive<UserFormModel>(emptyUserForm());
  const errors = ref<FieldErrors>({});
  const formError = ref<string | null>(null);
  const submitting = ref(false);

  function show(user: User | null) {
    editing.value = user;
    Object.assign(model, user ? userToForm(user) : emptyUserForm());
    errors.value = {};
    formError.value = null;
    open.value = true;
  }

  async function submit(): Promise<User | null> {
    const original = editing.value;
    formError.value = null;
    errors.value = validateUserForm(model, original ? 'edit' : 'create');
    if (Object.keys(errors.value).length) return null;
    submitting.value = true;
    try {
      let saved: User;
      if (original) {
        const patch = toUserUpdate(model, original);
        saved = Object.keys(patch).length ? await writeApi.update(original.id, patch) : original;
      } else {
        saved = await writeApi.create(toUserCreate(model));
      }
      open.value = false;
      return saved;
    } catch (err) {
      if (isApiError(err) && err.hasFieldErrors) {
        errors.value = err.fieldErrors;
        formError.value = 'Please correct the highlighted fields.';
      } else if (isApiError(err) && err.status === 409) {
        errors.value = { email: ['Another user already has this email'] };
        formError.value = err.message;
      } else {
        formError.value = errorMessage(err);
      }
      return null;
    } finally {
      submitting.value = false;
    }
  }

  const fieldError = (field: string) => errors.value[field]?.join(' ');

  return { open, editing, model, errors, formError, submitting, show, submit, fieldError };
}

import { reactive, ref, shallowRef } from 'vue';
import type { User, UserCreate, UserUpdate } from '@lyra/contracts';
import { usersApi } from '../../api/users';
import { useServerErrors } from '../../lib/use-server-errors';
import { emptyUserForm, toUserCreate, toUserUpdate, userToForm, validateUserForm, type UserFormModel } from './user-form';

export interface UserWriteApi {
  create: (body: UserCreate) => Promise<User>;
  update: (id: string, body: UserUpdate) => Promise<User>;
}

export function useUserForm(writeApi: UserWriteApi = usersApi) {
  const open = ref(false);
  const editing = shallowRef<User | null>(null);
  const model = reactive<UserFormModel>(emptyUserForm());
  const { errors, formError, clear, check, apply, fieldError } = useServerErrors();
  const submitting = ref(false);

  function show(user: User | null) {
    editing.value = user;
    Object.assign(model, user ? userToForm(user) : emptyUserForm());
    clear();
    open.value = true;
  }

  async function submit(): Promise<User | null> {
    const original = editing.value;
    if (!check(validateUserForm(model, original ? 'edit' : 'create'))) return null;
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
      apply(err, {
        explain: (e) => {
          // A taken email that the server did not name as a field: put it under the email input anyway.
          if (e.code !== 'conflict' || e.hasFieldErrors) return undefined;
          errors.value = { email: ['Another user already has this email'] };
          return e.message;
        },
      });
      return null;
    } finally {
      submitting.value = false;
    }
  }

  return { open, editing, model, errors, formError, submitting, show, submit, fieldError };
}

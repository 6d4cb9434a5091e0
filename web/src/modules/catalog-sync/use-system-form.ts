import { computed, reactive, ref, shallowRef } from 'vue';
import type { ExternalSystem, ExternalSystemCreate, ExternalSystemPatch, SystemType } from '@lyra/contracts';
import { externalSystemsApi } from '../../api/catalog-sync';
import { useServerErrors } from '../../lib/use-server-errors';
import {
  SYSTEM_FORM_FIELDS,
  emptySystemForm,
  keepsStoredSecret,
  systemToForm,
  toCreatePayload,
  toPatchPayload,
  validateSystemForm,
  withSystemType,
  type SystemFormModel,
} from './system-form';

export interface SystemWriteApi {
  create: (body: ExternalSystemCreate) => Promise<ExternalSystem>;
  patch: (id: string, body: ExternalSystemPatch) => Promise<ExternalSystem>;
}

/**
 * State behind the create/edit drawer. Client checks run first; the server's field errors
 * (including nested ones such as `auth.secret`) land under the same inputs.
 */
export function useSystemForm(writeApi: SystemWriteApi = externalSystemsApi) {
  const open = ref(false);
  const editing = shallowRef<ExternalSystem | null>(null);
  const model = reactive<SystemFormModel>(emptySystemForm());
  const { errors, formError, clear, check, apply, fieldError } = useServerErrors();
  /** The server's refusal of the last submit, for the page to judge (see add-system.ts). */
  const serverError = shallowRef<unknown>(null);
  const submitting = ref(false);

  const mode = computed(() => (editing.value ? 'edit' : 'create'));
  /** Edit with a stored secret of the same auth type: the empty password field means "keep it". */
  const secretStored = computed(() => keepsStoredSecret(model, editing.value));

  function reset(next: SystemFormModel) {
    Object.assign(model, next);
    clear();
  }

  function openCreate(type: SystemType | '' = '') {
    editing.value = null;
    reset(emptySystemForm(type));
    open.value = true;
  }

  function openEdit(system: ExternalSystem) {
    editing.value = system;
    reset(systemToForm(system));
    open.value = true;
  }

  function setSystemType(type: SystemType) {
    Object.assign(model, withSystemType({ ...model }, type));
  }

  async function submit(): Promise<ExternalSystem | null> {
    serverError.value = null;
    const original = editing.value;
    if (!check(validateSystemForm(model, original), 'Please correct the highlighted fields.')) return null;
    submitting.value = true;
    try {
      let saved: ExternalSystem;
      if (original) {
        const patch = toPatchPayload(model, original);
        saved = Object.keys(patch).length ? await writeApi.patch(original.id, patch) : original;
      } else {
        saved = await writeApi.create(toCreatePayload(model));
      }
      open.value = false;
      // The secret never stays in memory longer than the request.
      model.auth_secret = '';
      return saved;
    } catch (err) {
      serverError.value = err;
      apply(err, {
        fields: SYSTEM_FORM_FIELDS,
        fieldsMessage: 'The server rejected some fields; see the messages below.',
        // A name already in use: the server names the field; say it plainly as well.
        explain: (e) => (e.status === 409 ? e.message : e.code === 'not_found' ? 'This system no longer exists. Close the drawer and refresh the page.' : undefined),
      });
      return null;
    } finally {
      submitting.value = false;
    }
  }

  return { open, editing, model, mode, secretStored, errors, formError, serverError, submitting, openCreate, openEdit, setSystemType, fieldError, submit };
}

export type SystemForm = ReturnType<typeof useSystemForm>;

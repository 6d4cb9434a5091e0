import { ref } from 'vue';
import { errorMessage, isApiError, type ApiError, type FieldErrors } from '../api/errors';

export const FIX_HIGHLIGHTED = 'Please correct the highlighted fields.';

export interface ServerErrorWording {
  /** The inputs the form shows; a refusal of any other field is said in the form's message. Every field when left out. */
  fields?: readonly string[];
  /** What the form says when the server refused fields (after the messages of fields not on screen, when there are some). */
  fieldsMessage?: string;
  /**
   * The form's own words for refusals it knows (by code or status), asked first; undefined leaves
   * the usual wording: the field errors, or the server's message.
   */
  explain?: (err: ApiError) => string | undefined;
}

/** Errors for fields that are not on screen (e.g. a server-side rule) go to the form's summary. */
export function splitFieldErrors(errors: FieldErrors, visible: readonly string[]): { shown: FieldErrors; other: string[] } {
  const shown: FieldErrors = {};
  const other: string[] = [];
  for (const [field, msgs] of Object.entries(errors)) {
    if (visible.includes(field)) shown[field] = msgs;
    else other.push(...msgs.map((msg) => (field === '_' ? msg : `${field}: ${msg}`)));
  }
  return { shown, other };
}

/**
 * A form's errors in one place: the client's own checks and the server's refusal land in the same
 * per-field lists and one sentence above them, so people see one list whoever found the problem.
 */
export function useServerErrors() {
  const errors = ref<FieldErrors>({});
  const formError = ref<string | null>(null);

  function clear() {
    errors.value = {};
    formError.value = null;
  }

  /** The client's checks before sending: true when there is nothing to fix. */
  function check(found: FieldErrors, message: string | null = null): boolean {
    errors.value = found;
    const clean = Object.keys(found).length === 0;
    formError.value = clean ? null : message;
    return clean;
  }

  /** The server's refusal of a submit. */
  function apply(err: unknown, wording: ServerErrorWording = {}) {
    if (!isApiError(err)) {
      formError.value = errorMessage(err);
      return;
    }
    const { shown, other } = wording.fields ? splitFieldErrors(err.fieldErrors, wording.fields) : { shown: err.fieldErrors, other: [] };
    errors.value = shown;
    const explained = wording.explain?.(err);
    if (explained !== undefined) formError.value = explained;
    else if (err.code === 'validation_error' || err.hasFieldErrors) formError.value = other.length ? other.join(' · ') : (wording.fieldsMessage ?? FIX_HIGHLIGHTED);
    else formError.value = errorMessage(err);
  }

  const fieldError = (field: string): string | undefined => errors.value[field]?.join(' ');

  return { errors, formError, clear, check, apply, fieldError };
}

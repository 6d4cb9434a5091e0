import { computed, ref, type Ref } from 'vue';
import type { Role } from '@lyra/contracts';
import { isApiError } from '../../api/errors';
import { ROLE_LABELS, type Permissions } from '../auth/permissions';

export interface AddSystemGate {
  allowed: boolean;
  /** Why "Add system" is disabled: shown as its tooltip. */
  reason: string | null;
}

/**
 * Whether "Add system" can work: the role must allow `systems:manage` (the console's copy of the
 * server's permission table), and the server must not have refused a create for a reason that
 * is not about the form (e.g. 403). Nothing about how many systems of a type may exist is decided
 * here: when the server refuses a type, it says so under the form's Type field.
 */
export function addSystemGate(can: Pick<Permissions, 'manageSystems'>, role: Role | null | undefined, refusal: string | null): AddSystemGate {
  if (!can.manageSystems) {
    const who = role ? `your role (${ROLE_LABELS[role]}) cannot` : 'you cannot';
    return { allowed: false, reason: `Only administrators can add external systems; ${who}.` };
  }
  if (refusal) return { allowed: false, reason: `The server refused to add a system: ${refusal}` };
  return { allowed: true, reason: null };
}

/**
 * A create refusal that no change to the form can fix, so the button should stop offering it:
 * 403 (the server no longer lets this user manage systems), or a refusal the server marks as
 * such without naming a field. Field errors and validation stay in the form.
 */
export function refusalOf(err: unknown): string | null {
  if (!isApiError(err)) return null;
  if (err.status === 403) return err.message || 'not allowed for your role';
  if (err.status === 409 && !err.hasFieldErrors && err.code !== 'conflict') return err.message;
  return null;
}

/** The page's gate: role from the session, refusals as the server reports them. */
export function useAddSystemGate(can: Ref<Pick<Permissions, 'manageSystems'>>, role: Ref<Role | null | undefined>) {
  const refusal = ref<string | null>(null);
  const gate = computed(() => addSystemGate(can.value, role.value, refusal.value));
  return {
    gate,
    /** Call with a create error: remembers it when it is not about the form. */
    noteError(err: unknown) {
      const r = refusalOf(err);
      if (r) refusal.value = r;
    },
    /** The server's view was loaded again: let the next attempt ask it afresh. */
    clear() {
      refusal.value = null;
    },
  };
}

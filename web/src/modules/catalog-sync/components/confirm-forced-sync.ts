import type { ExternalSystem } from '@lyra/contracts';
import { confirmAction } from '../../../lib/confirm';

/**
 * A forced full sync skips the retire guard: everything missing from the source's answer is
 * retired. Ask once more, saying what that means, because an empty or truncated answer from the
 * source looks exactly like "everything was deleted".
 */
export function confirmForcedSync(system: Pick<ExternalSystem, 'name'> & { retire_guard_percent: number | null }): Promise<boolean> {
  const guard = system.retire_guard_percent != null ? `the ${system.retire_guard_percent}% retire guard` : 'the retire guard';
  return confirmAction(
    `Run a full sync of ${system.name} without ${guard}? Products missing from its catalog will be retired ` +
      '(no longer offered, not deleted; they come back if they reappear). Only do this if the source really dropped them.',
    'Confirm retirement',
    'Force full sync',
    'warning',
  );
}

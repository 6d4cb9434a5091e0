/**
 * The campaign status machine as data: which action moves a campaign from which status to which,
 * what an edit does in each status, and the maker-checker rule. Pure, so the API, the scheduler,
 * the catalog's auto-pause and the console's buttons all read the one table.
 *
 *   draft ──submit──▶ pending_approval ──approve──▶ scheduled ──launch──▶ running ⇄ paused
 *     ▲                     │ reject                                        │ complete │
 *     └─────────────────────┘                                               ▼          ▼
 *                                                                          completed
 *   cancel: from every status that has not ended ─▶ cancelled
 *
 * - `approve` puts the campaign on its schedule; `launch` is the scheduler at the start time (or a
 *   person launching now). Approval happens before launch, so what runs is what was approved.
 * - `reject` sends it back to draft for the maker to change and submit again.
 * - `pause` is a person or the system (the catalog retired an offer); `resume` needs no new
 *   approval because nothing approved changed.
 * - `complete` is the end date passing or a person ending it early; a paused campaign may end too.
 *   `cancel` stops a campaign that should not have run (or not run on); both are final.
 * - Edits are not transitions: see `EDIT_POLICY`.
 */

export const CAMPAIGN_STATUSES = ['draft', 'pending_approval', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const CAMPAIGN_ACTIONS = ['submit', 'approve', 'reject', 'launch', 'pause', 'resume', 'complete', 'cancel'] as const;
export type CampaignAction = (typeof CAMPAIGN_ACTIONS)[number];

/** The whole table: status -> action -> next status. An action missing from a row is not allowed there. */
export const TRANSITIONS: { readonly [S in CampaignStatus]: Readonly<Partial<Record<CampaignAction, CampaignStatus>>> } = {
  draft: { submit: 'pending_approval', cancel: 'cancelled' },
  pending_approval: { approve: 'scheduled', reject: 'draft', cancel: 'cancelled' },
  scheduled: { launch: 'running', cancel: 'cancelled' },
  running: { pause: 'paused', complete: 'completed', cancel: 'cancelled' },
  paused: { resume: 'running', complete: 'completed', cancel: 'cancelled' },
  completed: {},
  cancelled: {},
};

/** Actions that need the approver permission (admin or campaign_approver) rather than the campaign editor's. */
export const APPROVER_ACTIONS: readonly CampaignAction[] = ['approve', 'reject'];

/** No action leaves these. */
export const FINAL_STATUSES: readonly CampaignStatus[] = ['completed', 'cancelled'];

/** The actions allowed in a status, in the table's order (what the console shows as buttons). */
export function allowedActions(status: CampaignStatus): CampaignAction[] {
  return CAMPAIGN_ACTIONS.filter((a) => TRANSITIONS[status][a] !== undefined);
}

export interface IllegalTransition {
  code: 'illegal_transition';
  status: CampaignStatus;
  action: CampaignAction;
  /** What is allowed instead: the API answers 409 naming them. */
  allowed: CampaignAction[];
  message: string;
}

export type TransitionResult = { ok: true; status: CampaignStatus } | { ok: false; error: IllegalTransition };

export function nextStatus(status: CampaignStatus, action: CampaignAction): TransitionResult {
  const next = TRANSITIONS[status][action];
  if (next !== undefined) return { ok: true, status: next };
  const allowed = allowedActions(status);
  return {
    ok: false,
    error: {
      code: 'illegal_transition',
      status,
      action,
      allowed,
      message: `A campaign in status ${status} cannot ${action}; ${allowed.length ? `allowed: ${allowed.join(', ')}` : 'it has ended and allows no action'}.`,
    },
  };
}

/**
 * What saving a change does in each status:
 * - `in_place`: a draft is edited freely.
 * - `back_to_draft`: a submitted or approved (not yet launched) campaign returns to draft; its
 *   approval was for what the approver saw, so the change needs a new submit and approval.
 * - `new_version`: a running or paused campaign keeps running as approved (its audience snapshot
 *   and offers are frozen); the change becomes a new version pending approval, which replaces the
 *   running one only when approved.
 * - `refused`: an ended campaign is a record; it is not edited.
 */
export type EditPolicy = 'in_place' | 'back_to_draft' | 'new_version' | 'refused';

export const EDIT_POLICY: { readonly [S in CampaignStatus]: EditPolicy } = {
  draft: 'in_place',
  pending_approval: 'back_to_draft',
  scheduled: 'back_to_draft',
  running: 'new_version',
  paused: 'new_version',
  completed: 'refused',
  cancelled: 'refused',
};

/** The status a campaign has after an edit is saved (the live campaign's, for a new version); null when refused. */
export function statusAfterEdit(status: CampaignStatus): CampaignStatus | null {
  switch (EDIT_POLICY[status]) {
    case 'in_place':
    case 'new_version':
      return status;
    case 'back_to_draft':
      return 'draft';
    case 'refused':
      return null;
  }
}

/**
 * Maker-checker: whoever submitted may not approve. Unknown people never pass: a submission
 * without a recorded submitter cannot be checked, so nobody may approve it. Ids are compared
 * trimmed and case-insensitively (a UUID may arrive in either case).
 */
export function mayApprove(submittedBy: string | null | undefined, approver: string | null | undefined): boolean {
  const maker = submittedBy?.trim().toLowerCase() ?? '';
  const checker = approver?.trim().toLowerCase() ?? '';
  return maker !== '' && checker !== '' && maker !== checker;
}

import type { Campaign, CampaignAction, CampaignListItem } from '@lyra/contracts';
import type { Permissions } from '../auth/permissions';
import { ACTION_LABELS } from './campaign-labels';

export interface ActionButton {
  action: CampaignAction;
  label: string;
  /** Why the button cannot be pressed (shown beside it); null when it can. */
  disabledReason: string | null;
  type: 'primary' | 'success' | 'warning' | 'danger' | 'default';
  /** Asks for a reason first (pause, send back, cancel). */
  asksReason: boolean;
}

const TYPES: Record<CampaignAction, ActionButton['type']> = {
  submit: 'primary', approve: 'success', reject: 'warning', launch: 'primary', pause: 'warning', resume: 'success', complete: 'default', cancel: 'danger',
};
const ORDER: readonly CampaignAction[] = ['submit', 'approve', 'reject', 'launch', 'resume', 'pause', 'complete', 'cancel'];

/**
 * The status actions the signed-in user may take: what the status allows (the server's
 * `allowed_actions`) and what the role permits. Maker-checker: the person who submitted sees
 * Approve disabled with the reason rather than a button that fails.
 */
export function actionButtons(
  c: Pick<Campaign, 'allowed_actions' | 'submitted_by'>,
  userId: string | null,
  can: Pick<Permissions, 'writeCampaigns' | 'approveCampaigns'>,
): ActionButton[] {
  const out: ActionButton[] = [];
  for (const action of ORDER) {
    if (!c.allowed_actions.includes(action)) continue;
    const approverAction = action === 'approve' || action === 'reject';
    if (approverAction ? !can.approveCampaigns : !can.writeCampaigns) continue;
    const ownSubmission = action === 'approve' && userId !== null && c.submitted_by === userId;
    out.push({
      action,
      label: ACTION_LABELS[action],
      disabledReason: ownSubmission ? 'You submitted this campaign: another approver must approve it (maker-checker).' : null,
      type: TYPES[action],
      asksReason: action === 'pause' || action === 'reject' || action === 'cancel',
    });
  }
  return out;
}

export type AttentionKind = 'paused' | 'awaiting_approval' | 'repriced';

export interface AttentionItem {
  kind: AttentionKind;
  campaign: CampaignListItem;
  text: string;
}

/**
 * What needs someone on the landing page: campaigns the catalog paused (with the reason),
 * submissions awaiting approval (for those who may approve someone else's), and re-priced offers
 * to acknowledge.
 */
export function attentionItems(list: readonly CampaignListItem[], userId: string | null, canApprove: boolean): AttentionItem[] {
  const out: AttentionItem[] = [];
  for (const c of list) {
    if (c.status === 'paused' && c.paused_reason) out.push({ kind: 'paused', campaign: c, text: c.paused_reason });
    if (c.status === 'pending_approval' && canApprove && c.submitted_by !== userId) out.push({ kind: 'awaiting_approval', campaign: c, text: 'Submitted for approval' });
    if (c.pending_version !== null && canApprove) out.push({ kind: 'awaiting_approval', campaign: c, text: `Version ${c.pending_version} waits for approval` });
    const repriced = c.attention.filter((a) => a.kind === 'price_changed').length;
    if (repriced) out.push({ kind: 'repriced', campaign: c, text: `${repriced} offer${repriced === 1 ? '' : 's'} re-priced in the catalog: acknowledge` });
  }
  return out;
}

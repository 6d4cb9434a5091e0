import { describe, expect, it } from 'vitest';
import { actionButtons, attentionItems } from './campaign-actions';
import { launchProgress } from './use-campaign';
import { makeCampaign, makeListItem } from './test-fixtures';

const ME = '9c1d1a52-0d3e-4b6a-bb39-7a3f4f2d1e01';
const OTHER = '3f0b8f1b-8c9e-4f55-9e5e-4d1a1c2b3a02';
const marketer = { writeCampaigns: true, approveCampaigns: false };
const admin = { writeCampaigns: true, approveCampaigns: true };
const approver = { writeCampaigns: false, approveCampaigns: true };

describe('actionButtons', () => {
  it('offers what the status allows and the role may do', () => {
    const submitted = makeCampaign({ status: 'pending_approval', allowed_actions: ['approve', 'reject', 'cancel'], submitted_by: OTHER });
    expect(actionButtons(submitted, ME, marketer).map((b) => b.action)).toEqual(['cancel']);
    expect(actionButtons(submitted, ME, approver).map((b) => b.action)).toEqual(['approve', 'reject']);
    expect(actionButtons(submitted, ME, approver).every((b) => b.disabledReason === null)).toBe(true);
    const running = makeCampaign({ status: 'running', allowed_actions: ['pause', 'complete', 'cancel'] });
    expect(actionButtons(running, ME, marketer).map((b) => b.action)).toEqual(['pause', 'complete', 'cancel']);
    expect(actionButtons(running, ME, marketer).find((b) => b.action === 'pause')?.asksReason).toBe(true);
  });

  it('shows the submitter Approve disabled with the maker-checker reason', () => {
    const own = makeCampaign({ status: 'pending_approval', allowed_actions: ['approve', 'reject', 'cancel'], submitted_by: ME });
    const approve = actionButtons(own, ME, admin).find((b) => b.action === 'approve');
    expect(approve?.disabledReason).toMatch(/You submitted this campaign/);
    // Sending back one's own submission stays possible.
    expect(actionButtons(own, ME, admin).find((b) => b.action === 'reject')?.disabledReason).toBeNull();
  });

  it('offers launch to the makers once scheduled', () => {
    const scheduled = makeCampaign({ status: 'scheduled', allowed_actions: ['launch', 'cancel'] });
    expect(actionButtons(scheduled, ME, marketer).map((b) => b.action)).toEqual(['launch', 'cancel']);
    expect(actionButtons(scheduled, ME, approver)).toEqual([]);
  });
});

describe('attentionItems', () => {
  it('lists catalog pauses with their reason, submissions for other approvers, and re-prices', () => {
    const paused = makeListItem({ id: 'a', status: 'paused', paused_reason: 'Offer "Data 10GB" was retired in Xiva BSS' });
    const mine = makeListItem({ id: 'b', status: 'pending_approval', submitted_by: ME });
    const theirs = makeListItem({ id: 'c', status: 'pending_approval', submitted_by: OTHER });
    const repriced = makeListItem({
      id: 'd', status: 'running',
      attention: [{ kind: 'price_changed', product_id: '72585b66-02b8-4746-8c50-e09368455413', before: '49.00', after: '59.00', at: '2026-12-02T00:00:00Z' }],
    });
    const items = attentionItems([paused, mine, theirs, repriced], ME, true);
    expect(items.map((i) => [i.kind, i.campaign.id])).toEqual([['paused', 'a'], ['awaiting_approval', 'c'], ['repriced', 'd']]);
    expect(items[0]!.text).toContain('retired');
    expect(attentionItems([theirs], ME, false)).toEqual([]);
  });
});

describe('launchProgress', () => {
  it('says the phase and how far it got', () => {
    expect(launchProgress({ launch_state: 'snapshot', launch_done: 250, launch_total: 1000 })).toEqual({ text: 'Freezing the audience and its control group — 250 of 1,000', percent: 25 });
    expect(launchProgress({ launch_state: 'queued', launch_done: 0, launch_total: null }).percent).toBeNull();
    expect(launchProgress({ launch_state: 'done', launch_done: 10, launch_total: 10 })).toEqual({ text: 'Launched', percent: 100 });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  APPROVER_ACTIONS,
  CAMPAIGN_ACTIONS,
  CAMPAIGN_STATUSES,
  EDIT_POLICY,
  FINAL_STATUSES,
  allowedActions,
  mayApprove,
  nextStatus,
  statusAfterEdit,
  type CampaignAction,
  type CampaignStatus,
} from './lifecycle.js';

/** The decided table, written out independently of the module's: every legal move, nothing else. */
const LEGAL: Array<[CampaignStatus, CampaignAction, CampaignStatus]> = [
  ['draft', 'submit', 'pending_approval'],
  ['draft', 'cancel', 'cancelled'],
  ['pending_approval', 'approve', 'scheduled'],
  ['pending_approval', 'reject', 'draft'],
  ['pending_approval', 'cancel', 'cancelled'],
  ['scheduled', 'launch', 'running'],
  ['scheduled', 'cancel', 'cancelled'],
  ['running', 'pause', 'paused'],
  ['running', 'complete', 'completed'],
  ['running', 'cancel', 'cancelled'],
  ['paused', 'resume', 'running'],
  ['paused', 'complete', 'completed'],
  ['paused', 'cancel', 'cancelled'],
];
const legal = new Map(LEGAL.map(([s, a, t]) => [`${s}:${a}`, t]));
const everyPair = CAMPAIGN_STATUSES.flatMap((s) => CAMPAIGN_ACTIONS.map((a) => [s, a] as const));

describe('the status table', () => {
  it('has 7 statuses and 8 actions', () => {
    expect(CAMPAIGN_STATUSES).toEqual(['draft', 'pending_approval', 'scheduled', 'running', 'paused', 'completed', 'cancelled']);
    expect(CAMPAIGN_ACTIONS).toEqual(['submit', 'approve', 'reject', 'launch', 'pause', 'resume', 'complete', 'cancel']);
    expect(everyPair).toHaveLength(56);
  });

  it.each(everyPair)('%s + %s', (status, action) => {
    const result = nextStatus(status, action);
    const expected = legal.get(`${status}:${action}`);
    if (expected) {
      expect(result).toEqual({ ok: true, status: expected });
    } else {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error).toEqual({
        code: 'illegal_transition',
        status,
        action,
        allowed: LEGAL.filter(([s]) => s === status).map(([, a]) => a).sort((x, y) => CAMPAIGN_ACTIONS.indexOf(x) - CAMPAIGN_ACTIONS.indexOf(y)),
        message: expect.stringContaining(`status ${status} cannot ${action}`) as unknown as string,
      });
    }
  });

  it('allowedActions lists exactly the legal actions of each status, in table order', () => {
    expect(Object.fromEntries(CAMPAIGN_STATUSES.map((s) => [s, allowedActions(s)]))).toEqual({
      draft: ['submit', 'cancel'],
      pending_approval: ['approve', 'reject', 'cancel'],
      scheduled: ['launch', 'cancel'],
      running: ['pause', 'complete', 'cancel'],
      paused: ['resume', 'complete', 'cancel'],
      completed: [],
      cancelled: [],
    });
  });

  it('the refusal names the allowed actions for the 409, or says the campaign has ended', () => {
    const r = nextStatus('draft', 'launch');
    expect(!r.ok && r.error.message).toBe('A campaign in status draft cannot launch; allowed: submit, cancel.');
    const ended = nextStatus('completed', 'resume');
    expect(!ended.ok && ended.error.message).toBe('A campaign in status completed cannot resume; it has ended and allows no action.');
  });

  it('final statuses allow nothing, every other status can be cancelled', () => {
    expect(FINAL_STATUSES).toEqual(['completed', 'cancelled']);
    for (const s of CAMPAIGN_STATUSES) {
      if (FINAL_STATUSES.includes(s)) expect(allowedActions(s)).toEqual([]);
      else expect(nextStatus(s, 'cancel')).toEqual({ ok: true, status: 'cancelled' });
    }
  });

  it('every status is reachable from draft, and every status can reach an end', () => {
    const reach = (from: CampaignStatus) => {
      const seen = new Set<CampaignStatus>([from]);
      const queue = [from];
      while (queue.length) {
        const s = queue.shift()!;
        for (const a of allowedActions(s)) {
          const r = nextStatus(s, a);
          if (r.ok && !seen.has(r.status)) {
            seen.add(r.status);
            queue.push(r.status);
          }
        }
      }
      return seen;
    };
    expect([...reach('draft')].sort()).toEqual([...CAMPAIGN_STATUSES].sort());
    for (const s of CAMPAIGN_STATUSES) expect(FINAL_STATUSES.some((f) => reach(s).has(f))).toBe(true);
  });

  it('a campaign runs only through approval: no path reaches running without approve (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CAMPAIGN_ACTIONS), { maxLength: 30 }), (actions) => {
        let status: CampaignStatus = 'draft';
        let approvedSinceDraft = false;
        for (const action of actions) {
          const r = nextStatus(status, action);
          if (!r.ok) {
            // A refused action changes nothing.
            continue;
          }
          if (r.status === 'draft') approvedSinceDraft = false;
          if (action === 'approve') approvedSinceDraft = true;
          status = r.status;
          if (status === 'running' || status === 'scheduled') expect(approvedSinceDraft).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('approve and reject are the approver actions', () => {
    expect(APPROVER_ACTIONS).toEqual(['approve', 'reject']);
    for (const a of APPROVER_ACTIONS) expect(LEGAL.filter(([, x]) => x === a).map(([s]) => s)).toEqual(['pending_approval']);
  });
});

describe('edits', () => {
  it('a draft changes in place, a submitted or scheduled one returns to draft, a live one makes a new version, an ended one is refused', () => {
    expect(EDIT_POLICY).toEqual({
      draft: 'in_place',
      pending_approval: 'back_to_draft',
      scheduled: 'back_to_draft',
      running: 'new_version',
      paused: 'new_version',
      completed: 'refused',
      cancelled: 'refused',
    });
    expect(CAMPAIGN_STATUSES.map(statusAfterEdit)).toEqual(['draft', 'draft', 'draft', 'running', 'paused', null, null]);
  });
});

describe('maker-checker', () => {
  it('the submitter may not approve; another person may', () => {
    expect(mayApprove('u-1', 'u-1')).toBe(false);
    expect(mayApprove('u-1', 'u-2')).toBe(true);
    expect(mayApprove('0B7E3F9A-0000-4000-8000-000000000001', '0b7e3f9a-0000-4000-8000-000000000001 ')).toBe(false);
  });

  it('nobody may approve a submission without a known submitter, and an unknown approver may not approve', () => {
    expect(mayApprove(null, 'u-2')).toBe(false);
    expect(mayApprove(undefined, 'u-2')).toBe(false);
    expect(mayApprove('  ', 'u-2')).toBe(false);
    expect(mayApprove('u-1', null)).toBe(false);
    expect(mayApprove('u-1', '')).toBe(false);
  });

  it('is false for the same person however the id is spelt, true for any two different people (property)', () => {
    const id = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '');
    fc.assert(
      fc.property(id, fc.constantFrom('', ' ', '\t'), (who, pad) => {
        expect(mayApprove(who, `${pad}${who.toUpperCase()}${pad}`)).toBe(false);
        expect(mayApprove(who, who)).toBe(false);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), (a, b) => {
        expect(mayApprove(a, b)).toBe(a !== b);
      }),
      { numRuns: 1000 },
    );
  });
});

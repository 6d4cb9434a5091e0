import type { SyncCounts } from '@lyra/contracts';
import type { Redactor } from '../../lib/upstream-errors.js';
import type { ConnectorPage, ItemError, SourceItem, SyncCursor } from './connectors/types.js';
import type { SyncRunRow } from './sync-runs.repository.js';

const MAX_STORED_ITEM_ERRORS = 100;

/** What a run did with one source record; the last write of a record read twice decides. */
export type ItemOutcome = 'created' | 'updated' | 'unchanged';

const cursorOf = (item: SourceItem): SyncCursor | null => (item.updatedAt ? { updatedAt: item.updatedAt, id: item.externalId } : null);
export const laterCursor = (a: SyncCursor | null, b: SyncCursor | null): SyncCursor | null => {
  if (!a) return b;
  if (!b) return a;
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt ? a : b;
  return a.id >= b.id ? a : b;
};

/**
 * What one run has read and done so far: the run row's progress columns are written from it after
 * each page, and the sweep and the cursor at the end read it.
 */
export class RunTally {
  /** Retired, skipped and failed items; created / updated / unchanged come from `outcomes`. */
  readonly counts: SyncCounts = { created: 0, updated: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0 };
  /** Per source id, so a record the paging served twice counts once. */
  readonly outcomes = new Map<string, ItemOutcome>();
  /** Source ids present at the source, readable or not: the sweep never retires them. */
  readonly seen = new Set<string>();
  /** Content written per source id: a repeat within the run with the same content is a no-op. */
  readonly hashes = new Map<string, string>();
  readonly itemErrors: { external_id: string | null; position: number; reason: string }[] = [];
  itemErrorsTotal = 0;
  itemsRead = 0;
  itemsTotal: number | null = null;
  /** The latest source stamp read: where the next incremental run resumes. */
  maxCursor: SyncCursor | null = null;

  /** A page as read, before it is written: its position, its unreadable records, the ids and stamps it holds. */
  notePage(page: ConnectorPage, redactor: Redactor): void {
    this.itemsRead = page.read;
    this.itemsTotal = page.total;
    for (const e of page.errors) {
      this.counts.skipped++;
      this.recordError(e, redactor);
      // Present at the source even if unreadable: never retired for being malformed.
      if (e.externalId) this.seen.add(e.externalId);
    }
    for (const it of page.items) {
      this.seen.add(it.externalId);
      this.maxCursor = laterCursor(this.maxCursor, cursorOf(it));
    }
  }

  recordError(e: ItemError, redactor: Redactor): void {
    this.itemErrorsTotal++;
    // Reasons quote records (and database errors quote values): what came from outside is masked and shortened.
    if (this.itemErrors.length < MAX_STORED_ITEM_ERRORS) {
      this.itemErrors.push({ external_id: e.externalId && redactor.mask(e.externalId), position: e.position, reason: redactor.safe(e.reason) });
    }
  }

  totals(): SyncCounts {
    const c = { ...this.counts, created: 0, updated: 0, unchanged: 0 };
    for (const o of this.outcomes.values()) c[o]++;
    return c;
  }

  /** The run row's progress columns as of now. */
  progress(): Pick<SyncRunRow, 'itemsRead' | 'itemsTotal' | 'counts' | 'itemErrors' | 'itemErrorsTotal'> {
    return { itemsRead: this.itemsRead, itemsTotal: this.itemsTotal, counts: this.totals(), itemErrors: this.itemErrors, itemErrorsTotal: this.itemErrorsTotal };
  }
}

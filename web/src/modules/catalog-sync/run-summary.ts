import type { SyncRun, SyncStatus } from '@lyra/contracts';
import { COUNT_KEYS, type CountKey } from './sync-labels';

const ACTIVE: readonly string[] = ['queued', 'running'] satisfies SyncStatus[];

/** Queued or running: the run can still change, so views keep polling it. */
export const isActiveStatus = (status: string | null | undefined): boolean => !!status && ACTIVE.includes(status);

/**
 * The retire guard stops a full sync that would retire more than the system's limit and asks
 * for a forced full sync.
 */
export function stoppedAtRetireGuard(run: Pick<SyncRun, 'stop_reason'> | null | undefined): boolean {
  return run?.stop_reason === 'retire_guard';
}

/**
 * A full sync that retired nothing because it looked too short (the retire guard, or fewer items
 * than the source announced): an admin who knows the source is right confirms it with a forced
 * full sync.
 */
export function needsForcedSync(run: Pick<SyncRun, 'stop_reason'> | null | undefined): boolean {
  return run?.stop_reason === 'retire_guard' || run?.stop_reason === 'incomplete_snapshot';
}

/**
 * The limit named in the guard's message ("limit 20%"), only for wording the confirmation (a run
 * does not carry its system's settings); null falls back to a wording without the number.
 */
export function guardLimit(error: string | null | undefined): number | null {
  const m = /limit (\d{1,3})%/i.exec(error ?? '');
  return m ? Number(m[1]) : null;
}

/** 0-100 when the source told how many items there are; null for an indeterminate bar. */
export function progressPercent(run: Pick<SyncRun, 'progress' | 'status'>): number | null {
  if (run.status === 'succeeded') return 100;
  const { percent, items_total, items_read } = run.progress;
  if (percent != null) return Math.max(0, Math.min(100, percent));
  if (items_total) return Math.max(0, Math.min(100, Math.round((items_read / items_total) * 1000) / 10));
  return null;
}

/** "240 of 398 items read" or "240 items read" while the total is unknown. */
export function progressText(run: Pick<SyncRun, 'progress' | 'status'>): string {
  const { items_read, items_total } = run.progress;
  if (run.status === 'queued') return 'Waiting for a worker…';
  return items_total != null ? `${items_read.toLocaleString('en-US')} of ${items_total.toLocaleString('en-US')} items read` : `${items_read.toLocaleString('en-US')} items read`;
}

/** The counters worth a glance in a table cell: everything non-zero, "no changes" otherwise. */
export function nonZeroCounts(counts: SyncRun['counts']): { key: CountKey; n: number }[] {
  return COUNT_KEYS.filter((k) => counts[k] > 0).map((key) => ({ key, n: counts[key] }));
}

/** Price shown in a catalog change's before/after blob, when it has one. */
export function changeMoney(v: unknown): { price: string; currency: string } | null {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  return typeof r.price === 'string' && typeof r.currency === 'string' ? { price: r.price, currency: r.currency } : null;
}

export function changeName(before: unknown, after: unknown): string | null {
  for (const v of [after, before]) {
    if (typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>).name === 'string') return (v as { name: string }).name;
  }
  return null;
}

const n = (v: number) => v.toLocaleString('en-US');
const plural = (count: number, one: string, many = `${one}s`) => `${n(count)} ${count === 1 ? one : many}`;

/**
 * Node's fetch says only "fetch failed" (stored as "TypeError: fetch failed") when no answer
 * came: the cause sits in `err.cause`, which older servers did not record. Such texts, and raw
 * socket codes, are put in words; anything else is shown as the server wrote it.
 */
const SOCKET_CODES: [RegExp, string][] = [
  [/\bECONNREFUSED\b/, 'connection refused'],
  [/\bENOTFOUND\b|\bEAI_AGAIN\b/, 'host name not found'],
  [/\bETIMEDOUT\b|\bUND_ERR_CONNECT_TIMEOUT\b/, 'connection timed out'],
  [/\bECONNRESET\b|\bUND_ERR_SOCKET\b/, 'connection reset'],
  [/\bEHOSTUNREACH\b|\bENETUNREACH\b/, 'host unreachable'],
  [/\bCERT_|\bUNABLE_TO_VERIFY_LEAF_SIGNATURE\b|\bSELF_SIGNED_CERT/, 'TLS certificate not accepted'],
];
const BARE_FETCH_FAILED = /^\s*(?:TypeError:\s*)?fetch failed\.?\s*$/i;
const UNREACHABLE = /fetch failed|could not reach|network error|connection refused|host name not found|timed out|connection reset|unreachable|ECONN|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|port blocked|host not found/i;

export function readableRunError(error: string | null | undefined): string | null {
  const text = error?.trim();
  if (!text) return null;
  if (BARE_FETCH_FAILED.test(text)) return 'Could not reach the system: the connection failed before any answer (no further detail was recorded).';
  let out = text.replace(/(?:TypeError:\s*)?fetch failed/gi, 'could not reach the system');
  for (const [code, words] of SOCKET_CODES) {
    if (code.test(out) && !out.toLowerCase().includes(words)) {
      out = `${out} (${words})`;
      break;
    }
  }
  // A JavaScript class name in front says nothing to an operator.
  out = out.replace(/^(?:TypeError|Error|AbortError|DOMException):\s*/, '');
  return out.charAt(0).toUpperCase() + out.slice(1);
}

/** The run failed because the source could not be reached at all (no answer came back). */
export const isUnreachableError = (error: string | null | undefined): boolean => !!error && UNREACHABLE.test(error);

export type RunStage = 'queued' | 'connecting' | 'reading' | 'finishing' | 'cancelling' | 'done';

/**
 * Where a live run is, from the fields the server updates after every page: queued, connecting
 * (running, nothing read yet), reading and writing pages, finishing (everything the source announced
 * has been read: retirements and the cursor), cancelling.
 */
export function runStage(run: Pick<SyncRun, 'status' | 'progress' | 'cancel_requested' | 'mode' | 'requested_mode'>): { stage: RunStage; label: string } {
  const { items_read, items_total } = run.progress;
  if (run.status === 'queued') return { stage: 'queued', label: run.cancel_requested ? 'Cancelling' : 'Queued' };
  if (run.status !== 'running') return { stage: 'done', label: 'Finished' };
  if (run.cancel_requested) return { stage: 'cancelling', label: 'Cancelling — stops after the page being read' };
  if (items_read === 0) return { stage: 'connecting', label: 'Connecting and reading the first page' };
  if (items_total != null && items_read >= items_total) {
    return { stage: 'finishing', label: (run.mode ?? run.requested_mode) === 'full' ? 'Finishing — everything read; checking what left the source' : 'Finishing — everything read; saving the cursor' };
  }
  return { stage: 'reading', label: 'Reading and writing pages' };
}

/** Items the run has applied so far: compared and written (created, updated) or found unchanged. */
export const itemsApplied = (counts: SyncRun['counts']): number => counts.created + counts.updated + counts.unchanged;
/** Items the run actually wrote to the catalog. */
export const itemsWritten = (counts: SyncRun['counts']): number => counts.created + counts.updated;

/** "12.5 items/s" over the running time; null until there is something to measure. */
export function readRate(run: Pick<SyncRun, 'progress' | 'duration_ms'>): string | null {
  const ms = run.duration_ms ?? 0;
  if (run.progress.items_read === 0 || ms < 1000) return null;
  const perSecond = run.progress.items_read / (ms / 1000);
  return `${perSecond >= 100 ? n(Math.round(perSecond)) : perSecond.toFixed(1)} items/s`;
}

export interface RunOutcome {
  tone: 'success' | 'warning' | 'error' | 'info';
  /** One line that says what happened. */
  title: string;
  /** The server's reason, in words (readableRunError), when there is one. */
  reason: string | null;
  /** What that means for the catalog. */
  detail: string;
}

/** What a finished run did, said plainly: never "every record could be read" for a run that read nothing. */
export function runOutcome(run: SyncRun): RunOutcome {
  const read = run.progress.items_read;
  const reason = readableRunError(run.error);
  const skipped = run.item_errors_total;
  const errorsNote = skipped ? ` ${plural(skipped, 'record')} could not be read or written and ${skipped === 1 ? 'was' : 'were'} skipped.` : '';
  const retired = run.counts.retired ? `${plural(run.counts.retired, 'product')} retired` : 'nothing was retired';
  const readSoFar =
    read === 0
      ? 'Nothing was read from the source, so the catalog was not changed.'
      : `Stopped after reading ${plural(read, 'item')}: what was written so far is kept (${plural(itemsWritten(run.counts), 'product')} created or updated); ${retired}.${errorsNote}`;
  const changed = nonZeroCounts(run.counts).filter((c) => c.key === 'created' || c.key === 'updated' || c.key === 'retired');
  const changeText = changed.length ? changed.map((c) => `${n(c.n)} ${c.key}`).join(', ') : 'no changes';

  if (isActiveStatus(run.status)) return { tone: 'info', title: runStage(run).label, reason: null, detail: progressText(run) };
  if (run.stop_reason === 'abandoned') {
    return { tone: 'error', title: 'Abandoned — the Lyra process running it stopped', reason, detail: readSoFar };
  }
  switch (run.status) {
    case 'failed':
      return {
        tone: 'error',
        title: isUnreachableError(run.error) ? 'Failed — could not reach the system' : 'Failed',
        reason: reason ?? 'The server recorded no reason.',
        detail: readSoFar,
      };
    case 'cancelled':
      return { tone: 'info', title: 'Cancelled', reason: null, detail: read === 0 ? 'Cancelled before anything was read; the catalog was not changed.' : readSoFar };
    case 'partially_succeeded':
      if (run.stop_reason === 'retire_guard') {
        return { tone: 'warning', title: 'Stopped at the retire guard — nothing was retired', reason, detail: `Read ${plural(read, 'item')}: ${changeText}.${errorsNote}` };
      }
      if (run.stop_reason === 'incomplete_snapshot') {
        return { tone: 'warning', title: 'Incomplete snapshot — nothing was retired', reason, detail: `Read ${plural(read, 'item')}: ${changeText}. It does not count as a full sync.${errorsNote}` };
      }
      return {
        tone: 'warning',
        title: skipped ? `Finished with ${plural(skipped, 'item error')}` : 'Partly succeeded',
        reason,
        detail: `Read ${plural(read, 'item')}: ${changeText}.${errorsNote || ' Some records were skipped.'}`,
      };
    case 'succeeded':
      if (read === 0) {
        return (run.mode ?? run.requested_mode) === 'incremental'
          ? { tone: 'success', title: 'Up to date — nothing changed at the source', reason, detail: 'The source reported no changes since the last sync.' }
          : { tone: 'warning', title: 'Finished, but the source listed no items', reason, detail: 'Nothing was read, so nothing was created, updated or retired.' };
      }
      return { tone: 'success', title: 'Succeeded', reason, detail: `Read ${plural(read, 'item')}: ${changeText}.` };
    default:
      return { tone: 'info', title: run.status, reason, detail: progressText(run) };
  }
}

/** The line under an empty item-errors table: what the lack of errors actually means for this run. */
export function itemErrorsNote(run: SyncRun): string {
  const read = run.progress.items_read;
  if (isActiveStatus(run.status)) return read === 0 ? 'Nothing read yet.' : 'None so far.';
  if (run.item_errors_total > 0) return '';
  const stoppedEarly = run.status === 'failed' || run.status === 'cancelled' || run.stop_reason === 'abandoned';
  if (read === 0) return stoppedEarly ? 'No records were read: the run stopped before the first page arrived (see why above).' : 'The source returned no records.';
  if (stoppedEarly) return `None among the ${plural(read, 'record')} read before the run stopped.`;
  return `All ${plural(read, 'record')} read could be mapped and written.`;
}

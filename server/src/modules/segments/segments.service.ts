import { suggestSegments, type Segment, type SegmentCreate, type SegmentList, type SegmentListQuery, type SegmentPatch } from '@lyra/contracts';
import { pgErrorCode, PG_UNIQUE_VIOLATION } from '../../db/errors.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { AppError } from '../../lib/errors.js';
import { toIso } from '../../lib/time.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import type { Actor } from '../auth/permissions.js';
import type { SegmentsRepository, SegmentWithCounts } from './segments.repository.js';

export function toSegment(r: SegmentWithCounts): Segment {
  return {
    id: r.id, name: r.name, description: r.description, member_count: r.memberCount, product_count: r.productCount,
    created_at: toIso(r.createdAt), updated_at: toIso(r.updatedAt),
  };
}

export interface SegmentWrites {
  segments: Pick<SegmentsRepository, 'findById' | 'findByName' | 'campaignsUsing' | 'insert' | 'update' | 'remove'>;
  audit: Pick<AuditRepository, 'record'>;
}

/**
 * The managed segment list: targeting fields of products and campaign audiences choose from it.
 * Names are unique case-insensitively. A segment in use (subscribers, products or campaigns name
 * it) keeps its name: renaming it here would not rename it in the subscriber data or the source
 * systems, and the two would silently part.
 */
export function createSegmentsService(deps: {
  segments: Pick<SegmentsRepository, 'list' | 'findById' | 'names' | 'syncFromData' | 'addFromData'>;
  uow: UnitOfWork<SegmentWrites>;
}) {
  const { segments, uow } = deps;

  const taken = (name: string) =>
    AppError.conflict(`A segment named "${name}" already exists`, 'conflict', { fields: { name: ['already exists (names are compared case-insensitively)'] } });

  async function usersOf(repo: SegmentWrites['segments'], row: SegmentWithCounts): Promise<string | null> {
    const campaigns = await repo.campaignsUsing(row.name);
    const parts = [
      row.memberCount && `${row.memberCount} subscriber(s)`,
      row.productCount && `${row.productCount} product(s)`,
      campaigns.length && `campaign(s) ${campaigns.map((c) => `"${c.name}"`).join(', ')}`,
    ].filter(Boolean);
    return parts.length ? parts.join(', ') : null;
  }

  async function get(id: string): Promise<Segment> {
    const row = await segments.findById(id);
    if (!row) throw AppError.notFound('Segment');
    return toSegment(row);
  }

  return {
    async list(q: SegmentListQuery): Promise<SegmentList> {
      const { count, results } = await segments.list(q);
      return { count, results: results.map(toSegment) };
    },

    get,

    async create(actor: Actor, input: SegmentCreate): Promise<Segment> {
      try {
        const id = await uow.transaction(async ({ segments, audit }) => {
          if (await segments.findByName(input.name)) throw taken(input.name);
          const row = await segments.insert({ name: input.name, description: input.description });
          await audit.record(actor, { action: 'create', entityType: 'segment', entityId: row.id, after: { name: row.name, description: row.description } });
          return row.id;
        });
        return await get(id);
      } catch (err) {
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw taken(input.name);
        throw err;
      }
    },

    async update(actor: Actor, id: string, input: SegmentPatch): Promise<Segment> {
      try {
        await uow.transaction(async ({ segments, audit }) => {
          const current = await segments.findById(id, { forUpdate: true });
          if (!current) throw AppError.notFound('Segment');
          const renamed = input.name !== undefined && input.name !== current.name;
          if (renamed) {
            const other = await segments.findByName(input.name!);
            if (other && other.id !== id) throw taken(input.name!);
            // Only a change of case is harmless to the data that names it; anything else needs the segment unused.
            const users = input.name!.toLowerCase() === current.name.toLowerCase() ? null : await usersOf(segments, current);
            if (users) throw AppError.conflict(`Segment "${current.name}" is used by ${users}; it cannot be renamed`, 'in_use', { fields: { name: ['the segment is in use'] } });
          }
          const values = { ...(input.name !== undefined && { name: input.name }), ...(input.description !== undefined && { description: input.description }) };
          await segments.update(id, values);
          await audit.record(actor, {
            action: 'update', entityType: 'segment', entityId: id,
            before: { name: current.name, description: current.description }, after: { name: values.name ?? current.name, description: values.description ?? current.description },
          });
        });
      } catch (err) {
        if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw taken(input.name ?? '');
        throw err;
      }
      return get(id);
    },

    async remove(actor: Actor, id: string): Promise<void> {
      await uow.transaction(async ({ segments, audit }) => {
        const current = await segments.findById(id, { forUpdate: true });
        if (!current) throw AppError.notFound('Segment');
        const users = await usersOf(segments, current);
        if (users) throw AppError.conflict(`Segment "${current.name}" is used by ${users}; it cannot be deleted`, 'in_use');
        await segments.remove(id);
        await audit.record(actor, { action: 'delete', entityType: 'segment', entityId: id, before: { name: current.name, description: current.description } });
      });
    },

    /**
     * Refuses names the list does not hold, naming the field with the closest known names. `keep`:
     * names the record already carries (a synced product's segments from its source) stay accepted.
     */
    async assertKnown(field: string, names: readonly string[], keep: readonly string[] = []): Promise<void> {
      if (names.length === 0) return;
      const known = await segments.names();
      const lower = new Set([...known, ...keep].map((n) => n.toLowerCase()));
      const messages = names
        .filter((n) => !lower.has(n.trim().toLowerCase()))
        .map((n) => {
          const close = suggestSegments(n, known);
          return `unknown segment "${n}"${close.length ? `; did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : '; add it to the segments list first'}`;
        });
      if (messages.length) throw AppError.validation({ [field]: messages }, `Unknown segment in ${field}`);
    },

    /** Adds the segments the data uses to the list (start-up and after syncs). */
    syncFromData: () => segments.syncFromData(),

    /** Adds the segments a customers import brought (its subscribers'), once it committed. */
    addFromData: (names: readonly string[]) => segments.addFromData(names),
  };
}
export type SegmentsService = ReturnType<typeof createSegmentsService>;

import type {
  OfferGroup, OfferGroupList, OfferGroupListQuery, OfferGroupMember, OfferMatchResult, Product, ProductLinkBody,
} from '@lyra/contracts';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { AppError } from '../../lib/errors.js';
import { toIso } from '../../lib/time.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import type { Actor } from '../auth/permissions.js';
import { productStatus } from './products.mapper.js';
import type { GroupMemberRow, OfferGroupRow, OfferGroupsRepository } from './offer-groups.repository.js';
import type { ProductsRepository } from './products.repository.js';

function toMember(m: GroupMemberRow, masterId: string | null): OfferGroupMember {
  return {
    product_id: m.id,
    external_system: m.externalSystem as OfferGroupMember['external_system'],
    external_system_id: m.externalSystemId,
    external_system_name: m.externalSystemName,
    external_product_id: m.externalProductId,
    name: m.name,
    price: m.price,
    currency: m.currency,
    billing_cycle: m.billingCycle as OfferGroupMember['billing_cycle'],
    status: productStatus(m),
    is_master: m.id === masterId,
    group_rule: m.groupRule as OfferGroupMember['group_rule'],
    group_confidence: m.groupConfidence == null ? null : Number(m.groupConfidence),
    group_decision: m.groupDecision as OfferGroupMember['group_decision'],
  };
}

/** Fields whose values differ between members (prices compared as numbers within one currency). */
function disagreements(members: OfferGroupMember[]): OfferGroup['disagreements'] {
  const out: OfferGroup['disagreements'] = [];
  const fields = ['price', 'currency', 'billing_cycle', 'status'] as const;
  for (const field of fields) {
    const values = members.map((m) => ({ product_id: m.product_id, value: m[field] }));
    const key = (v: string | null) => (field === 'price' && v != null ? String(Number(v)) : v);
    if (new Set(values.map((v) => key(v.value))).size > 1) out.push({ field, values });
  }
  return out;
}

export const pricesDiffer = (members: OfferGroupMember[]) =>
  new Set(members.map((m) => `${m.price == null ? '-' : Number(m.price)} ${m.currency}`)).size > 1;

type GroupReads = Pick<OfferGroupsRepository, 'findGroup' | 'members'>;

/** What the manual decisions (confirm, master, split, link) write, in one transaction each. */
export interface OfferGroupsWrites {
  offerGroups: GroupReads & Pick<OfferGroupsRepository, 'lock' | 'tidy' | 'confirm' | 'setMaster' | 'createGroup' | 'assign'>;
  products: Pick<ProductsRepository, 'findById'>;
  audit: Pick<AuditRepository, 'record'>;
}

export function createOfferGroupsService(deps: {
  groups: GroupReads & Pick<OfferGroupsRepository, 'matchAll' | 'listGroups' | 'groupsByIds' | 'groupMemberIds'>;
  products: Pick<ProductsRepository, 'bumpCatalogVersion'>;
  uow: UnitOfWork<OfferGroupsWrites>;
}) {
  const { groups, products, uow } = deps;

  function toGroup(g: OfferGroupRow, memberRows: GroupMemberRow[]): OfferGroup {
    const members = memberRows.filter((m) => m.offerGroupId === g.id).map((m) => toMember(m, g.masterProductId));
    const master = members.find((m) => m.is_master) ?? members[0];
    return {
      id: g.id,
      master_product_id: g.masterProductId,
      master_chosen: g.masterChosen,
      name: master?.name ?? '',
      members,
      disagreements: disagreements(members),
      confirmed: members.length > 0 && members.every((m) => m.group_decision !== null && m.group_decision !== 'auto'),
      created_at: toIso(g.createdAt)!,
      updated_at: toIso(g.updatedAt)!,
    };
  }

  /** The group as its repository sees it: the database's, or inside a decision, the transaction's. */
  async function loadGroup(from: GroupReads, id: string): Promise<OfferGroup> {
    const g = await from.findGroup(id);
    if (!g) throw AppError.notFound('Offer group');
    return toGroup(g, await from.members([id]));
  }

  async function productOrThrow(from: Pick<ProductsRepository, 'findById'>, id: string) {
    const p = await from.findById(id, { forUpdate: true });
    if (!p) throw AppError.notFound('Product');
    return p;
  }

  return {
    /** Runs automatic matching (after each successful sync, or on demand). */
    async match(): Promise<OfferMatchResult> {
      const r = await groups.matchAll();
      // A master may change without any product row changing: cached product lists must not outlive it.
      await products.bumpCatalogVersion();
      return { grouped: r.grouped, groups: r.groups, by_rule: r.byRule };
    },

    async list(q: OfferGroupListQuery): Promise<OfferGroupList> {
      const { count, results } = await groups.listGroups(q.limit, q.offset);
      const members = await groups.members(results.map((g) => g.id));
      return { count, results: results.map((g) => toGroup(g, members)) };
    },

    get: (id: string) => loadGroup(groups, id),

    /** Every member's place is confirmed: automatic matching will not move them any more. */
    async confirm(actor: Actor, id: string): Promise<OfferGroup> {
      return uow.transaction(async ({ offerGroups, audit }) => {
        await offerGroups.lock();
        const g = await offerGroups.findGroup(id, { forUpdate: true });
        if (!g) throw AppError.notFound('Offer group');
        const before = await loadGroup(offerGroups, id);
        await offerGroups.confirm(id);
        const after = await loadGroup(offerGroups, id);
        await audit.record(actor, { action: 'confirm', entityType: 'offer_group', entityId: id, before, after });
        return after;
      });
    },

    async setMaster(actor: Actor, id: string, productId: string): Promise<OfferGroup> {
      const group = await uow.transaction(async ({ offerGroups, products, audit }) => {
        await offerGroups.lock();
        const g = await offerGroups.findGroup(id, { forUpdate: true });
        if (!g) throw AppError.notFound('Offer group');
        const p = await productOrThrow(products, productId);
        if (p.offerGroupId !== id) throw AppError.validation({ product_id: ['is not a member of this offer group'] });
        const before = await loadGroup(offerGroups, id);
        await offerGroups.setMaster(id, productId);
        const after = await loadGroup(offerGroups, id);
        await audit.record(actor, { action: 'set_master', entityType: 'offer_group', entityId: id, before, after });
        return after;
      });
      await products.bumpCatalogVersion();
      return group;
    },

    /** The product leaves its group for a group of its own; automatic matching leaves it there. */
    async split(actor: Actor, productId: string): Promise<OfferGroup> {
      return uow.transaction(async ({ offerGroups, products, audit }) => {
        await offerGroups.lock();
        const p = await productOrThrow(products, productId);
        const before = p.offerGroupId ? await loadGroup(offerGroups, p.offerGroupId) : null;
        const own = await offerGroups.createGroup(productId);
        await offerGroups.assign([productId], own.id, 'manual', 'manual_split');
        await offerGroups.tidy();
        const after = await loadGroup(offerGroups, own.id);
        await audit.record(actor, { action: 'split', entityType: 'offer_group', entityId: own.id, before: { product_id: productId, group: before }, after });
        return after;
      });
    },

    /** The product joins a group (named, or the group of another product); both stay there across syncs. */
    async link(actor: Actor, productId: string, body: ProductLinkBody): Promise<OfferGroup> {
      return uow.transaction(async ({ offerGroups, products, audit }) => {
        await offerGroups.lock();
        const p = await productOrThrow(products, productId);
        let groupId: string;
        if (body.group_id) {
          const g = await offerGroups.findGroup(body.group_id, { forUpdate: true });
          if (!g) throw AppError.validation({ group_id: ['no such offer group'] });
          groupId = g.id;
        } else {
          if (body.product_id === productId) throw AppError.validation({ product_id: ['a product cannot be linked to itself'] });
          const target = await products.findById(body.product_id!, { forUpdate: true });
          if (!target) throw AppError.validation({ product_id: ['no such product'] });
          if (target.offerGroupId) {
            groupId = target.offerGroupId;
          } else {
            groupId = (await offerGroups.createGroup(target.id)).id;
            await offerGroups.assign([target.id], groupId, 'manual', 'manual_link');
          }
        }
        const before = p.offerGroupId ? await loadGroup(offerGroups, p.offerGroupId) : null;
        await offerGroups.assign([productId], groupId, 'manual', 'manual_link');
        await offerGroups.tidy();
        const after = await loadGroup(offerGroups, groupId);
        await audit.record(actor, { action: 'link', entityType: 'offer_group', entityId: groupId, before: { product_id: productId, group: before }, after });
        return after;
      });
    },

    /** Marks group masters on product answers; the collapsed list adds each group's sources. */
    async decorate(list: Product[], opts: { sources?: boolean; details?: boolean } = {}): Promise<Product[]> {
      const ids = [...new Set(list.map((p) => p.offer_group_id).filter((x): x is string => x !== null))];
      if (ids.length === 0) return opts.details ? list.map((p) => ({ ...p, group: null })) : list;
      const [rows, memberRows] = await Promise.all([groups.groupsByIds(ids), opts.sources || opts.details ? groups.members(ids) : Promise.resolve([])]);
      const byId = new Map(rows.map((g) => [g.id, g]));
      return list.map((p) => {
        const g = p.offer_group_id ? byId.get(p.offer_group_id) : undefined;
        if (!g) return opts.details ? { ...p, group: null } : p;
        const out: Product = { ...p, is_group_master: g.masterProductId === p.id };
        if (opts.sources || opts.details) {
          const group = toGroup(g, memberRows);
          if (opts.sources) {
            out.group_sources = group.members;
            out.group_price_differs = pricesDiffer(group.members);
          }
          if (opts.details) out.group = group;
        }
        return out;
      });
    },

    groupMemberIds: (productId: string) => groups.groupMemberIds(productId),
  };
}
export type OfferGroupsService = ReturnType<typeof createOfferGroupsService>;

import {
  EXTERNAL_SYSTEMS, LOCAL_PRODUCT_FIELDS,
  type AvailableProductsQuery, type Product, type ProductCreate, type ProductList, type ProductListQuery,
  type ProductPatch, type ProductStats,
} from '@lyra/contracts';
import { pgErrorCode, PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION } from '../../db/errors.js';
import type { UnitOfWork } from '../../db/unit-of-work.js';
import { AppError } from '../../lib/errors.js';
import { toIso } from '../../lib/time.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { roleMay, SYSTEM_ACTOR, type Actor } from '../auth/permissions.js';
import { toProduct, toRowValues } from './products.mapper.js';
import type { OfferGroupsService } from './offer-groups.service.js';
import type { NewProductRow, ProductRow, ProductsRepository, SystemInfo } from './products.repository.js';

/** Column -> API field, to name the fields a caller may not change. */
const API_FIELD: Partial<Record<keyof NewProductRow, string>> = {
  externalProductId: 'external_product_id', externalSystem: 'external_system', name: 'name', description: 'description',
  productType: 'product_type', category: 'category', price: 'price', currency: 'currency', recurring: 'recurring',
  billingCycle: 'billing_cycle', features: 'features', attributes: 'attributes', isActive: 'is_active',
  sourceIsAvailable: 'is_available', availabilityOverride: 'availability_override', targetSegments: 'target_segments',
  minCustomerValue: 'min_customer_value', maxCustomerValue: 'max_customer_value', notes: 'notes', maxDefaultRisk: 'max_default_risk',
  validFrom: 'valid_from', validTo: 'valid_to',
};
const LOCAL = new Set<string>(LOCAL_PRODUCT_FIELDS);
const SOURCE_ORDER: readonly string[] = EXTERNAL_SYSTEMS;

const systemOf = (systems: Map<string, SystemInfo>, r: ProductRow) => (r.externalSystemId ? systems.get(r.externalSystemId) : undefined);

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** API fields whose new value differs from the stored row. */
function changedFields(current: ProductRow, values: Partial<NewProductRow>): string[] {
  const changed: string[] = [];
  for (const [col, v] of Object.entries(values) as [keyof NewProductRow, unknown][]) {
    const field = API_FIELD[col];
    if (!field) continue;
    let before: unknown = current[col as keyof ProductRow];
    let after = v;
    if (col === 'validFrom' || col === 'validTo') {
      before = toIso(before as string | null);
      after = toIso(after as string | null);
    }
    if (!sameValue(before, after)) changed.push(field);
  }
  return changed;
}

/** What a product edit writes, in one transaction: the row (and its window flag) and its audit entry. */
export interface ProductWrites {
  products: Pick<ProductsRepository, 'findById' | 'insert' | 'update' | 'remove' | 'refreshValidityWindows'>;
  audit: Pick<AuditRepository, 'record'>;
}

export function createProductsService(deps: {
  products: Pick<ProductsRepository, 'catalogVersion' | 'list' | 'available' | 'findById' | 'stats' | 'systemsInfo' | 'refreshValidityWindows'>;
  uow: UnitOfWork<ProductWrites>;
  groups?: Pick<OfferGroupsService, 'decorate'>;
  /**
   * The managed segment list: a person's targeting edit may name only its segments. Lyra's own
   * writes (demo seeding, as the system actor) and syncs are not refused; their segments join the
   * list through syncFromData.
   */
  segments?: { assertKnown(field: string, names: readonly string[], keep?: readonly string[]): Promise<void> };
  /** Campaigns offering a product, so a refused deletion names them. */
  offeredBy?: { campaignsOffering(productId: string): Promise<{ name: string; status: string }[]> };
}) {
  const { products, uow } = deps;
  /** Offer-group fields (master flag, collapsed sources, the details' group card). */
  const withGroups = (list: Product[], opts: { sources?: boolean; details?: boolean } = {}) => (deps.groups ? deps.groups.decorate(list, opts) : Promise.resolve(list));

  function translateWriteError(err: unknown, input: { external_system?: string | undefined; external_product_id?: string | undefined }): never {
    const code = pgErrorCode(err);
    if (code === PG_UNIQUE_VIOLATION) {
      throw AppError.conflict(
        `A product with external_product_id "${input.external_product_id}" already exists in ${input.external_system ?? 'this system'}`,
        'conflict',
        { fields: { external_product_id: ['already exists for this external_system'] } },
      );
    }
    if (code === PG_FOREIGN_KEY_VIOLATION) throw AppError.conflict('This product is used by other records (campaigns, holdings or purchases) and cannot be deleted; deactivate it instead', 'in_use');
    throw err;
  }

  /** Synced products accept only Lyra-owned fields; marketers may only touch those fields at all. */
  function assertMayChange(actor: Actor, current: ProductRow, values: Partial<NewProductRow>) {
    const changed = changedFields(current, values);
    const sourceChanged = changed.filter((f) => !LOCAL.has(f));
    if (sourceChanged.length === 0) return;
    if (current.externalSystem !== 'manual') {
      throw AppError.conflict(
        `${sourceChanged.join(', ')} ${sourceChanged.length === 1 ? 'is' : 'are'} managed by ${current.externalSystem} and change only through sync; only targeting, availability override and notes can be edited in Lyra`,
        'source_field_locked',
        { fields: Object.fromEntries(sourceChanged.map((f) => [f, [`managed by ${current.externalSystem}`]])) },
      );
    }
    if (!roleMay(actor.role, 'products:write')) {
      throw AppError.forbidden(`The ${actor.role} role may only change targeting fields (${[...LOCAL].join(', ')})`);
    }
  }

  async function update(actor: Actor, id: string, input: ProductPatch): Promise<Product> {
    let saved: ProductRow;
    if (input.target_segments && deps.segments && actor.id !== SYSTEM_ACTOR.id) {
      // Segments the product already carries (a synced product's, from its source) stay accepted;
      // checked before the transaction, as it reads the list on the database.
      const current = await products.findById(id);
      if (current) await deps.segments.assertKnown('target_segments', input.target_segments, current.targetSegments);
    }
    try {
      saved = await uow.transaction(async ({ products, audit }) => {
        const current = await products.findById(id, { forUpdate: true });
        if (!current) throw AppError.notFound('Product');
        const values = toRowValues(input, current);
        // A manual product belongs to no connected system: it cannot become a synced one by an edit.
        if (current.externalSystem === 'manual' && values.externalSystem !== undefined && values.externalSystem !== 'manual') {
          throw AppError.validation({ external_system: ['a manual product stays manual; products of xiva, crm and billing come from sync'] });
        }
        assertMayChange(actor, current, values);
        const min = values.minCustomerValue !== undefined ? values.minCustomerValue : current.minCustomerValue;
        const max = values.maxCustomerValue !== undefined ? values.maxCustomerValue : current.maxCustomerValue;
        if (min != null && max != null && Number(min) > Number(max)) {
          throw AppError.validation({ min_customer_value: ['must not be greater than max_customer_value'] });
        }
        if (changedFields(current, values).length === 0) return current;
        let row = await products.update(id, values);
        // A moved validity window may open or close it now: flipped (and recorded) with the edit.
        if (values.validFrom !== undefined || values.validTo !== undefined) {
          const flipped = await products.refreshValidityWindows(id);
          if (flipped.opened + flipped.closed > 0) row = await products.findById(id);
        }
        await audit.record(actor, { action: 'update', entityType: 'product', entityId: id, before: toProduct(current), after: toProduct(row!) });
        return row!;
      });
    } catch (err) {
      translateWriteError(err, { ...input });
    }
    // The answer names the product's system and its schedule, like every other product answer.
    const [answer] = await withGroups([toProduct(saved, systemOf(await products.systemsInfo(), saved))]);
    return answer!;
  }

  async function computeStats(): Promise<ProductStats> {
    const s = await products.stats();
    return {
      total: s.total,
      active: s.byStatus.active ?? 0,
      available: s.available,
      retired: s.byStatus.retired ?? 0,
      by_type: s.byType,
      by_system: s.bySystem,
      sources: s.sources
        .map((x) => ({ external_system: x.type as ProductStats['sources'][number]['external_system'], external_system_id: x.systemId, external_system_name: x.name, count: x.n }))
        .sort((a, b) => SOURCE_ORDER.indexOf(a.external_system) - SOURCE_ORDER.indexOf(b.external_system) || (a.external_system_name ?? '').localeCompare(b.external_system_name ?? '')),
      by_status: s.byStatus,
      last_synced: toIso(s.lastSynced),
    };
  }

  return {
    /** The data version list answers may be cached under (see http/response-cache.plugin.ts). */
    catalogVersion: () => products.catalogVersion(),

    async list(q: ProductListQuery): Promise<ProductList> {
      const [{ count, results }, systems] = await Promise.all([products.list(q), products.systemsInfo()]);
      return { count, results: await withGroups(results.map((r) => toProduct(r, systemOf(systems, r))), { sources: q.collapse_groups === true }) };
    },

    async available(q: AvailableProductsQuery): Promise<ProductList> {
      const [{ count, results }, systems] = await Promise.all([products.available(q), products.systemsInfo()]);
      return { count, results: await withGroups(results.map((r) => toProduct(r, systemOf(systems, r)))) };
    },

    async get(id: string): Promise<Product> {
      const [row, systems] = await Promise.all([products.findById(id), products.systemsInfo()]);
      if (!row) throw AppError.notFound('Product');
      const [product] = await withGroups([toProduct(row, systemOf(systems, row))], { details: true });
      return product!;
    },

    stats: computeStats,

    /** Flips products whose validity window opened or closed (minute tick, after each sync). */
    refreshValidityWindows: () => products.refreshValidityWindows(),

    async create(actor: Actor, input: ProductCreate): Promise<Product> {
      if (input.external_system !== 'manual') {
        throw AppError.validation({ external_system: ['products of xiva, crm and billing come from sync; create manual products only'] });
      }
      if (deps.segments && actor.id !== SYSTEM_ACTOR.id) await deps.segments.assertKnown('target_segments', input.target_segments);
      const values = toRowValues(input) as NewProductRow;
      try {
        return await uow.transaction(async ({ products, audit }) => {
          const row = await products.insert(values);
          const product = toProduct(row);
          await audit.record(actor, { action: 'create', entityType: 'product', entityId: row.id, after: product });
          return product;
        });
      } catch (err) {
        translateWriteError(err, input);
      }
    },

    replace: (actor: Actor, id: string, input: ProductCreate) => update(actor, id, input),
    patch: update,

    async remove(actor: Actor, id: string): Promise<void> {
      try {
        await uow.transaction(async ({ products, audit }) => {
          const current = await products.findById(id, { forUpdate: true });
          if (!current) throw AppError.notFound('Product');
          await products.remove(id);
          await audit.record(actor, { action: 'delete', entityType: 'product', entityId: id, before: toProduct(current) });
        });
      } catch (err) {
        if (pgErrorCode(err) === PG_FOREIGN_KEY_VIOLATION && deps.offeredBy) {
          const offering = await deps.offeredBy.campaignsOffering(id);
          if (offering.length) {
            throw AppError.conflict(
              `This product is offered by campaign(s) ${offering.map((c) => `"${c.name}" (${c.status})`).join(', ')} and cannot be deleted; retire or deactivate it instead`,
              'in_use',
              { campaigns: offering },
            );
          }
        }
        translateWriteError(err, {});
      }
    },
  };
}
export type ProductsService = ReturnType<typeof createProductsService>;

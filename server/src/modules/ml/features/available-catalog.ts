import { VersionedCache } from '../../../lib/versioned-cache.js';
import type { ProductsRepository } from '../../products/products.repository.js';
import type { CustomerFacts, ProductInfo } from './features.js';
import { toProductInfo, type FeaturesRepository } from './features.repository.js';

/**
 * The catalog a subscriber may be offered: the products repository's `available` list (active,
 * available, priced, inside validFor), cached per catalog version and minute, narrowed per
 * subscriber by the one availability rule in SQL (currency, segments, value range and the default
 * risk cap, `offerableProductIds`), the rule batch scoring and campaign launches apply.
 */
export function createAvailableCatalog(
  products: Pick<ProductsRepository, 'available' | 'catalogVersion'>,
  features: Pick<FeaturesRepository, 'offerableProductIds'>,
) {
  const cache = new VersionedCache<ProductInfo[]>(4);
  async function all(): Promise<ProductInfo[]> {
    const version = `${await products.catalogVersion()}@${new Date().toISOString().slice(0, 16)}`;
    return cache.getOrCompute('available', version, async () => {
      const out: ProductInfo[] = [];
      for (let offset = 0; ; offset += 500) {
        const { results: rows } = await products.available({ ordering: 'price', limit: 500, offset });
        out.push(...rows.map(toProductInfo));
        if (rows.length < 500) return out;
      }
    });
  }
  // The same list object is returned until the catalog changes, so its index lives as long as it does.
  const indexes = new WeakMap<ProductInfo[], Map<string, ProductInfo>>();
  return {
    all,
    async byId(id: string): Promise<ProductInfo | undefined> {
      const list = await all();
      let index = indexes.get(list);
      if (!index) indexes.set(list, (index = new Map(list.map((p) => [p.id, p]))));
      return index.get(id);
    },
    async for(f: Pick<CustomerFacts, 'id'>): Promise<ProductInfo[]> {
      const [ids, list] = await Promise.all([features.offerableProductIds([f.id]), all()]);
      const wanted = new Set(ids.get(f.id) ?? []);
      return list.filter((p) => wanted.has(p.id));
    },
  };
}
export type AvailableCatalog = ReturnType<typeof createAvailableCatalog>;

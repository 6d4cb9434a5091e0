import { VersionedCache } from '../../../lib/versioned-cache.js';
import type { ProductsRepository } from '../../products/products.repository.js';
import type { CustomerFacts, ProductInfo } from './features.js';
import { toProductInfo } from './features.repository.js';
import { availableTo } from './targeting.js';

/**
 * The catalog a subscriber may be offered: the products repository's `available` list (active,
 * available, priced, inside validFor), cached per catalog version and minute, narrowed per
 * subscriber by the same targeting rules the available-products API applies (segments, value range)
 * and to the subscriber's currency.
 */
export function createAvailableCatalog(products: Pick<ProductsRepository, 'available' | 'catalogVersion'>) {
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
    async for(f: CustomerFacts): Promise<ProductInfo[]> {
      return availableTo(await all(), f);
    },
  };
}
export type AvailableCatalog = ReturnType<typeof createAvailableCatalog>;

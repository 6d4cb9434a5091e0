import { SYSTEM_ACTOR } from '../auth/permissions.js';
import type { ProductsService } from '../products/products.service.js';
import { demoCatalog } from './demo-catalog.js';

/** Loads the demo catalog once, into an empty catalog only: an operator's data is never touched. */
export async function seedDemoCatalog(deps: { products: Pick<ProductsService, 'create' | 'stats'> }): Promise<number> {
  const stats = await deps.products.stats();
  if (stats.total > 0) return 0;
  let n = 0;
  for (const p of demoCatalog()) {
    await deps.products.create(SYSTEM_ACTOR, p);
    n++;
  }
  return n;
}

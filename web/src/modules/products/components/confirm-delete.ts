import type { Product } from '@lyra/contracts';
import { confirmAction } from '../../../lib/confirm';

/** Resolves true only when the user explicitly confirms; closing or cancelling is a "no". */
export function confirmDelete(product: Pick<Product, 'name' | 'external_system'>): Promise<boolean> {
  const synced = product.external_system !== 'manual';
  return confirmAction(
    synced
      ? `Delete "${product.name}"? It came from a source system, so the next full sync may bring it back. Its Lyra targeting will be lost.`
      : `Delete "${product.name}"? This cannot be undone.`,
    'Delete product',
    'Delete',
  );
}

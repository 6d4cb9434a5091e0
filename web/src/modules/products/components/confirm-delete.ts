import { ElMessageBox } from 'element-plus';
import type { Product } from '@lyra/contracts';

/** Resolves true only when the user explicitly confirms; closing or cancelling is a "no". */
export async function confirmDelete(product: Pick<Product, 'name' | 'external_system'>): Promise<boolean> {
  const synced = product.external_system !== 'manual';
  try {
    await ElMessageBox.confirm(
      synced
        ? `Delete "${product.name}"? It came from a source system, so the next full sync may bring it back. Its Lyra targeting will be lost.`
        : `Delete "${product.name}"? This cannot be undone.`,
      'Delete product',
      { type: 'warning', confirmButtonText: 'Delete', cancelButtonText: 'Cancel', confirmButtonClass: 'el-button--danger' },
    );
    return true;
  } catch {
    return false;
  }
}

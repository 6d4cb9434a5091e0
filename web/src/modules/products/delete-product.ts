import { productsApi } from '../../api/products';
import { errorMessage, isApiError } from '../../api/errors';

/** Deletes a product; resolves to null on success or to the message to show (409 "in use" explained). */
export async function deleteProduct(id: string, remove: (id: string) => Promise<void> = productsApi.remove): Promise<string | null> {
  try {
    await remove(id);
    return null;
  } catch (err) {
    if (isApiError(err) && err.status === 409) {
      return err.message || 'This product is used by a campaign and cannot be deleted. Deactivate it instead.';
    }
    if (isApiError(err) && err.status === 404) return null; // already gone: the outcome the user wanted
    return errorMessage(err, 'The product could not be deleted.');
  }
}

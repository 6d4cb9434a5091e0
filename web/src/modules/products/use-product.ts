import { ref, watch, type Ref } from 'vue';
import type { Product } from '@lyra/contracts';
import { productsApi } from '../../api/products';
import { isApiError } from '../../api/errors';
import { useResource } from '../../lib/use-resource';
import { deleteProduct } from './delete-product';

export interface ProductApi {
  get: (id: string) => Promise<Product>;
  remove: (id: string) => Promise<void>;
}

/** One product by id (the details page), plus delete with the server's "in use" answer surfaced. */
export function useProduct(id: Ref<string>, api: ProductApi = productsApi) {
  const resource = useResource(() => api.get(id.value), { immediate: false });
  watch(id, () => void resource.reload(), { immediate: true });
  const deleting = ref(false);

  /** Returns null on success, otherwise the message to show. */
  async function remove(): Promise<string | null> {
    deleting.value = true;
    try {
      return await deleteProduct(id.value, api.remove);
    } finally {
      deleting.value = false;
    }
  }

  /** A save elsewhere (edit dialog) hands back the new record; no need to refetch. */
  function replace(product: Product) {
    resource.data.value = product;
  }

  const notFound = () => isApiError(resource.error.value) && resource.error.value.status === 404;

  return { ...resource, deleting, remove, replace, notFound };
}

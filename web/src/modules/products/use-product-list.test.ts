import { describe, expect, it, vi } from 'vitest';
import { nextTick, ref } from 'vue';
import type { ProductList } from '@lyra/contracts';
import { useProductList } from './use-product-list';
import { parseListQuery } from './product-query';
import { makeProduct } from './test-fixtures';

const flush = async () => {
  await nextTick();
  await new Promise((r) => setTimeout(r, 0));
};

describe('useProductList', () => {
  it('loads the page in the state and reloads when it changes', async () => {
    const fetchList = vi.fn(async (): Promise<ProductList> => ({ count: 1, results: [makeProduct()] }));
    const state = ref(parseListQuery({ product_type: 'data' }));
    const list = useProductList(state, fetchList);
    await flush();
    expect(fetchList).toHaveBeenLastCalledWith({ product_type: 'data', ordering: 'name', limit: 20, offset: 0 }, expect.any(AbortSignal));
    expect(list.rows.value).toHaveLength(1);
    expect(list.categories.value).toEqual(['Prepaid bundles']);

    state.value = parseListQuery({ product_type: 'data' });
    await flush();
    expect(fetchList).toHaveBeenCalledTimes(1);

    state.value = parseListQuery({ product_type: 'data', page: '2' });
    await flush();
    expect(fetchList).toHaveBeenCalledTimes(2);
    expect(fetchList).toHaveBeenLastCalledWith(expect.objectContaining({ offset: 20 }), expect.any(AbortSignal));
  });

  it('tells an empty catalog from a filter with no match', async () => {
    const fetchList = vi.fn(async (): Promise<ProductList> => ({ count: 0, results: [] }));
    const state = ref(parseListQuery({}));
    const list = useProductList(state, fetchList);
    await flush();
    expect(list.emptyKind.value).toBe('no-products');
    state.value = parseListQuery({ search: 'zzz' });
    await flush();
    expect(list.emptyKind.value).toBe('no-match');
  });

  it('exposes errors and no empty state while failing', async () => {
    const fetchList = vi.fn(async (): Promise<ProductList> => {
      throw new Error('down');
    });
    const list = useProductList(ref(parseListQuery({})), fetchList);
    await flush();
    expect(list.error.value).toBeInstanceOf(Error);
    expect(list.emptyKind.value).toBeNull();
  });
});

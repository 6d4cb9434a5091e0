import { describe, expect, it, vi } from 'vitest';
import { nextTick, ref } from 'vue';
import { ApiError } from '../../api/errors';
import { useProduct } from './use-product';
import { deleteProduct } from './delete-product';
import { makeProduct } from './test-fixtures';

const flush = async () => {
  await nextTick();
  await new Promise((r) => setTimeout(r, 0));
};

describe('useProduct', () => {
  it('loads by id, reloads when the id changes, and reports 404', async () => {
    const get = vi.fn(async (id: string) => {
      if (id === 'missing') throw new ApiError({ status: 404, code: 'not_found', message: 'Product not found' });
      return makeProduct({ id });
    });
    const id = ref('a');
    const p = useProduct(id, { get, remove: vi.fn() });
    await flush();
    expect(p.data.value?.id).toBe('a');
    id.value = 'missing';
    await flush();
    expect(p.notFound()).toBe(true);
  });

  it('replaces the record after an edit without refetching', async () => {
    const get = vi.fn(async () => makeProduct());
    const p = useProduct(ref('a'), { get, remove: vi.fn() });
    await flush();
    p.replace(makeProduct({ target_segments: ['vip'] }));
    expect(p.data.value?.target_segments).toEqual(['vip']);
    expect(get).toHaveBeenCalledTimes(1);
  });
});

describe('deleteProduct', () => {
  it('explains "in use" and treats "already gone" as done', async () => {
    const inUse = vi.fn(async () => {
      throw new ApiError({ status: 409, code: 'in_use', message: 'Used by 3 active campaigns' });
    });
    expect(await deleteProduct('x', inUse)).toBe('Used by 3 active campaigns');
    const gone = vi.fn(async () => {
      throw new ApiError({ status: 404, code: 'not_found', message: 'nope' });
    });
    expect(await deleteProduct('x', gone)).toBeNull();
    expect(await deleteProduct('x', async () => undefined)).toBeNull();
  });
});

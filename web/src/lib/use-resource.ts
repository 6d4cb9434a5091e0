import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';

export interface Resource<T> {
  data: ShallowRef<T | null>;
  error: ShallowRef<unknown>;
  loading: Ref<boolean>;
  /** Loads again; answers from older, superseded loads are dropped. */
  reload: () => Promise<void>;
}

/**
 * The loading / error / data triple every view needs. Only the latest call wins, so a slow
 * answer to an old filter can never overwrite the answer to the current one.
 */
export function useResource<T>(loader: (signal: AbortSignal) => Promise<T>, options: { immediate?: boolean } = {}): Resource<T> {
  const data = shallowRef<T | null>(null);
  const error = shallowRef<unknown>(null);
  const loading = ref(false);
  let controller: AbortController | null = null;

  async function reload() {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    loading.value = true;
    error.value = null;
    try {
      const result = await loader(mine.signal);
      if (controller !== mine) return;
      data.value = result;
    } catch (err) {
      if (controller !== mine) return;
      error.value = err;
    } finally {
      if (controller === mine) loading.value = false;
    }
  }

  if (options.immediate !== false) void reload();
  return { data, error, loading, reload };
}

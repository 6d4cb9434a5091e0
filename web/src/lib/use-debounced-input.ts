import { ref, watch } from 'vue';
import { debounce } from './debounce';

/**
 * A text box bound to a value that lives elsewhere (the URL): typing commits after a pause,
 * Enter or `flush` commits at once, and outside changes (back button, "clear filters") flow back in.
 */
export function useDebouncedInput(source: () => string | undefined, commit: (value: string) => void, waitMs = 350) {
  const text = ref(source() ?? '');
  let lastCommitted = text.value;

  const send = (value: string) => {
    if (value === lastCommitted) return;
    lastCommitted = value;
    commit(value);
  };
  const debounced = debounce(send, waitMs);

  watch(text, (value) => debounced(value));
  watch(source, (value) => {
    const v = value ?? '';
    lastCommitted = v;
    if (v !== text.value) {
      debounced.cancel();
      text.value = v;
    }
  });

  function flush() {
    debounced.cancel();
    send(text.value);
  }

  return { text, flush, cancel: debounced.cancel };
}

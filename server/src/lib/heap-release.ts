import { getHeapStatistics } from 'node:v8';

/** What this needs of a job worker (a plain object): its handler. */
interface Handled {
  handle(payload: never): Promise<unknown>;
}

export interface HeapReleaseOptions {
  /** How long no tracked work must run before the collection (ms). */
  quietMs?: number;
  /** Collect only when the heap holds at least this much more than after the last collection (bytes). */
  minGrowthBytes?: number;
  /** A full collection; default: node's `gc` when started with --expose-gc (npm start is), else none. */
  gc?: (() => void) | undefined;
  /** Bytes the JS heap holds now, garbage included. */
  heapUsed?: () => number;
}

export interface HeapRelease {
  /** The same workers, each run counted as background work. */
  track<W extends Handled>(workers: W[]): W[];
  /** Stops the pending timer (shutdown). */
  stop(): void;
}

/**
 * Gives back the JS heap a burst of background work leaves behind. V8 collects its old generation
 * when it reaches a limit sized from the heap during the burst (training sets, scoring pages, sync
 * pages all pass through the API thread), and an idle process allocates too little to reach it: the
 * demo server sat at 164 MB of heap, 54 MB of it live, 20 s after its first scoring runs (~110 MB of
 * resident memory for nothing). Once no tracked job has run for `quietMs`, one full collection
 * returns it; none when the heap has not grown by `minGrowthBytes` since the last one, so a minute
 * tick with nothing to do costs a heap-statistics read, not a collection.
 */
export function createHeapRelease(opts: HeapReleaseOptions = {}): HeapRelease {
  const quietMs = opts.quietMs ?? 5_000;
  const minGrowth = opts.minGrowthBytes ?? 32 * 1024 * 1024;
  const gc = 'gc' in opts ? opts.gc : (globalThis as { gc?: () => void }).gc;
  const heapUsed = opts.heapUsed ?? (() => getHeapStatistics().used_heap_size);
  let running = 0;
  let timer: NodeJS.Timeout | null = null;
  let liveAfterLast = 0;

  const collectIfGrown = () => {
    timer = null;
    if (!gc || running > 0 || heapUsed() - liveAfterLast < minGrowth) return;
    gc();
    liveAfterLast = heapUsed();
  };
  const begin = () => {
    running++;
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const end = () => {
    running--;
    if (running === 0 && gc) timer = setTimeout(collectIfGrown, quietMs).unref();
  };

  return {
    track(workers) {
      return workers.map((w) => ({
        ...w,
        async handle(payload: never) {
          begin();
          try {
            return await w.handle(payload);
          } finally {
            end();
          }
        },
      }));
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

import { describe, expect, it } from 'vitest';
import { MIN_PARTITION_SIZE, PARTITION_SIZE, TARGET_PARTITIONS, mergeRanges } from './scoring-run.js';

/** Fine ranges as scorableRanges cuts them: `size` subscribers each, the last one shorter; ids zero-padded. */
function fineRanges(total: number, size: number) {
  const out: { lastId: string; subscribers: number }[] = [];
  for (let done = 0; done < total; done += size) {
    const n = Math.min(size, total - done);
    out.push({ lastId: String(done + n).padStart(9, '0'), subscribers: n });
  }
  return out;
}

function partitionsOf(total: number, max: number) {
  const fineSize = Math.min(MIN_PARTITION_SIZE, max);
  const fine = fineRanges(total, fineSize);
  const parts = mergeRanges(fine, fineSize, max);
  // Every subscriber in exactly one partition, the partitions' bounds among the fine ones, in order.
  expect(parts.reduce((n, p) => n + p.subscribers, 0)).toBe(total);
  expect(parts.at(-1)?.lastId).toBe(fine.at(-1)?.lastId);
  const bounds = new Set(fine.map((r) => r.lastId));
  expect(parts.every((p) => bounds.has(p.lastId))).toBe(true);
  expect([...parts].sort((a, b) => (a.lastId < b.lastId ? -1 : 1))).toEqual(parts);
  return parts;
}

describe('the size of a scoring run\'s partitions', () => {
  it('cuts a base of a few partitions\' worth into several partitions per instance, not two of the largest size', () => {
    const parts = partitionsOf(20_000, PARTITION_SIZE);
    expect(parts.length).toBeGreaterThanOrEqual(TARGET_PARTITIONS);
    expect(parts.map((p) => p.subscribers)).toEqual([...Array(9).fill(2_000), 1_000, 1_000]);
    // 18,838 (the scale benchmark's scorable subscribers at 20,000): 8 of 2,000, and the tail's three fine ranges one by one.
    expect(partitionsOf(18_838, PARTITION_SIZE).map((p) => p.subscribers)).toEqual([...Array(8).fill(2_000), 1_000, 1_000, 838]);
  });

  it('never goes above the configured size nor below 1,000 subscribers', () => {
    const big = partitionsOf(1_000_000, PARTITION_SIZE);
    expect(big.map((p) => p.subscribers)).toEqual([...Array(99).fill(PARTITION_SIZE), 3_000, 2_000, 2_000, 1_000, 1_000, 1_000]);
    // A configured size that is not a multiple of the fine ranges is never exceeded.
    expect(Math.max(...partitionsOf(100_000, 2_500).map((p) => p.subscribers))).toBe(2_000);
    // A small base gets fewer partitions rather than tiny ones.
    expect(partitionsOf(5_000, PARTITION_SIZE).map((p) => p.subscribers)).toEqual(Array(5).fill(1_000));
    expect(partitionsOf(700, PARTITION_SIZE).map((p) => p.subscribers)).toEqual([700]);
    expect(partitionsOf(0, PARTITION_SIZE)).toEqual([]);
  });

  it('cuts the last partition\'s worth, with what the full ones leave over, into quarters of what is left down to one fine range', () => {
    // The scale benchmark's 94,390 scorable subscribers: 8 of 10,000, then 15 fine ranges (the last of 390) in shrinking pieces.
    expect(partitionsOf(94_390, PARTITION_SIZE).map((p) => p.subscribers)).toEqual([...Array(8).fill(10_000), 4_000, 3_000, 2_000, 2_000, 1_000, 1_000, 1_000, 390]);
    for (const total of [3_000, 12_345, 47_001, 250_000]) {
      const sizes = partitionsOf(total, PARTITION_SIZE).map((p) => p.subscribers);
      const full = Math.max(...sizes);
      const tail = sizes.slice(sizes.lastIndexOf(full) + 1);
      // After the full partitions, each piece at most a quarter of what was left (in fine ranges, rounded up), the last one fine range or less.
      let left = tail.reduce((n, x) => n + x, 0);
      for (const piece of tail) {
        expect(piece, `${total}: ${sizes.join(' ')}`).toBeLessThanOrEqual(Math.ceil(left / MIN_PARTITION_SIZE / 4) * MIN_PARTITION_SIZE);
        left -= piece;
      }
      expect(tail.every((n, i) => i === 0 || n <= tail[i - 1]!), `${total}: ${sizes.join(' ')}`).toBe(true);
      expect(sizes.at(-1)).toBeLessThanOrEqual(MIN_PARTITION_SIZE);
    }
  });

  it('takes a configured size below 1,000 as it is', () => {
    expect(partitionsOf(420, 60).map((p) => p.subscribers)).toEqual(Array(7).fill(60));
    expect(partitionsOf(10_000, 500).every((p) => p.subscribers === 500)).toBe(true);
  });
});

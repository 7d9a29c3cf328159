// OverlapIndex answers what the pairwise search answered: the first earlier prefix that overlaps.
import { expect, test } from 'vitest';
import { prefixesOverlap, prefixOf, type Prefix } from '../../../src/config/ipaddr.js';
import { OverlapIndex } from '../../../src/config/overlap-index.js';

test('the first earlier overlapping prefix, as a pairwise search finds it (IPv4 and IPv6, nested and equal)', () => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const prefixes: Prefix[] = Array.from({ length: 3000 }, () => {
    const family = rand(4) === 0 ? 6 : 4;
    // A small address space so that nesting and equality are common.
    const value =
      family === 4 ? BigInt(0x0a000000 + rand(1 << 12) * 16) : (0xfd00n << 112n) + (BigInt(rand(1 << 12)) << 100n);
    const length = family === 4 ? 16 + rand(17) : 96 + rand(33);
    return prefixOf({ family, value }, length);
  });
  const index = new OverlapIndex<number>();
  let overlaps = 0;
  prefixes.forEach((p, j) => {
    const want = prefixes.slice(0, j).findIndex((x) => prefixesOverlap(x, p));
    const got = index.firstOverlap(p);
    expect(got ?? -1, `prefix ${j}`).toBe(want);
    if (want >= 0) overlaps++;
    index.add(p, j);
  });
  // The case mix is real: many overlap, many do not.
  expect(overlaps).toBeGreaterThan(500);
  expect(overlaps).toBeLessThan(2900);
});

// `validate` grows linearly with the config and with its issues (10,000 unknown keys took 9 s:
// yaml's duplicate-key check compared every key with every other, and every issue split the
// whole file again to quote its line).
//
// Not a timed test: no stage has to finish within some number of milliseconds, so a slow or
// loaded machine does not fail it. Each stage runs the same input shape at n and 10n on the
// same machine, in the same process, and the ratio of its times is compared: machine speed
// cancels out. Linear work gives ~10, quadratic work ~100; the limit, 30, sits far from both.
// Stages are timed apart (parse, load + validate, formatting with source lines) so that a
// quadratic part is not hidden behind a larger linear one in another stage, and each time is
// the least CPU time of a few runs after a warm-up on the large input, which drops JIT
// compilation, garbage-collection pauses and time spent waiting for a CPU.
// The issue counts are checked to grow 10x too, so the input really scales what it claims to.

import { describe, expect, test } from 'vitest';
import { formatIssues } from '../../../src/config/errors.js';
import { loadConfigTexts } from '../../../src/config/load.js';
import { parseConfigFile } from '../../../src/config/parse.js';
import { positionsOf } from '../../../src/config/positions.js';
import type { Config } from '../../../src/config/types.js';
import { IssueSink } from '../../../src/config/issue-sink.js';
import { checkOverlaps } from '../../../src/config/validate-net.js';

const N = 250;
const LIMIT = 30;

const HEAD = 'node:\n  index: 1\nunderlay:\n  asn: 64514\n  nic: eth1\n  vtepCIDR: 100.65.0.0/24\n';

const shapes: Record<string, (n: number) => string> = {
  'unknown keys in one map': (n) => `${HEAD}${Array.from({ length: n }, (_, i) => `  unknown${i}: 1\n`).join('')}`,
  'list items with an unknown key, a duplicate VNI and a misspelt VRF each': (n) =>
    `${HEAD}l3vnis:\n  - {vrf: red, vni: 1}\nl2vnis:\n${Array.from({ length: n }, () => '  - {vni: 5, l3vni: rde, bogus: 1}\n').join('')}`,
};

/**
 * The least CPU time (ms) of `runs` runs: CPU time, not wall time, so that time spent waiting
 * for a CPU on a loaded machine does not count; the least, to drop garbage-collection pauses.
 */
const bestOf = (runs: number, fn: () => void): number => {
  let min = Infinity;
  for (let k = 0; k < runs; k++) {
    const t = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t);
    min = Math.min(min, (d.user + d.system) / 1000);
  }
  return Math.max(min, 0.05);
};

type Stage = 'parse' | 'validate' | 'format';

/**
 * The sizes each stage is compared at: big enough that its linear work dwarfs its fixed costs
 * (otherwise a quadratic part hides behind them), small enough to keep the test to seconds.
 * Parsing is cheap per key and yaml's old duplicate check only cost 3 ms extra at 250 keys, so
 * it is compared at 1,000 and 10,000 keys of the cheapest shape.
 */
const SIZES: Record<Stage, number> = { parse: 1000, validate: N, format: N };

const inputFor = (make: (n: number) => string, n: number) => {
  const files = [{ path: 'config.yaml', text: make(n) }];
  const r = loadConfigTexts(files);
  const run: Record<Stage, () => void> = {
    parse: () => parseConfigFile('config.yaml', files[0]!.text),
    validate: () => loadConfigTexts(files),
    format: () => formatIssues(r.issues, r.sources),
  };
  return { issues: r.issues.length, run };
};

describe('validate scales linearly', { timeout: 60_000 }, () => {
  const cases = Object.entries(shapes).flatMap(([name, make], i) =>
    (['parse', 'validate', 'format'] as const)
      .filter((k) => k !== 'parse' || i === 0)
      .map((k) => [name, k, make] as const),
  );
  test.each(cases)('%s: %s', (_name, k, make) => {
    const n = SIZES[k];
    const small = inputFor(make, n);
    const large = inputFor(make, 10 * n);
    expect(small.issues).toBeGreaterThanOrEqual(n / 2);
    expect(large.issues / small.issues).toBeGreaterThan(9);
    expect(large.issues / small.issues).toBeLessThan(11);
    // Warm up on the large input first: until the JIT has compiled the code, the small input
    // runs several times slower than it will, which would hide a quadratic part.
    large.run[k]();
    small.run[k]();
    const t1 = bestOf(5, small.run[k]);
    const t10 = bestOf(3, large.run[k]);
    expect(t10 / t1, `${k}: ${t1.toFixed(1)} ms at n = ${n}, ${t10.toFixed(1)} ms at n = ${10 * n}`).toBeLessThan(
      LIMIT,
    );
  });
});

// The overlap check alone: its work per host session is small next to parsing, so inside
// `validate` a pairwise search only shows at sizes too slow for a unit test. Alone, the same
// ratio catches it at 1,000 and 10,000 sessions. The first half of the sessions is distinct,
// the second half the first half again: a pairwise search for the first overlap walks half the
// list for each of them.
test('the host-session overlap check scales linearly', () => {
  const config = (n: number) => {
    const half = Math.ceil(n / 2);
    const l3vnis = Array.from({ length: n }, (_, i) => {
      const k = i % half;
      return {
        vrf: `v${i}`,
        vni: i + 1,
        hostSession: { localCIDR: { ipv4: `10.${(k >> 6) & 255}.${(k & 63) << 2}.0/30` } },
      };
    });
    return { node: { index: 1 }, underlay: {}, l3vnis, l2vnis: [] } as unknown as Config;
  };
  const run = (c: Config) => () => {
    const sink = new IssueSink(positionsOf({ pos: { file: 'x', line: 1, col: 1 } }));
    checkOverlaps(c, sink);
    return sink.issues.length;
  };
  const small = run(config(1000));
  const large = run(config(10_000));
  expect(large() / small()).toBe(10);
  const t1 = bestOf(5, small);
  const t10 = bestOf(3, large);
  expect(t10 / t1, `${t1.toFixed(1)} ms at 1,000, ${t10.toFixed(1)} ms at 10,000`).toBeLessThan(LIMIT);
});

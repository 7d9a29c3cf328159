// The kill-point seam's switch: EVPN_NODE_CRASH_AT, read by the CLI only.
import { describe, expect, test } from 'vitest';
import { crashPointsFromEnv } from '../../../src/cli/crash.js';

describe('EVPN_NODE_CRASH_AT', () => {
  const die = (): never => {
    throw new Error('died');
  };
  test('unset: no crash points; after:<step> and <batch>:<k>; anything else is a usage error', () => {
    expect(crashPointsFromEnv(undefined, die)).toBeUndefined();
    const a = crashPointsFromEnv('after:frr-written', die)!;
    expect(() => a.after('pre')).not.toThrow();
    expect(() => a.after('frr-written')).toThrow('died');
    expect(a.linesOf('pre:host')).toBeUndefined();
    const b = crashPointsFromEnv('pre:router:3', die)!;
    expect(b.linesOf('pre:router')).toBe(3);
    expect(b.linesOf('pre:host')).toBeUndefined();
    expect(() => b.after('pre:router')).toThrow('died');
    expect(crashPointsFromEnv('post:host:-6:0', die)!.linesOf('post:host:-6')).toBe(0);
    expect(() => crashPointsFromEnv('now', die)).toThrow(/EVPN_NODE_CRASH_AT must be/);
  });
});

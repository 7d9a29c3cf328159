import { describe, expect, test } from 'vitest';
import { observe, OBSERVE_ATTEMPTS } from '../../../src/kernel/observe.js';
import type { Runner, RunResult } from '../../../src/kernel/runner.js';
import { fixtureText } from './fixtures.js';

const INTERRUPTED = 'Dump was interrupted and may be inconsistent.\n';

/** Stands in for `ip` (the process boundary): recorded output, with stderr as given per call. */
function scriptedIp(stderrs: string[]): Runner & { calls: number } {
  const r = {
    calls: 0,
    ip: async (): Promise<RunResult> => ({
      stdout: fixtureText('host-l2'),
      stderr: stderrs[r.calls++] ?? '',
      exitCode: 0,
    }),
    exec: async (): Promise<RunResult> => ({ stdout: '', stderr: '', exitCode: 0 }),
  };
  return r;
}

describe('observe: an interrupted dump is never planned from', () => {
  test('retried until a dump is consistent', async () => {
    const ip = scriptedIp([INTERRUPTED, INTERRUPTED, '']);
    const obs = await observe(ip, { name: 'x' });
    expect(ip.calls).toBe(3);
    expect(obs.links.some((l) => l.name === 'host-110')).toBe(true);
  });

  test(`an error after ${OBSERVE_ATTEMPTS} interrupted dumps in a row`, async () => {
    const ip = scriptedIp(Array(OBSERVE_ATTEMPTS).fill(INTERRUPTED));
    await expect(observe(ip, { name: 'x' })).rejects.toThrow(/interrupted \(inconsistent\) dump 3 times/);
    expect(ip.calls).toBe(OBSERVE_ATTEMPTS);
  });
});

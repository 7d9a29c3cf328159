// The L3VNI rebind backoff: when a wrong L3VNI may be rebound again, and when a drift tick
// needs a converge for it. `now` is passed in: no timers.
import { describe, expect, test } from 'vitest';
import {
  afterUncuredRebind,
  FIRST_REBIND_WAIT_MS,
  L3VniRepairs,
  MAX_REBIND_WAIT_MS,
  rebindDue,
  tickVerdict,
  waitInWords,
  type RebindBackoff,
} from '../../../src/reconcile/l3vni-backoff.js';

const T0 = Date.parse('2026-12-03T22:00:00Z');

describe('rebind backoff', () => {
  test('a VNI never rebound in vain is due at once', () => {
    expect(rebindDue(undefined, T0)).toBe(true);
  });

  test('the waits double from 30 s and stop at 10 min', () => {
    let b: RebindBackoff | undefined;
    const waits: number[] = [];
    let now = T0;
    for (let i = 0; i < 8; i++) {
      b = afterUncuredRebind(b, now);
      waits.push(b.nextAt - now);
      now = b.nextAt + 40_000; // the rebind itself takes a while
    }
    expect(waits).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000]);
    expect(b?.uncured).toBe(8);
    expect(FIRST_REBIND_WAIT_MS).toBe(30_000);
    expect(MAX_REBIND_WAIT_MS).toBe(600_000);
  });

  test('not due before nextAt, due from it on', () => {
    const b = afterUncuredRebind(undefined, T0);
    expect(rebindDue(b, T0 + 29_999)).toBe(false);
    expect(rebindDue(b, T0 + 30_000)).toBe(true);
  });

  test('the holder resets a VNI seen whole and keeps the others', () => {
    const r = new L3VniRepairs();
    expect(r.pending).toBe(false);
    r.uncured(100, T0);
    r.uncured(100, T0 + 30_000);
    r.uncured(200, T0);
    expect(r.backoff.get(100)).toEqual({ uncured: 2, nextAt: T0 + 90_000 });
    expect(r.due(100, T0 + 89_999)).toBe(false);
    expect(r.pending).toBe(true);
    r.whole([100]);
    expect(r.due(100, T0)).toBe(true);
    expect(r.backoff.has(200)).toBe(true);
    // After a reset the next fault starts with the short wait again.
    expect(r.uncured(100, T0).nextAt).toBe(T0 + 30_000);
  });

  test('waits in words', () => {
    expect(waitInWords(30_000)).toBe('30 s');
    expect(waitInWords(60_000)).toBe('60 s');
    expect(waitInWords(120_000)).toBe('2 min');
    expect(waitInWords(600_000)).toBe('10 min');
  });
});

describe('drift tick verdict', () => {
  const waiting = { backoff: new Map([[100, { uncured: 1, nextAt: T0 + 30_000 }]]), reported: new Set([100]) };

  test('nothing wrong, nothing reported: no converge', () => {
    expect(tickVerdict([], { backoff: new Map(), reported: new Set() }, T0)).toEqual({ converge: false });
  });

  test('a new fault converges (which confirms and rebinds)', () => {
    expect(tickVerdict([100], { backoff: new Map(), reported: new Set() }, T0)).toEqual({
      converge: true,
      vni: 100,
      why: 'wrong',
    });
  });

  test('a reported fault waiting for its next rebind: no converge until it is due', () => {
    expect(tickVerdict([100], waiting, T0 + 29_000)).toEqual({ converge: false });
    expect(tickVerdict([100], waiting, T0 + 30_000)).toEqual({ converge: true, vni: 100, why: 'wrong' });
  });

  test('a fault in backoff but not reported (a converge saw it gone meanwhile) converges to report it', () => {
    expect(tickVerdict([100], { ...waiting, reported: new Set<number>() }, T0)).toEqual({
      converge: true,
      vni: 100,
      why: 'wrong',
    });
  });

  test('a reported VNI no longer wrong converges to clear its conflict', () => {
    expect(tickVerdict([], waiting, T0)).toEqual({ converge: true, vni: 100, why: 'cleared' });
  });

  test('another VNI going wrong is not held back by one waiting', () => {
    expect(tickVerdict([100, 200], waiting, T0)).toEqual({ converge: true, vni: 200, why: 'wrong' });
  });
});

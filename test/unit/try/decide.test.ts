// The try's wait, driven by a fake clock: the pure state machine is the thing under test.
import { describe, expect, test } from 'vitest';
import { announceMark, startWait, step, type TryEvent, type WaitState } from '../../../src/try/decide.js';

const T0 = 1_000_000;

/** Feed ticks every 250 ms from T0 until an outcome; collect the announcements. */
function run(state: WaitState, extra: (now: number) => TryEvent | undefined = () => undefined) {
  const said: string[] = [];
  for (let now = T0; now < T0 + 200_000; now += 250) {
    for (const ev of [extra(now), { kind: 'tick', now } as TryEvent]) {
      if (!ev) continue;
      const s = step(state, ev);
      state = s.state;
      if (s.announce) said.push(s.announce);
      if (s.outcome) return { outcome: s.outcome, said, at: now - T0 };
    }
  }
  throw new Error('no outcome');
}

describe('try wait', () => {
  test('timeout rolls back exactly at the deadline, after a countdown that is not every tick', () => {
    const r = run(startWait(T0, 45, false));
    expect(r.outcome).toEqual({ decision: 'rollback', why: 'not confirmed within 45 s' });
    expect(r.at).toBe(45_000);
    expect(r.said).toEqual([40, 30, 25, 20, 15, 10, 5].map((s) => `rolling back in ${s} s unless confirmed`));
  });
  test('a confirmation before the deadline confirms', () => {
    const r = run(startWait(T0, 10, false), (now) =>
      now === T0 + 3000 ? { kind: 'confirm', via: 'SIGUSR1' } : undefined,
    );
    expect(r).toMatchObject({ outcome: { decision: 'confirm', via: 'SIGUSR1' }, at: 3000 });
  });
  test('readiness confirms only with --auto-confirm-when-ready', () => {
    const ready = (now: number): TryEvent | undefined =>
      now >= T0 + 2000 ? { kind: 'ready', detail: 'underlay up' } : undefined;
    expect(run(startWait(T0, 10, true), ready)).toMatchObject({
      outcome: { decision: 'confirm', via: 'readiness checks passed (underlay up)' },
      at: 2000,
    });
    expect(run(startWait(T0, 10, false), ready).outcome).toEqual({
      decision: 'rollback',
      why: 'not confirmed within 10 s',
    });
  });
  test('SIGINT rolls back at once', () => {
    const r = run(startWait(T0, 120, true), (now) =>
      now === T0 + 500 ? { kind: 'abort', why: 'SIGINT received' } : undefined,
    );
    expect(r).toMatchObject({ outcome: { decision: 'rollback', why: 'SIGINT received' }, at: 500 });
  });
  test('the first event wins: confirm queued before a late tick', () => {
    const s = startWait(T0, 5, false);
    expect(step(s, { kind: 'confirm', via: 'ENTER' }).outcome).toEqual({ decision: 'confirm', via: 'ENTER' });
    expect(step(s, { kind: 'tick', now: T0 + 5000 }).outcome?.decision).toBe('rollback');
  });
  test('announcement marks', () => {
    expect([120, 115, 110, 35, 30, 25, 7, 5, 1].map(announceMark)).toEqual([
      120,
      undefined,
      110,
      undefined,
      30,
      25,
      undefined,
      5,
      undefined,
    ]);
  });
});

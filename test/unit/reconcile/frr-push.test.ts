// When a converge hands frr.conf to FRR: at most once, and the running-config check (at start)
// only after the kernel post phase, when nothing was pushed before it.
import { describe, expect, test } from 'vitest';
import { frrSteps } from '../../../src/reconcile/frr-push.js';

const bools = [false, true];
const cases = bools.flatMap((changed) =>
  bools.flatMap((wasPending) =>
    bools.flatMap((force) => bools.map((checkRunning) => ({ changed, wasPending, force, checkRunning }))),
  ),
);

describe('frrSteps', () => {
  test.each(cases)(
    'changed=$changed pending=$wasPending force=$force check=$checkRunning: FRR asked once at most',
    (c) => {
      const s = frrSteps(c, c);
      expect(s.pushBeforePost && s.checkAfterPost).toBe(false);
      expect(s.pushBeforePost).toBe(c.changed || c.wasPending || c.force);
    },
  );

  test('the start check: unchanged file, nothing pending, not forced -> checked after the post phase only', () => {
    expect(frrSteps({ changed: false, wasPending: false }, { force: false, checkRunning: true })).toEqual({
      pushBeforePost: false,
      checkAfterPost: true,
    });
    expect(frrSteps({ changed: false, wasPending: false }, { force: false, checkRunning: false })).toEqual({
      pushBeforePost: false,
      checkAfterPost: false,
    });
  });

  test('a changed file at start is pushed before the post phase, and not checked again after it', () => {
    expect(frrSteps({ changed: true, wasPending: false }, { force: false, checkRunning: true })).toEqual({
      pushBeforePost: true,
      checkAfterPost: false,
    });
  });
});

// The watchdog's heartbeat: alive while idle or while the running pass makes progress; stuck once
// a pass has been silent for longer than the threshold; alive again when it moves or ends.
import { expect, test } from 'vitest';
import { Heartbeat, watchdogFromEnv } from '../../../src/daemon/heartbeat.js';

test('idle is alive however long; a running pass is alive while it makes progress', () => {
  let now = 0;
  const hb = new Heartbeat(180_000, () => now);
  now = 10 * 3600_000;
  expect(hb.alive()).toBe(true);
  hb.passStarted();
  now += 179_000;
  expect(hb.alive()).toBe(true);
  hb.progress();
  now += 179_000;
  expect(hb.alive()).toBe(true);
  expect(hb.silentForMs()).toBe(179_000);
});

test('a pass silent past the threshold is stuck until it progresses or ends', () => {
  let now = 0;
  const hb = new Heartbeat(4000, () => now);
  hb.passStarted();
  now = 4000;
  expect(hb.alive()).toBe(true);
  now = 4001;
  expect(hb.alive()).toBe(false);
  expect(hb.silentForMs()).toBe(4001);
  now = 60_000;
  expect(hb.alive()).toBe(false);
  hb.progress();
  expect(hb.alive()).toBe(true);
  now = 70_000;
  expect(hb.alive()).toBe(false);
  hb.passEnded();
  expect(hb.alive()).toBe(true);
  expect(hb.silentForMs()).toBe(0);
  // A new pass starts fresh.
  now = 1_000_000;
  hb.passStarted();
  expect(hb.alive()).toBe(true);
});

test('WATCHDOG_USEC and WATCHDOG_PID as sd_watchdog_enabled(3) reads them', () => {
  expect(watchdogFromEnv({ WATCHDOG_USEC: '180000000' }, 42)).toBe(180_000);
  expect(watchdogFromEnv({ WATCHDOG_USEC: '180000000', WATCHDOG_PID: '42' }, 42)).toBe(180_000);
  // Meant for another process (a parent that did not unset it).
  expect(watchdogFromEnv({ WATCHDOG_USEC: '180000000', WATCHDOG_PID: '7' }, 42)).toBeUndefined();
  for (const bad of ['', '0', '-5', 'soon', '1.5'])
    expect(watchdogFromEnv({ WATCHDOG_USEC: bad }, 42), bad).toBeUndefined();
  expect(watchdogFromEnv({}, 42)).toBeUndefined();
  expect(watchdogFromEnv({ WATCHDOG_USEC: '500' }, 42)).toBe(1);
});

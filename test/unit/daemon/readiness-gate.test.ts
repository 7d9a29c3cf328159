// The readiness gate: READY=1 once the first converge has APPLIED the kernel and FRR's config
// (before its verify re-observe and L3VNI check finish) and an underlay session is Established.
import { describe, expect, test } from 'vitest';
import { ReadinessGate, type GateHost } from '../../../src/daemon/readiness-gate.js';
import type { LoadedConfig } from '../../../src/daemon/config-source.js';
import { createLogger } from '../../../src/log.js';
import { nodeConfig } from '../../helpers/config.js';

const loaded = (underlayEstablished: boolean): LoadedConfig => {
  const config = nodeConfig();
  return {
    inputs: { config: { ...config, readiness: { ...config.readiness, underlayEstablished } } },
    source: 'disk',
    sha256: 'ab',
  } as unknown as LoadedConfig;
};

/** A daemon as the gate sees it: what it applied/converged, what FRR answers; records the order. */
function host(target: LoadedConfig) {
  const events: string[] = [];
  const h = {
    events,
    inForceNow: undefined as LoadedConfig | undefined,
    appliedNow: undefined as LoadedConfig | undefined,
    up: false,
    stop: false,
    gate: undefined as unknown as ReadinessGate,
  };
  const api: GateHost = {
    log: createLogger({ level: 'silent' }),
    startedAt: Date.now(),
    pollMs: 5,
    stopping: () => h.stop,
    inForce: () => h.inForceNow,
    candidate: () => target,
    applied: () => h.appliedNow,
    underlayUp: () => Promise.resolve(h.up),
    opened: () => {
      events.push('READY=1');
      return Promise.resolve();
    },
    waiting: () => Promise.resolve(),
    noteError: (m) => events.push(`error: ${m}`),
    later: (ms, fn) => void setTimeout(fn, ms),
  };
  h.gate = new ReadinessGate(api);
  return h;
}

const tick = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ReadinessGate', () => {
  test('opens once the first converge applied, before it converged (verify still running)', async () => {
    const target = loaded(true);
    const h = host(target);
    h.up = true;
    let looked = false;
    void h.gate.looked.then(() => (looked = true));
    const run = h.gate.run();
    await tick();
    // The session is up but nothing is applied yet: no READY, and no look at an applied config.
    expect(h.events).toEqual([]);
    expect(h.gate.ready).toBe(false);
    expect(looked).toBe(false);
    // Kernel both phases + FRR's config applied; the converge's verify has not finished
    // (nothing in force yet): READY now.
    h.appliedNow = target;
    // The converge waits for the gate's look before its verify: READY=1 is out when it resolves.
    h.gate.wake();
    await h.gate.looked;
    expect(h.events).toEqual(['READY=1']);
    expect(h.inForceNow).toBeUndefined();
    await run;
  });

  test('looked resolves after a look at the applied config even when the gate does not open', async () => {
    const target = loaded(true);
    const h = host(target);
    h.appliedNow = target;
    const run = h.gate.run();
    await tick();
    h.gate.wake();
    await h.gate.looked;
    expect(h.gate.ready).toBe(false);
    h.up = true;
    await run;
    // Once open, the look stays answered.
    h.gate.wake();
    await h.gate.looked;
    expect(h.events).toEqual(['READY=1']);
  });

  test('applied but no underlay session Established: waits for the session', async () => {
    const target = loaded(true);
    const h = host(target);
    h.appliedNow = target;
    const run = h.gate.run();
    await tick();
    expect(h.gate.ready).toBe(false);
    h.up = true;
    await run;
    expect(h.events).toEqual(['READY=1']);
  });

  test('underlayEstablished off: READY as soon as the converge applied', async () => {
    const target = loaded(false);
    const h = host(target);
    const run = h.gate.run();
    await tick();
    expect(h.gate.ready).toBe(false);
    h.appliedNow = target;
    h.gate.wake();
    await h.gate.looked;
    await run;
    expect(h.events).toEqual(['READY=1']);
  });

  test('stops without READY when the daemon stops first', async () => {
    const h = host(loaded(true));
    const run = h.gate.run();
    await tick();
    h.stop = true;
    await run;
    expect(h.events).toEqual([]);
  });
});

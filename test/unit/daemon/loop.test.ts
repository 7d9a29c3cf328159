// The daemon's pure parts: debounce, single-flight, backoff, status words, try.json, readiness.
import { describe, expect, test, vi } from 'vitest';
import { debounce } from '../../../src/daemon/debounce.js';
import { SingleFlight } from '../../../src/daemon/single-flight.js';
import { Backoff } from '../../../src/daemon/backoff.js';
import { isMissingNic, missingNics, statusText } from '../../../src/daemon/state.js';
import { parseTryFile } from '../../../src/reconcile/try-file.js';
import { underlayEstablished } from '../../../src/daemon/readiness.js';

describe('debounce', () => {
  test('a burst of 100 calls fires once, waitMs after the last', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 500);
    for (let i = 0; i < 100; i++) {
      d();
      vi.advanceTimersByTime(10);
    }
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(489); // 10 ms already passed since the last call
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.useRealTimers();
  });

  test('a file written forever is still reconciled every maxWaitMs', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 500, 2000);
    for (let i = 0; i < 50; i++) {
      d();
      vi.advanceTimersByTime(100);
    }
    expect(fn.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(fn.mock.calls.length).toBeLessThanOrEqual(3);
    vi.useRealTimers();
  });

  test('cancel drops the pending call', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 100);
    d();
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(fn).not.toHaveBeenCalled();
    vi.useRealTimers();
  });
});

describe('SingleFlight', () => {
  test('passes never overlap; triggers during a pass merge into one more pass', async () => {
    let running = 0;
    let maxRunning = 0;
    const seen: string[][] = [];
    const release: Array<() => void> = [];
    const sf = new SingleFlight<string>(async (reasons) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      seen.push([...reasons].sort());
      await new Promise<void>((r) => release.push(r));
      running--;
    });
    const first = sf.trigger('boot');
    for (let i = 0; i < 100; i++) void sf.trigger(i % 2 ? 'config' : 'drift');
    await vi.waitFor(() => expect(release).toHaveLength(1));
    release[0]!();
    await vi.waitFor(() => expect(release).toHaveLength(2));
    release[1]!();
    await first;
    expect(seen).toEqual([['boot'], ['config', 'drift']]);
    expect(maxRunning).toBe(1);
    expect(sf.busy).toBe(false);
  });

  test('stop waits for the pass in flight and refuses new ones', async () => {
    let done = false;
    let calls = 0;
    const sf = new SingleFlight<string>(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 50));
      done = true;
    });
    void sf.trigger('a');
    void sf.trigger('b'); // pending: dropped by stop
    await sf.stop();
    expect(done).toBe(true);
    await sf.trigger('c');
    expect(calls).toBe(1);
  });
});

describe('Backoff', () => {
  test('doubles from 0.5 s to a 10 s cap, and starts over after reset', () => {
    const b = new Backoff();
    expect(Array.from({ length: 8 }, () => b.next())).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    b.reset();
    expect(b.next()).toBe(500);
  });
});

describe('status text', () => {
  test('each state in a few words, the detail after it', () => {
    expect(statusText({ state: 'starting', ready: false })).toBe('starting');
    expect(statusText({ state: 'starting', ready: true })).toBe('ready; verifying the first converge');
    expect(
      statusText({ state: 'waiting-frr', detail: 'FRR pidfile /run/evpn-node/frr.pid does not exist', ready: false }),
    ).toBe('waiting for FRR: FRR pidfile /run/evpn-node/frr.pid does not exist');
    expect(statusText({ state: 'converged', ready: false, waitingUnderlaySeconds: 42 })).toBe(
      'waiting for an underlay BGP session (42 s)',
    );
    expect(statusText({ state: 'converged', ready: true })).toBe('converged');
    expect(statusText({ state: 'try-in-progress', ready: true, tryPid: 77 })).toBe('try in progress (pid 77)');
    expect(
      statusText({
        state: 'converged',
        ready: true,
        source: 'last-good',
        diskProblem: 'config.yaml:3:7: node.index: must be >= 0',
      }),
    ).toBe(
      'converged; last good config in force; config on disk not applied: config.yaml:3:7: node.index: must be >= 0',
    );
  });

  test('a missing NIC or VLAN parent means waiting; other conflicts do not', () => {
    expect(isMissingNic('underlay NIC eth1 not found in the host or router netns (waiting?)')).toBe(true);
    expect(isMissingNic('underlay VLAN parent eth0 not found in the host netns (waiting?)')).toBe(true);
    const gone = (n: string) => `underlay NIC ${n} not found in the host or router netns (waiting?)`;
    // Dual-homed: one NIC missing is not a wait (the node runs on the other ToR), both are.
    expect(missingNics([gone('eth1')], 2).verdict).toBe('some');
    expect(missingNics([gone('eth1'), gone('eth2'), 'vni7 exists but was not created by evpn-node'], 2)).toEqual({
      missing: [gone('eth1'), gone('eth2')],
      verdict: 'all',
    });
    expect(missingNics(['something else'], 1).verdict).toBe('none');
    expect(isMissingNic('address 10.0.0.1/24: device br-pe-110 not found in the router netns')).toBe(false);
  });
});

describe('try.json', () => {
  const alive = (pids: number[]) => (pid: number) => pids.includes(pid);
  test('none, active, or stale (dead pid, garbage)', () => {
    expect(parseTryFile(undefined, alive([]))).toEqual({ state: 'none' });
    expect(parseTryFile('{"pid": 1234, "deadline": "2030-01-01T00:00:00Z"}', alive([1234]))).toMatchObject({
      state: 'active',
      file: { pid: 1234 },
    });
    expect(parseTryFile('{"pid": 1234}', alive([]))).toMatchObject({ state: 'stale', why: 'try process 1234 is gone' });
    expect(parseTryFile('{"pid": "x"}', alive([]))).toMatchObject({ state: 'stale' });
    expect(parseTryFile('not json', alive([]))).toMatchObject({ state: 'stale' });
  });
});

describe('underlay readiness', () => {
  test('at least one session Established per family (IPv4 unicast and EVPN); VRF sessions do not count', () => {
    const peers = (states: Record<string, string>, peerState = 'OK') => ({
      peers: Object.fromEntries(Object.entries(states).map(([p, state]) => [p, { state, peerState }])),
    });
    expect(underlayEstablished({ ipv4: { default: peers({ eth1: 'Active' }) }, evpn: peers({ eth1: 'Active' }) })).toBe(
      false,
    );
    expect(
      underlayEstablished({ ipv4: { default: peers({ eth1: 'Established' }) }, evpn: peers({ eth1: 'Established' }) }),
    ).toBe(true);
    // Dual ToR: one ToR is enough, also when each family is up on a different one.
    expect(
      underlayEstablished({
        ipv4: { default: peers({ eth1: 'Established', eth2: 'Connect' }) },
        evpn: peers({ eth1: 'Established', eth2: 'Connect' }),
      }),
    ).toBe(true);
    expect(
      underlayEstablished({
        ipv4: { default: peers({ eth1: 'Established', eth2: 'Active' }) },
        evpn: peers({ eth1: 'Active', eth2: 'Established' }),
      }),
    ).toBe(true);
    // One family missing: not ready (no VTEP reachability, or no overlay).
    expect(underlayEstablished({ ipv4: { default: peers({ eth1: 'Established' }) }, evpn: {} })).toBe(false);
    expect(underlayEstablished({ ipv4: {}, evpn: peers({ eth1: 'Established' }) })).toBe(false);
    // Established, but the ToR did not negotiate EVPN.
    expect(
      underlayEstablished({
        ipv4: { default: peers({ eth1: 'Established' }) },
        evpn: peers({ eth1: 'Established' }, 'NoNeg'),
      }),
    ).toBe(false);
    expect(underlayEstablished({ ipv4: { red: peers({ x: 'Established' }) }, evpn: peers({ x: 'Established' }) })).toBe(
      false,
    );
    expect(underlayEstablished(null)).toBe(false);
  });
});

// BGP session rows from the reloader's /bgp answer (recorded from the tr fabric: FRR 8.4, one
// underlay peer Established in IPv4 unicast and EVPN), the underlay verdict, and health.
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { bgpSessions, underlayVerdict } from '../../../src/status/bgp-sessions.js';
import { judgeHealth } from '../../../src/status/health.js';
import { parseStatusFile, staleAfterMs, staleness, type StatusFile } from '../../../src/status/reconcile-status.js';

const recorded = (): Record<string, any> =>
  JSON.parse(readFileSync(new URL('./fixtures/bgp-established.json', import.meta.url), 'utf8'));
const withState = (state: string) => {
  const b = recorded();
  b.ipv4.default.peers['192.168.11.2'].state = state;
  b.evpn.peers['192.168.11.2'].state = state;
  return b;
};
const okStatus = (): StatusFile =>
  parseStatusFile(
    '/run/x/status.json',
    JSON.stringify({
      at: '2026-01-01T00:00:00.000Z',
      ok: true,
      durationMs: 5,
      kernelOps: 0,
      frrReloaded: false,
      conflicts: [],
      configFiles: [],
    }),
  );

describe('bgpSessions', () => {
  test('one row per VRF/AFI/peer with state, AS, uptime and prefix counts', () => {
    expect(bgpSessions(recorded())).toEqual([
      {
        vrf: 'default',
        afi: 'ipv4',
        peer: '192.168.11.2',
        state: 'Established',
        peerState: 'OK',
        remoteAs: 64512,
        uptime: '00:07:21',
        pfxRcd: 1,
        pfxSnt: 2,
      },
      {
        vrf: 'default',
        afi: 'evpn',
        peer: '192.168.11.2',
        state: 'Established',
        peerState: 'OK',
        remoteAs: 64512,
        uptime: '00:07:21',
        pfxRcd: 2,
        pfxSnt: 4,
      },
    ]);
  });
  test('garbage in, nothing out (never throws)', () => {
    for (const x of [null, 'x', 1, [], {}, { ipv4: 'x' }, { ipv4: { red: null }, evpn: { peers: [1] } }])
      expect(bgpSessions(x)).toEqual([]);
  });
  test('VRF sessions are listed under their VRF', () => {
    const b = recorded();
    b.ipv4.red = { peers: { '192.169.10.2': { state: 'Active', remoteAs: 64515 } } };
    expect(bgpSessions(b).filter((s) => s.vrf === 'red')).toEqual([
      { vrf: 'red', afi: 'ipv4', peer: '192.169.10.2', state: 'Active', remoteAs: 64515 },
    ]);
  });
});

describe('underlayVerdict', () => {
  test('Established in the default VRF', () => {
    expect(underlayVerdict(bgpSessions(recorded()))).toEqual({
      established: true,
      reason: 'underlay BGP session with 192.168.11.2 is Established (up 00:07:21)',
    });
  });
  test('not Established: names the peer and its state', () => {
    expect(underlayVerdict(bgpSessions(withState('Active')))).toEqual({
      established: false,
      reason: 'no underlay BGP session is Established (192.168.11.2 Active)',
    });
  });
  test('a VRF session does not count as underlay', () => {
    const b = { ipv4: { red: { peers: { '192.169.10.2': { state: 'Established' } } } } };
    expect(underlayVerdict(bgpSessions(b)).established).toBe(false);
  });
  test('dual ToR: one session per family is enough; a family down on every ToR is named', () => {
    const s = (afi: 'ipv4' | 'evpn', peer: string, state: string) => ({ vrf: 'default', afi, peer, state });
    expect(
      underlayVerdict([
        s('ipv4', 'eth1', 'Established'),
        s('ipv4', 'eth2', 'Active'),
        s('evpn', 'eth1', 'Established'),
        s('evpn', 'eth2', 'Active'),
      ]),
    ).toEqual({
      established: true,
      reason: 'underlay BGP session with eth1 is Established',
    });
    expect(
      underlayVerdict([
        s('ipv4', 'eth1', 'Established'),
        s('ipv4', 'eth2', 'Active'),
        s('evpn', 'eth1', 'Active'),
        s('evpn', 'eth2', 'Established'),
      ]),
    ).toEqual({
      established: true,
      reason: 'underlay BGP sessions Established: IPv4 unicast with eth1, EVPN with eth2',
    });
    expect(
      underlayVerdict([
        s('ipv4', 'eth1', 'Established'),
        { ...s('evpn', 'eth1', 'Established'), peerState: 'NoNeg' },
        s('evpn', 'eth2', 'Connect'),
      ]),
    ).toEqual({
      established: false,
      reason: 'no underlay BGP session is Established in EVPN (eth1 not negotiated, eth2 Connect)',
    });
  });
  test('no session at all', () => {
    expect(underlayVerdict([])).toEqual({ established: false, reason: 'FRR has no underlay BGP session configured' });
  });
});

describe('judgeHealth', () => {
  test('healthy: converged, underlay up', () => {
    const v = judgeHealth(okStatus(), true, { ok: true, bgp: recorded() });
    expect(v.healthy).toBe(true);
    expect(v.reason).toBe(
      'healthy: last reconcile at 2026-01-01T00:00:00.000Z converged; underlay BGP session with 192.168.11.2 is Established (up 00:07:21)',
    );
  });
  test('underlay not required: the reconcile alone decides', () => {
    expect(judgeHealth(okStatus(), false, undefined).healthy).toBe(true);
  });
  test('underlay required but down', () => {
    const v = judgeHealth(okStatus(), true, { ok: true, bgp: withState('Connect') });
    expect(v).toMatchObject({
      healthy: false,
      reason: 'unhealthy: no underlay BGP session is Established (192.168.11.2 Connect)',
    });
  });
  test('underlay required, FRR not reachable', () => {
    const v = judgeHealth(okStatus(), true, { ok: false, error: 'FRR reloader not available on /run/x.sock (ENOENT)' });
    expect(v.reason).toBe(
      'unhealthy: cannot read BGP state from FRR: FRR reloader not available on /run/x.sock (ENOENT)',
    );
  });
  test('underlay required but never asked while the reconcile is fine: unhealthy, not silently healthy', () => {
    expect(judgeHealth(okStatus(), true, undefined).healthy).toBe(false);
  });
  test('no status.json', () => {
    const v = judgeHealth(
      { found: false, path: '/run/x/status.json', reason: 'no reconcile yet (/run/x/status.json does not exist)' },
      true,
      undefined,
    );
    expect(v.reason).toBe('unhealthy: no reconcile yet (/run/x/status.json does not exist)');
  });
  test('failed reconcile: its first error line', () => {
    const s = parseStatusFile(
      '/s',
      JSON.stringify({ at: 'T', ok: false, error: 'FRR refused the new configuration (test phase)\nline 2' }),
    );
    expect(judgeHealth(s, true, undefined).reason).toBe(
      'unhealthy: last reconcile at T failed: FRR refused the new configuration (test phase)',
    );
  });
  test('conflicts', () => {
    const s = parseStatusFile(
      '/s',
      JSON.stringify({ at: 'T', ok: false, conflicts: ['underlay NIC eth9 not found', 'b'] }),
    );
    expect(judgeHealth(s, false, undefined).reason).toBe(
      'unhealthy: last reconcile at T left 2 conflict(s): underlay NIC eth9 not found',
    );
  });
});

describe('parseStatusFile', () => {
  test('not JSON, or not a status', () => {
    expect(parseStatusFile('/s', '{')).toEqual({ found: false, path: '/s', reason: '/s is not JSON' });
    expect(parseStatusFile('/s', '{"ok":"yes"}')).toEqual({
      found: false,
      path: '/s',
      reason: '/s has no "ok"/"at" fields',
    });
  });
  test('daemon fields kept, missing counters defaulted', () => {
    const s = parseStatusFile('/s', JSON.stringify({ at: 'T', ok: true, state: 'converged', daemonPid: 42 }));
    expect(s).toMatchObject({
      found: true,
      status: { at: 'T', ok: true, state: 'converged', daemonPid: 42, kernelOps: 0, conflicts: [], configFiles: [] },
    });
  });
});

// A daemon that hangs leaves an "ok" status.json behind: health judges its age against the
// drift interval the daemon recorded (rewritten after every pass, so at least every interval).
describe('stale status.json', () => {
  const daemonStatus = (updatedAt: string, driftIntervalMs: number | undefined): StatusFile =>
    parseStatusFile(
      '/run/x/status.json',
      JSON.stringify({
        at: '2026-01-01T00:00:00.000Z',
        ok: true,
        state: 'converged',
        daemonPid: 42,
        updatedAt,
        ...(driftIntervalMs !== undefined ? { driftIntervalMs } : {}),
      }),
    );
  const t0 = Date.parse('2026-01-01T00:10:00.000Z');

  test('older than 2 × the drift interval + 120 s: unhealthy, saying how old and the threshold', () => {
    expect(staleAfterMs(30_000)).toBe(180_000);
    const fresh = judgeHealth(daemonStatus('2026-01-01T00:10:00.000Z', 30_000), false, undefined, t0 + 180_000);
    expect(fresh.healthy).toBe(true);
    const stale = judgeHealth(daemonStatus('2026-01-01T00:10:00.000Z', 30_000), false, undefined, t0 + 181_000);
    expect(stale.healthy).toBe(false);
    expect(stale.reason).toBe(
      'unhealthy: status.json is 181 s old (the daemon, pid 42, rewrites it at least every 30 s drift interval; stale after 2 × that + 120 s = 180 s): the daemon is stuck or not running',
    );
  });

  test('not judged for a one-shot apply, nor with drift ticks off', () => {
    expect(judgeHealth(okStatus(), false, undefined, t0 + 365 * 86400_000).healthy).toBe(true);
    expect(judgeHealth(daemonStatus('2026-01-01T00:10:00.000Z', 0), false, undefined, t0 + 86400_000).healthy).toBe(
      true,
    );
    const garbled = daemonStatus('not a time', 30_000);
    expect(garbled.found && staleness(garbled.status, t0)).toBeUndefined();
  });
});

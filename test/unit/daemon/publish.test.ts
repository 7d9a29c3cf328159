// What the daemon publishes, built from its view: status.json's record and the STATUS= line.
import { describe, expect, test } from 'vitest';
import { statusLine, statusRecord, type DaemonView } from '../../../src/daemon/publish.js';

const view = (o: Partial<DaemonView> = {}): DaemonView => ({
  state: 'converged',
  detail: undefined,
  ready: true,
  inForce: undefined,
  candidate: undefined,
  disk: { files: ['/etc/evpn-node/config.yaml'], sha256: 'ab', valid: true },
  diskProblem: undefined,
  lastError: undefined,
  last: {
    at: '2026-12-03T10:00:00.000Z',
    ok: true,
    durationMs: 12,
    kernelOps: 3,
    frrReloaded: true,
    conflicts: [],
    configFiles: ['/etc/evpn-node/config.yaml'],
  },
  lastPass: { startedAt: '2026-12-03T10:00:00.000Z', endedAt: '2026-12-03T10:00:01.000Z', reasons: ['boot'] },
  tryPid: undefined,
  startedAt: 0,
  pid: 4242,
  driftIntervalMs: 30_000,
  rt: undefined,
  ...o,
});

describe('statusRecord', () => {
  const now = new Date('2026-12-03T11:00:00.000Z');

  test('the last converge, with the daemon fields on top', () => {
    expect(statusRecord(view(), now)).toEqual({
      at: '2026-12-03T10:00:00.000Z',
      ok: true,
      durationMs: 12,
      kernelOps: 3,
      frrReloaded: true,
      conflicts: [],
      configFiles: ['/etc/evpn-node/config.yaml'],
      state: 'converged',
      ready: true,
      configOnDisk: { files: ['/etc/evpn-node/config.yaml'], sha256: 'ab', valid: true },
      lastPass: { startedAt: '2026-12-03T10:00:00.000Z', endedAt: '2026-12-03T10:00:01.000Z', reasons: ['boot'] },
      daemonPid: 4242,
      updatedAt: '2026-12-03T11:00:00.000Z',
      driftIntervalMs: 30_000,
    });
  });

  test('torn down: not ok, whatever the last converge said', () => {
    const r = statusRecord(view({ state: 'torn-down' }), now);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^torn down by `evpn-node teardown`/);
  });

  test('before any converge: a failed empty record, stamped now', () => {
    const r = statusRecord(view({ last: undefined, state: 'waiting-frr', ready: false }), now);
    expect(r).toMatchObject({
      at: '2026-12-03T11:00:00.000Z',
      ok: false,
      kernelOps: 0,
      conflicts: [],
      configFiles: [],
      state: 'waiting-frr',
    });
  });
});

describe('statusLine', () => {
  test('a try in progress names its pid; a bad file on disk is said after the state', () => {
    expect(statusLine(view({ state: 'try-in-progress', tryPid: 77 }), 0)).toBe('try in progress (pid 77)');
    expect(statusLine(view({ diskProblem: 'config.yaml:3:1: bad' }), 0)).toBe(
      'converged; config on disk not applied: config.yaml:3:1: bad',
    );
  });
});

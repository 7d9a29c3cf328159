// `status` exits 0 only when converged and healthy: the verdict from a whole live report, and
// `status --diff`'s normalised, redacted diff of the config in force against the one on disk.
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { DEFAULT_RUNTIME } from '../../../src/config/defaults.js';
import { statusVerdict } from '../../../src/status/verdict.js';
import { diffTexts } from '../../../src/status/config-diff.js';
import type { StatusReport } from '../../../src/status/gather.js';
import { bgpSessions, underlayVerdict } from '../../../src/status/bgp-sessions.js';
import { parseStatusFile } from '../../../src/status/reconcile-status.js';

const bgp = JSON.parse(readFileSync(new URL('./fixtures/bgp-established.json', import.meta.url), 'utf8'));
const sessions = bgpSessions(bgp);
const converged = (over: Record<string, unknown> = {}) =>
  parseStatusFile(
    '/s',
    JSON.stringify({
      at: '2026-01-01T00:00:00.000Z',
      ok: true,
      durationMs: 5,
      kernelOps: 0,
      frrReloaded: false,
      conflicts: [],
      configFiles: [],
      ...over,
    }),
  );

const report = (over: Partial<StatusReport> = {}): StatusReport => ({
  at: '2026-01-01T00:01:00.000Z',
  configPath: '/etc/evpn-node/config.yaml',
  runtime: { ...DEFAULT_RUNTIME },
  units: { available: false, reason: 'no system bus' },
  router: { ok: true, netns: 'evpn-node', pid: 42, inode: 1 },
  interfaces: { ok: true, routerObserved: true, links: [] },
  bgp: { ok: true, sessions, underlay: underlayVerdict(sessions) },
  reconcile: converged({ state: 'converged' }),
  config: {
    onDisk: { files: ['/etc/evpn-node/config.yaml'], valid: true, sha256: 'a' },
    inForce: { sha256: 'a', source: 'last-good.yaml' },
    same: true,
  },
  try: { state: 'none' },
  writer: { path: '/run/evpn-node/lock', held: false },
  underlayRequired: true,
  ...over,
});

describe('statusVerdict', () => {
  test('converged, router and BGP up, in force = on disk: healthy (a node without units counts too)', () => {
    expect(statusVerdict(report())).toEqual({ healthy: true, problems: [] });
  });

  test('status.json says converged but the router is gone: not healthy (the live state decides)', () => {
    const v = statusVerdict(
      report({
        router: { ok: false, error: 'FRR pidfile missing' },
        bgp: { ok: false, error: 'reloader not available' },
      }),
    );
    expect(v.healthy).toBe(false);
    expect(v.problems).toEqual([
      'router unavailable: FRR pidfile missing',
      'BGP state unavailable: reloader not available',
    ]);
  });

  test('underlay not Established: not healthy when readiness asks for it, healthy when it does not', () => {
    const down = bgpSessions({ ipv4: { default: { peers: { '192.168.11.2': { state: 'Active' } } } } });
    const r = report({ bgp: { ok: true, sessions: down, underlay: underlayVerdict(down) } });
    expect(statusVerdict(r).problems).toEqual(['no underlay BGP session is Established (192.168.11.2 Active)']);
    expect(statusVerdict({ ...r, underlayRequired: false }).healthy).toBe(true);
  });

  test('never reconciled, a failed reconcile, a degraded daemon, an edit not in force, a try, a unit down', () => {
    expect(
      statusVerdict(report({ reconcile: { found: false, path: '/s', reason: 'no reconcile yet' } })).problems,
    ).toEqual(['never reconciled: no reconcile yet']);
    expect(
      statusVerdict(report({ reconcile: converged({ ok: false, error: 'FRR refused\n% Unknown command' }) })).problems,
    ).toEqual(['last reconcile failed: FRR refused']);
    expect(statusVerdict(report({ reconcile: converged({ state: 'waiting-frr' }) })).problems).toEqual([
      'daemon waiting-frr',
    ]);
    const pending = report({
      config: { onDisk: { files: [], valid: true, sha256: 'b' }, inForce: { sha256: 'a', source: 'x' }, same: false },
    });
    expect(statusVerdict(pending).problems).toEqual(['the config on disk is not in force yet']);
    expect(
      statusVerdict(report({ try: { state: 'active', file: { pid: 7, startedAt: 'S', deadline: 'D' } } })).problems,
    ).toEqual(['try in progress (pid 7)']);
    const units = report({
      units: {
        available: true,
        units: [
          {
            name: 'evpn-node-controller.service',
            loadState: 'loaded',
            activeState: 'failed',
            subState: 'failed',
            description: '',
          },
          {
            name: 'evpn-node-frr.service',
            loadState: 'not-found',
            activeState: 'inactive',
            subState: 'dead',
            description: '',
          },
          { name: 'kubelet.service', loadState: 'loaded', activeState: 'inactive', subState: 'dead', description: '' },
        ],
      },
    });
    expect(statusVerdict(units).problems).toEqual(['evpn-node-controller.service is failed']);
  });
});

describe('status --diff', () => {
  test('the same config, written differently: no diff', () => {
    expect(
      diffTexts('node: {index: 3}\n', 'node:\n  index: 3\n', '/var/lib/evpn-node/last-good.yaml', [
        '/etc/evpn-node/config.yaml',
      ]),
    ).toMatchObject({ same: true, diff: '' });
  });

  test('a changed value: a unified diff naming both sides; passwords redacted on both', () => {
    const a = 'node:\n  index: 3\nunderlay:\n  neighbors:\n    - address: 192.168.11.2\n      password: old-s3cret\n';
    const b = 'node:\n  index: 4\nunderlay:\n  neighbors:\n    - address: 192.168.11.2\n      password: new-s3cret\n';
    const d = diffTexts(a, b, '/var/lib/evpn-node/last-good.yaml', [
      '/etc/evpn-node/config.yaml',
      '/etc/evpn-node/config.d/node.yaml',
    ]);
    expect(d.same).toBe(false);
    expect(d.diff).toContain('--- /var/lib/evpn-node/last-good.yaml (in force)');
    expect(d.diff).toContain('+++ /etc/evpn-node/config.yaml + 1 drop-in(s) (on disk)');
    expect(d.diff).toContain('-  index: 3\n+  index: 4');
    expect(d.diff).not.toMatch(/s3cret/);
    // Only the password changed: they differ, and the diff says so without showing it.
    expect(diffTexts(a, a.replace('old', 'new'), 'x', ['y'])).toMatchObject({
      same: false,
      diff: 'only secret values (passwords) differ; they are not shown\n',
    });
  });

  test('a config on disk that is not YAML: shown as written, passwords still hidden', () => {
    const d = diffTexts('node: {index: 3}\n', 'node: [\npassword: hunter22\n', 'x', ['y']);
    expect(d.diff).toContain('+password: <redacted>');
    expect(d.diff).not.toContain('hunter22');
  });
});

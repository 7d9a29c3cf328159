// The human status text from a whole report, the managed-link selection on recorded `ip -j`
// output, config in force vs on disk, and the lenient runtime read of a broken config.
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { DEFAULT_RUNTIME } from '../../../src/config/defaults.js';
import { managedLinks } from '../../../src/status/managed-links.js';
import { ago, formatStatus, table } from '../../../src/status/format.js';
import { configSummary, type StatusReport } from '../../../src/status/gather.js';
import { lenientRuntime, type ConfigView } from '../../../src/status/config-view.js';
import { bgpSessions, underlayVerdict } from '../../../src/status/bgp-sessions.js';
import { parseStatusFile } from '../../../src/status/reconcile-status.js';
import { writerView } from '../../../src/status/writer.js';
import { fixture } from '../kernel/fixtures.js';

const bgp = JSON.parse(readFileSync(new URL('./fixtures/bgp-established.json', import.meta.url), 'utf8'));
const NOW = new Date('2026-01-01T00:01:30.000Z');

describe('managedLinks', () => {
  test('our links in both netns, the underlay NIC and the VTEP on lo; nothing else', () => {
    const links = managedLinks(
      { host: fixture('host-l2'), router: fixture('router-l2') },
      { underlayNics: ['kp-eth1'] },
    );
    const rows = links.map((l) =>
      `${l.ns} ${l.name} ${l.role}${l.master ? ` <${l.master}>` : ''} ${l.addrs.join(',')}`.trim(),
    );
    expect(rows).toMatchSnapshot();
    expect(links.every((l) => l.ns === 'router' || l.ns === 'host')).toBe(true);
    expect(links.find((l) => l.role === 'underlay')?.name).toBe('kp-eth1');
  });
});

const view = (over: Partial<ConfigView> = {}): ConfigView => ({
  configPath: '/etc/evpn-node/config.yaml',
  runtime: { ...DEFAULT_RUNTIME },
  runtimeSource: 'config',
  onDisk: { files: ['/etc/evpn-node/config.yaml'], valid: true, sha256: 'a'.repeat(64) },
  lastGood: { path: '/var/lib/evpn-node/last-good.yaml', sha256: 'a'.repeat(64) },
  ...over,
});
const noStatus = {
  found: false as const,
  path: '/run/evpn-node/status.json',
  reason: 'no reconcile yet (/run/evpn-node/status.json does not exist)',
};

describe('configSummary', () => {
  test('same hash: in force = on disk', () => {
    expect(configSummary(view(), noStatus)).toMatchObject({ same: true, inForce: { source: 'last-good.yaml' } });
  });
  test('the daemon’s word on what is in force wins over last-good.yaml', () => {
    const s = parseStatusFile(
      '/s',
      JSON.stringify({ at: 'T', ok: true, configInForce: { files: [], sha256: 'b'.repeat(64), source: 'last-good' } }),
    );
    expect(configSummary(view(), s)).toMatchObject({
      same: false,
      inForce: { sha256: 'b'.repeat(64), source: 'last-good.yaml (daemon)' },
    });
  });
  test('nothing in force yet', () => {
    const { lastGood: _, ...v } = view();
    expect(configSummary(v, noStatus)).toEqual({ onDisk: view().onDisk });
  });
});

describe('lenientRuntime', () => {
  test('paths from a config that does not validate; odd values ignored', () => {
    expect(
      lenientRuntime('runtime:\n  runDir: /run/x\n  stateDir: relative\n  netns: n1\nnode: {index: -1}\n'),
    ).toEqual({ ...DEFAULT_RUNTIME, runDir: '/run/x', netns: 'n1' });
    expect(lenientRuntime(': : :')).toEqual(DEFAULT_RUNTIME);
  });
});

describe('formatStatus', () => {
  const sessions = bgpSessions(bgp);
  const report = (over: Partial<StatusReport> = {}): StatusReport => ({
    at: NOW.toISOString(),
    configPath: '/etc/evpn-node/config.yaml',
    runtime: { ...DEFAULT_RUNTIME },
    units: { available: false, reason: 'no system bus at /run/dbus/system_bus_socket (not running under systemd?)' },
    router: { ok: true, netns: 'evpn-node', pid: 4242, inode: 4026532000 },
    interfaces: {
      ok: true,
      routerObserved: true,
      links: managedLinks({ host: fixture('host-l2'), router: fixture('router-l2') }, { underlayNics: ['kp-eth1'] }),
    },
    bgp: { ok: true, sessions, underlay: underlayVerdict(sessions) },
    reconcile: parseStatusFile(
      '/run/evpn-node/status.json',
      JSON.stringify({
        at: '2026-01-01T00:00:00.000Z',
        ok: true,
        durationMs: 2227,
        kernelOps: 24,
        frrReloaded: true,
        conflicts: [],
        configFiles: [],
      }),
    ),
    config: configSummary(view(), noStatus),
    try: { state: 'none' },
    writer: writerView('/run/evpn-node/lock', { pid: 4242, command: 'run', since: '2026-01-01T00:00:00.000Z' }),
    underlayRequired: true,
    ...over,
  });

  test('everything up (golden)', () => {
    expect(formatStatus(report(), NOW)).toMatchSnapshot();
  });

  test('everything broken: each section says why, plainly', () => {
    const text = formatStatus(
      report({
        units: {
          available: true,
          units: [
            {
              name: 'evpn-node.target',
              loadState: 'loaded',
              activeState: 'active',
              subState: 'active',
              description: 'EVPN',
            },
            {
              name: 'kubelet.service',
              loadState: 'not-found',
              activeState: 'inactive',
              subState: 'dead',
              description: 'kubelet.service',
            },
          ],
        },
        router: { ok: false, error: 'FRR pidfile /run/evpn-node/frr.pid does not exist: is the router pod running?' },
        interfaces: { ok: false, error: 'interfaces: no answer within 3000 ms' },
        bgp: { ok: false, error: 'FRR reloader not available on /run/evpn-node/reloader.sock (ENOENT)' },
        reconcile: parseStatusFile(
          '/s',
          JSON.stringify({
            at: '2026-01-01T00:00:00.000Z',
            ok: false,
            error: 'FRR refused the new configuration (test phase)\n% Unknown command',
            state: 'degraded',
          }),
        ),
        config: configSummary(
          view({
            onDisk: {
              files: [],
              valid: false,
              sha256: 'c'.repeat(64),
              error: 'config.yaml:3:5: underlay.asn: must be 1..4294967295',
            },
          }),
          noStatus,
        ),
        try: {
          state: 'active',
          file: {
            pid: 77,
            startedAt: 'S',
            deadline: '2026-01-01T00:02:00.000Z',
            candidate: '/etc/evpn-node/config.yaml.new',
          },
        },
        writer: { path: '/run/evpn-node/lock', held: false, error: 'cannot read file /run/evpn-node/lock (EACCES)' },
      }),
      NOW,
    );
    expect(text).toMatchSnapshot();
    expect(text).toContain('Router:     unavailable: FRR pidfile /run/evpn-node/frr.pid does not exist');
    expect(text).toContain('BGP:        unavailable: FRR reloader not available');
    expect(text).toContain('DIFFERS from on disk: INVALID: config.yaml:3:5');
    expect(text).toContain('Writer:     unknown: cannot read file /run/evpn-node/lock (EACCES)');
  });

  test('the writer lock: its holder, what it is, since when; or free', () => {
    expect(formatStatus(report(), NOW)).toContain(
      'Writer:     the daemon: `evpn-node run` (pid 4242) since 2026-01-01T00:00:00.000Z (90 s ago)',
    );
    const apply = writerView('/run/evpn-node/lock', { pid: 99, command: 'apply', since: '2026-01-01T00:01:00.000Z' });
    expect(formatStatus(report({ writer: apply }), NOW)).toContain(
      'Writer:     a one-shot apply: `evpn-node apply` (pid 99) since 2026-01-01T00:01:00.000Z (30 s ago)',
    );
    expect(formatStatus(report({ writer: writerView('/run/evpn-node/lock', undefined) }), NOW)).toContain(
      'Writer:     free (nobody holds /run/evpn-node/lock)',
    );
  });

  test('the headline is the live verdict: a converged status.json with the router gone is NOT healthy', () => {
    expect(formatStatus(report(), NOW).split('\n')[0]).toBe('● evpn-node — converged and healthy');
    const head = formatStatus(
      report({
        router: { ok: false, error: 'FRR pidfile /run/evpn-node/frr.pid does not exist' },
        bgp: { ok: false, error: 'FRR reloader not available on /run/evpn-node/reloader.sock (ENOENT)' },
      }),
      NOW,
    ).split('\n')[0];
    expect(head).toBe(
      '× evpn-node — NOT healthy: router unavailable: FRR pidfile /run/evpn-node/frr.pid does not exist; BGP state unavailable: FRR reloader not available on /run/evpn-node/reloader.sock (ENOENT)',
    );
  });

  test('table and ago helpers', () => {
    expect(
      table([
        ['a', 'bbb', 'c'],
        ['dddd', 'e', ''],
      ]),
    ).toEqual(['a     bbb  c', 'dddd  e']);
    expect(ago('2026-01-01T00:00:00.000Z', NOW)).toBe('90 s ago');
    expect(ago('nonsense', NOW)).toBe('unknown time');
  });
});

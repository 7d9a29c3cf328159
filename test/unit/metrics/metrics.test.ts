// The metrics: names and exposition (checked by the real promtool when installed), the pure
// readers of FRR's JSON, and the exporter's two outputs (textfile, GET /metrics) fed with FRR
// answers recorded from FRR 8.4/10.3 (the live path is test/integration/metrics-fabric.test.ts).
import { afterEach, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../src/log.js';
import { parseListenAddress } from '../../../src/config/validate-formats.js';
import { EvpnMetrics } from '../../../src/metrics/metrics.js';
import { bfdPeers, expectedVnis, vniStates } from '../../../src/metrics/frr-state.js';
import { driftKinds } from '../../../src/metrics/drift-kinds.js';
import { MetricsExporter, TEXTFILE_NAME, type FrrReader, type MetricsFacts } from '../../../src/metrics/exporter.js';
import { addrDel, linkUp, sysctlOp } from '../../../src/kernel/ops.js';
import { bgpSessions } from '../../../src/status/bgp-sessions.js';

const PROMTOOL = '/usr/bin/promtool';
const havePromtool = existsSync(PROMTOOL);
if (!havePromtool)
  console.warn("metrics: promtool checks skipped — install Debian's prometheus package (scripts/setup does)");

const silent = createLogger({ level: 'silent' });
const BUILD = { version: '1.2.3', revision: 'abcdef123456' };

/** `show bgp vrf all ipv4 unicast summary json` + `show bgp l2vpn evpn summary json`, trimmed. */
const bgp = (state: string) => ({
  ipv4: {
    default: { peers: { '192.168.11.2': { remoteAs: 64512, state, pfxRcd: 4, pfxSnt: 2, peerUptime: '00:01:02' } } },
    red: { peers: { '192.169.10.5': { remoteAs: 64515, state: 'Established', pfxRcd: 1 } } },
  },
  evpn: { vrfName: 'default', peers: { '192.168.11.2': { remoteAs: 64512, state, pfxRcd: 7 } } },
});
const VNI_JSON = {
  '100': { vni: 100, type: 'L3', tenantVrf: 'red' },
  '110': { vni: 110, type: 'L2', tenantVrf: 'red' },
};
const BFD_JSON = [
  { multihop: false, peer: '192.168.11.2', local: '192.168.11.3', vrf: 'default', interface: 'eth1', status: 'up' },
  { multihop: false, peer: 'fe80::1', vrf: 'default', interface: 'eth2', status: 'down' },
];

function facts(over: Partial<MetricsFacts> = {}): MetricsFacts {
  return {
    metrics: {},
    reloaderSocket: '/run/x/reloader.sock',
    converged: true,
    readySent: true,
    underlayRequired: true,
    configApplied: true,
    vnis: [
      { vni: 100, type: 'l3', vrf: 'red' },
      { vni: 110, type: 'l2', vrf: 'red' },
    ],
    bfd: true,
    ...over,
  };
}

/** A reader answering what `frr` says at the time of the call; throws when it is 'down'. */
function reader(frr: { state: string }): () => FrrReader {
  const down = async (): Promise<never> => {
    throw new Error('FRR reloader not available on /run/x/reloader.sock (ENOENT)');
  };
  return () => ({
    bgp: async () => (frr.state === 'down' ? down() : bgp(frr.state)),
    vni: async () => (frr.state === 'down' ? down() : VNI_JSON),
    bfd: async () => (frr.state === 'down' ? down() : BFD_JSON),
  });
}

const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

async function promtool(text: string): Promise<{ exitCode: number; output: string }> {
  const r = await execa(PROMTOOL, ['check', 'metrics'], { input: text, reject: false, all: true });
  return { exitCode: r.exitCode ?? -1, output: String(r.all) };
}

describe('names and exposition', () => {
  test('every metric the issue names, with its labels, in the text format', async () => {
    const m = new EvpnMetrics(BUILD);
    m.setBgp([{ vrf: 'default', afi: 'ipv4', peer: '192.168.11.2', state: 'Established', pfxRcd: 3 }]);
    m.setBfd([{ peer: '192.168.11.2', up: true }]);
    m.setVnis([{ vni: 100, type: 'l3', vrf: 'red', up: true }]);
    m.reconciles.inc({ result: 'success' });
    m.reconcileDuration.observe(0.2);
    m.lastSuccess.set(1700000000);
    const t = await m.text();
    for (const [name, type] of [
      ['evpn_node_build_info', 'gauge'],
      ['evpn_node_ready', 'gauge'],
      ['evpn_node_bgp_session_up', 'gauge'],
      ['evpn_node_bgp_prefixes_received', 'gauge'],
      ['evpn_node_bfd_session_up', 'gauge'],
      ['evpn_node_vni_up', 'gauge'],
      ['evpn_node_reconcile_total', 'counter'],
      ['evpn_node_reconcile_duration_seconds', 'histogram'],
      ['evpn_node_last_reconcile_success_timestamp_seconds', 'gauge'],
      ['evpn_node_drift_repairs_total', 'counter'],
      ['evpn_node_frr_reloads_total', 'counter'],
      ['evpn_node_config_applied', 'gauge'],
    ]) {
      expect(t, name).toContain(`# TYPE ${name} ${type}\n`);
    }
    expect(value(t, 'evpn_node_build_info{version="1.2.3",revision="abcdef123456"}')).toBe(1);
    expect(value(t, 'evpn_node_bgp_session_up{vrf="default",peer="192.168.11.2",afi="ipv4"}')).toBe(1);
    expect(value(t, 'evpn_node_bgp_prefixes_received{vrf="default",peer="192.168.11.2",afi="ipv4"}')).toBe(3);
    expect(value(t, 'evpn_node_bfd_session_up{peer="192.168.11.2"}')).toBe(1);
    expect(value(t, 'evpn_node_vni_up{vni="100",type="l3",vrf="red"}')).toBe(1);
    expect(value(t, 'evpn_node_reconcile_total{result="success"}')).toBe(1);
    expect(value(t, 'evpn_node_reconcile_duration_seconds_count')).toBe(1);
    // The series alerts divide by exist from the start.
    expect(value(t, 'evpn_node_reconcile_total{result="failure"}')).toBe(0);
    expect(value(t, 'evpn_node_frr_reloads_total{result="failure"}')).toBe(0);
    expect(value(t, 'evpn_node_drift_repairs_total{kind="frr-conf"}')).toBe(0);
  });

  test.skipIf(!havePromtool)('promtool check metrics accepts the output (no lint problems)', async () => {
    const m = new EvpnMetrics(BUILD);
    m.setBgp(bgpSessionsOf('Established'));
    m.setBfd(bfdPeers(BFD_JSON));
    m.setVnis(
      vniStates(expectedVnis({ l3vnis: [{ vrf: 'red', vni: 100 }], l2vnis: [{ vni: 110 }] } as never), VNI_JSON),
    );
    m.reconcileDuration.observe(1.5);
    const r = await promtool(await m.text());
    expect(r.output.trim()).toBe('');
    expect(r.exitCode).toBe(0);
  });

  test.skipIf(!havePromtool)(
    'promtool itself is strict: it flags a counter without _total (the check is real)',
    async () => {
      const r = await promtool('# HELP evpn_node_bad A counter.\n# TYPE evpn_node_bad counter\nevpn_node_bad 1\n');
      expect(r.output).toMatch(/counter metrics should have "_total" suffix/);
    },
  );
});

const bgpSessionsOf = (state: string) => bgpSessions(bgp(state));

describe('FRR JSON to metric values (pure)', () => {
  test('BFD peers: status "up" is up; a link-local peer is named by its interface, as BGP unnumbered is', () => {
    expect(bfdPeers(BFD_JSON)).toEqual([
      { peer: '192.168.11.2', up: true },
      { peer: 'eth2', up: false },
    ]);
    expect(bfdPeers({ error: 'bfdd not running' })).toEqual([]);
  });

  test('VNIs: up when FRR runs each as configured; an L3VNI held as L2, or one FRR lacks, is down', () => {
    const expected = [
      { vni: 100, type: 'l3' as const, vrf: 'red' },
      { vni: 110, type: 'l2' as const, vrf: '' },
      { vni: 120, type: 'l2' as const, vrf: '' },
    ];
    expect(vniStates(expected, VNI_JSON).map((v) => v.up)).toEqual([true, true, false]);
    expect(vniStates(expected, { '100': { vni: 100, type: 'L2', tenantVrf: 'default' } })[0]?.up).toBe(false);
    expect(vniStates(expected, 'garbage').every((v) => !v.up)).toBe(true);
  });

  test('drift kinds: one per operation, by the object it puts back, and frr-conf', () => {
    const ops = [
      linkUp('router', 'post', 'vni110', 'x'),
      addrDel('host', 'post', 'br-hs-110', '10.0.0.1/24', 'x'),
      sysctlOp('router', 'pre', 'net.ipv4.ip_forward', '1', 'x'),
    ];
    expect(driftKinds(ops, true)).toEqual(['link', 'address', 'sysctl', 'frr-conf']);
    expect(driftKinds([], false)).toEqual([]);
  });

  test('metrics.listen: an IP address and a port; IPv6 only in brackets', () => {
    expect(parseListenAddress('127.0.0.1:9479')).toEqual({ host: '127.0.0.1', port: 9479 });
    expect(parseListenAddress('[::1]:9479')).toEqual({ host: '::1', port: 9479 });
    for (const bad of [
      '127.0.0.1',
      ':9479',
      'localhost:9479',
      '::1:9479',
      '[127.0.0.1]:1',
      '127.0.0.1:0',
      '127.0.0.1:65536',
    ]) {
      expect(parseListenAddress(bad), bad).toBeUndefined();
    }
  });
});

describe('the exporter', () => {
  let dir: string | undefined;
  let exporter: MetricsExporter | undefined;
  afterEach(async () => {
    await exporter?.stop();
    exporter = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  test('textfile: written atomically (0644) after a pass; a session going down is 0 after the next one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'op-metrics-'));
    const frr = { state: 'Established' };
    exporter = new MetricsExporter({ log: silent, build: BUILD, reader: reader(frr), now: () => 1_700_000_000_000 });
    exporter.update(facts({ metrics: { textfileDir: dir } }));
    await exporter.refresh();
    const file = join(dir, TEXTFILE_NAME);
    let t = await readFile(file, 'utf8');
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(value(t, 'evpn_node_bgp_session_up{vrf="default",peer="192.168.11.2",afi="ipv4"}')).toBe(1);
    expect(value(t, 'evpn_node_bgp_session_up{vrf="default",peer="192.168.11.2",afi="evpn"}')).toBe(1);
    expect(value(t, 'evpn_node_bgp_prefixes_received{vrf="default",peer="192.168.11.2",afi="evpn"}')).toBe(7);
    expect(value(t, 'evpn_node_bgp_session_up{vrf="red",peer="192.169.10.5",afi="ipv4"}')).toBe(1);
    expect(value(t, 'evpn_node_bfd_session_up{peer="192.168.11.2"}')).toBe(1);
    expect(value(t, 'evpn_node_vni_up{vni="110",type="l2",vrf="red"}')).toBe(1);
    expect(value(t, 'evpn_node_ready')).toBe(1);
    expect(value(t, 'evpn_node_config_applied')).toBe(1);
    expect(value(t, 'evpn_node_last_reconcile_success_timestamp_seconds')).toBe(1_700_000_000);

    frr.state = 'Active';
    exporter.update(facts({ metrics: { textfileDir: dir } }));
    await exporter.refresh();
    t = await readFile(file, 'utf8');
    expect(value(t, 'evpn_node_bgp_session_up{vrf="default",peer="192.168.11.2",afi="ipv4"}')).toBe(0);
    expect(value(t, 'evpn_node_bgp_prefixes_received{vrf="default",peer="192.168.11.2",afi="ipv4"}')).toBe(4);
    // The underlay is down: not ready, whatever the last converge said.
    expect(value(t, 'evpn_node_ready')).toBe(0);
    if (havePromtool) expect((await promtool(t)).exitCode).toBe(0);
  });

  test('FRR unreadable: every session it had is 0 (not absent), ready 0; config pending: applied 0', async () => {
    dir = await mkdtemp(join(tmpdir(), 'op-metrics-'));
    const frr = { state: 'Established' };
    exporter = new MetricsExporter({ log: silent, build: BUILD, reader: reader(frr) });
    exporter.update(facts({ metrics: { textfileDir: dir } }));
    await exporter.refresh();
    frr.state = 'down';
    exporter.update(facts({ metrics: { textfileDir: dir }, configApplied: false }));
    await exporter.refresh();
    const t = await readFile(join(dir, TEXTFILE_NAME), 'utf8');
    expect(value(t, 'evpn_node_bgp_session_up{vrf="default",peer="192.168.11.2",afi="ipv4"}')).toBe(0);
    expect(value(t, 'evpn_node_bfd_session_up{peer="192.168.11.2"}')).toBe(0);
    expect(value(t, 'evpn_node_vni_up{vni="100",type="l3",vrf="red"}')).toBe(0);
    expect(value(t, 'evpn_node_ready')).toBe(0);
    expect(value(t, 'evpn_node_config_applied')).toBe(0);
  });

  test('events: converges, FRR reloads and drift repairs are counted', async () => {
    exporter = new MetricsExporter({ log: silent, build: BUILD, reader: reader({ state: 'Established' }) });
    exporter.reconciled('success', 0.3);
    exporter.reconciled('failure', 1.2);
    exporter.frrReload('success');
    exporter.driftRepaired(['link', 'link', 'frr-conf']);
    const t = await exporter.metrics.text();
    expect(value(t, 'evpn_node_reconcile_total{result="success"}')).toBe(1);
    expect(value(t, 'evpn_node_reconcile_total{result="failure"}')).toBe(1);
    expect(value(t, 'evpn_node_reconcile_duration_seconds_bucket{le="0.5"}')).toBe(1);
    expect(value(t, 'evpn_node_reconcile_duration_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(value(t, 'evpn_node_frr_reloads_total{result="success"}')).toBe(1);
    expect(value(t, 'evpn_node_drift_repairs_total{kind="link"}')).toBe(2);
    expect(value(t, 'evpn_node_drift_repairs_total{kind="frr-conf"}')).toBe(1);
  });

  test('listen: GET /metrics serves the text format; other paths 404; moved when the config changes', async () => {
    const port = await freePort();
    exporter = new MetricsExporter({ log: silent, build: BUILD, reader: reader({ state: 'Established' }) });
    exporter.update(facts({ metrics: { listen: `127.0.0.1:${port}` } }));
    await exporter.refresh();
    await until(async () => (await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined))?.ok === true);
    const r = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const t = await r.text();
    expect(value(t, 'evpn_node_bgp_session_up{vrf="default",peer="192.168.11.2",afi="ipv4"}')).toBe(1);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);

    const port2 = await freePort();
    exporter.update(facts({ metrics: { listen: `127.0.0.1:${port2}` } }));
    await until(async () => (await fetch(`http://127.0.0.1:${port2}/metrics`).catch(() => undefined))?.ok === true);
    await until(async () => (await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => 'closed')) === 'closed');
  });

  test('nothing configured: FRR is never asked, nothing is written', async () => {
    let asked = 0;
    exporter = new MetricsExporter({
      log: silent,
      build: BUILD,
      reader: () => ({ bgp: async () => (asked++, {}), vni: async () => ({}), bfd: async () => [] }),
    });
    exporter.update(facts({ metrics: undefined }));
    await exporter.refresh();
    expect(asked).toBe(0);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

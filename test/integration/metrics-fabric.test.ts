// Metrics of `evpn-node run` on the netns fabric (prefix `op`), read as node_exporter and
// Prometheus would: the textfile in metrics.textfileDir and GET /metrics on metrics.listen
// (inside the node netns, whose loopback is its own), both checked by the real `promtool check
// metrics`. The leaf shuts the session down: the gauge is 0 in the first textfile written after
// our FRR saw it go, within a drift tick.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { buildCli, fabricUp, nodeConfigYaml, type Fabric } from '../helpers/fabric.js';
import { haveFrr, waitFor } from '../helpers/frr.js';
import {
  listenNotify,
  startDaemon,
  type DaemonProc,
  type NotifyListener,
  logDaemonOnFailure,
} from './daemon-helpers.js';

const PROMTOOL = '/usr/bin/promtool';
const ready = process.getuid?.() === 0 && haveFrr();
if (!ready)
  console.warn('metrics-fabric: skipped — needs root and Debian frr/frr-pythontools (scripts/setup installs them)');
if (ready && !existsSync(PROMTOOL))
  console.warn(
    "metrics-fabric: promtool checks skipped — Debian's prometheus package is not installed (scripts/setup installs it)",
  );

const DRIFT_S = 2;
const LISTEN = '127.0.0.1:9479';
const UNDERLAY = 'evpn_node_bgp_session_up{vrf="default",peer="192.168.11.2",afi="ipv4"}';

const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe.skipIf(!ready)('metrics of the daemon on the fabric', { timeout: 180_000 }, () => {
  let f: Fabric;
  let n: NotifyListener | undefined;
  let d: DaemonProc | undefined;
  const textfile = (): string => `${f.runDir}/textfile/evpn-node.prom`;
  const prom = async (): Promise<string> => readFile(textfile(), 'utf8').catch(() => '');
  const config = (over = ''): string =>
    nodeConfigYaml(f, {
      primary: false,
      tail: `metrics:\n  textfileDir: ${f.runDir}/textfile\n  listen: "${LISTEN}"\n${over}`,
    });
  const leaf = (...cmds: string[]) =>
    execa('vtysh', [
      '-N',
      f.leaf,
      '-c',
      'configure terminal',
      '-c',
      'router bgp 64512',
      ...cmds.flatMap((c) => ['-c', c]),
    ]);
  /** The router FRR's own view of the underlay session. */
  const routerSees = async (): Promise<string> => {
    const j = JSON.parse(
      (await execa('vtysh', ['-N', f.netns, '-c', 'show bgp ipv4 unicast summary json'])).stdout,
    ) as { peers?: Record<string, { state?: string }> };
    return j.peers?.['192.168.11.2']?.state ?? 'none';
  };
  /** GET /metrics from inside the node netns, as a local Prometheus would scrape. */
  const scrape = async (): Promise<{ status: number; type: string; body: string }> => {
    const py = `import urllib.request,json\nr=urllib.request.urlopen("http://${LISTEN}/metrics",timeout=5)\nprint(json.dumps({"status":r.status,"type":r.headers["content-type"],"body":r.read().decode()}))`;
    const r = await execa('ip', ['netns', 'exec', f.node, 'python3', '-c', py]);
    return JSON.parse(r.stdout) as { status: number; type: string; body: string };
  };
  const promtool = async (text: string): Promise<{ exitCode: number; output: string }> => {
    const r = await execa(PROMTOOL, ['check', 'metrics'], { input: text, reject: false, all: true });
    return { exitCode: r.exitCode ?? -1, output: String(r.all) };
  };

  beforeAll(async () => {
    await buildCli().catch((e: Error) =>
      console.warn(`metrics-fabric: tsc reported errors; using the emitted dist/: ${e.message.split('\n')[0]}`),
    );
    f = await fabricUp('op');
    await f.writeConfig(config());
    n = await listenNotify(`${f.runDir}/notify.sock`);
    d = startDaemon(f, n.socket, '--drift-interval', String(DRIFT_S));
  });
  afterEach(
    logDaemonOnFailure(
      () => d,
      30,
      () => `\n--- textfile:\n${existsSync(textfile()) ? '(see below)' : '(none)'}`,
    ),
  );
  afterAll(async () => {
    d?.proc.kill('SIGTERM');
    await d?.exited;
    await n?.stop();
    await f?.down();
  });

  test('the textfile: written atomically (0644), the session up, ready, config applied, VNI up; promtool is happy', async () => {
    await waitFor(
      async () => value(await prom(), 'evpn_node_ready') === 1,
      90_000,
      'evpn_node_ready 1 in the textfile',
    );
    const t = await prom();
    expect((await stat(textfile())).mode & 0o777).toBe(0o644);
    expect(value(t, UNDERLAY)).toBe(1);
    expect(value(t, 'evpn_node_bgp_session_up{vrf="default",peer="192.168.11.2",afi="evpn"}')).toBe(1);
    expect(value(t, 'evpn_node_config_applied')).toBe(1);
    expect(value(t, 'evpn_node_vni_up{vni="110",type="l2",vrf=""}')).toBe(1);
    expect(value(t, 'evpn_node_reconcile_total{result="success"}')).toBeGreaterThanOrEqual(1);
    expect(value(t, 'evpn_node_frr_reloads_total{result="success"}')).toBeGreaterThanOrEqual(1);
    expect(value(t, 'evpn_node_reconcile_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value(t, 'evpn_node_last_reconcile_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(t).toMatch(/^evpn_node_build_info\{version="\d+\.\d+\.\d+[^"]*",revision="[^"]+"\} 1$/m);
    if (existsSync(PROMTOOL)) expect(await promtool(t)).toEqual({ exitCode: 0, output: '' });
  });

  test('GET /metrics on metrics.listen: the same metrics, Prometheus text format; promtool is happy', async () => {
    const r = await scrape();
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(r.body, UNDERLAY)).toBe(1);
    expect(value(r.body, 'evpn_node_ready')).toBe(1);
    if (existsSync(PROMTOOL)) expect(await promtool(r.body)).toEqual({ exitCode: 0, output: '' });
  });

  test('the leaf shuts the session down: 0 in the first textfile written after FRR saw it, within a drift tick', async () => {
    await leaf('neighbor 192.168.11.3 shutdown');
    await waitFor(async () => (await routerSees()) !== 'Established', 30_000, 'the router FRR to see the session go');
    const sawDownAt = Date.now();
    // The next write after that moment: a drift tick (every DRIFT_S) plus one reloader query.
    await waitFor(async () => (await stat(textfile())).mtimeMs > sawDownAt, 30_000, 'the next textfile write');
    const writtenAfterS = ((await stat(textfile())).mtimeMs - sawDownAt) / 1000;
    const t = await prom();
    expect(value(t, UNDERLAY)).toBe(0);
    expect(value(t, 'evpn_node_ready')).toBe(0);
    expect(writtenAfterS).toBeLessThanOrEqual(DRIFT_S + 3);
    expect(value((await scrape()).body, UNDERLAY)).toBe(0);

    await leaf('no neighbor 192.168.11.3 shutdown');
    await waitFor(async () => value(await prom(), UNDERLAY) === 1, 90_000, 'the session back at 1');
    await waitFor(async () => value(await prom(), 'evpn_node_ready') === 1, 30_000, 'ready again');
  });

  test('a link deleted by hand: counted as a link drift repair', async () => {
    const before = value(await prom(), 'evpn_node_drift_repairs_total{kind="link"}') ?? 0;
    await execa('ip', ['-n', f.node, 'link', 'del', 'host-110']);
    await waitFor(
      async () => (value(await prom(), 'evpn_node_drift_repairs_total{kind="link"}') ?? 0) > before,
      60_000,
      'the repair counted',
    );
    await waitFor(
      async () => (await execa('ip', ['-n', f.node, 'link', 'show', 'host-110'], { reject: false })).exitCode === 0,
      30_000,
      'host-110 back',
    );
  });

  test('an invalid edit: evpn_node_config_applied 0 (the config in force stays), 1 again once fixed', async () => {
    await f.writeConfig(config('l2vnis-typo: 1\n'));
    await waitFor(async () => value(await prom(), 'evpn_node_config_applied') === 0, 30_000, 'config_applied 0');
    expect(value(await prom(), UNDERLAY)).toBe(1);
    await f.writeConfig(config());
    await waitFor(async () => value(await prom(), 'evpn_node_config_applied') === 1, 30_000, 'config_applied 1');
  });
});

// `health` and `status` on the netns fabric, run as an operator (and podman) would: the CLI in
// the node netns, a real FRR leaf, FRR + reloader in the router netns, no system bus.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { buildCli, fabricUp, nodeConfigYaml, type Fabric } from '../helpers/fabric.js';
import { haveFrr, waitFor } from '../helpers/frr.js';

const ready = process.getuid?.() === 0 && haveFrr();
if (!ready)
  console.warn('status-fabric: skipped — needs root and Debian frr/frr-pythontools (scripts/setup installs them)');

const config = (f: Fabric): string => nodeConfigYaml(f);

describe.skipIf(!ready)('health and status on the fabric', { timeout: 120_000 }, () => {
  let f: Fabric;
  beforeAll(async () => {
    await buildCli();
    f = await fabricUp('tr');
    await f.writeConfig(config(f));
  });
  afterAll(async () => {
    await f?.down();
  });

  test('health before any apply: exit 1, says there was no reconcile', async () => {
    const r = await f.cli('health');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe(`unhealthy: no reconcile yet (${f.runDir}/status.json does not exist)`);
  });

  test('status before any apply still reports, section by section; exit 3: not converged', async () => {
    const r = await f.cli('status');
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/^× evpn-node — NOT healthy: never reconciled: no reconcile yet/);
    expect(r.stdout).toMatch(/^Reconcile: +no reconcile yet/m);
    expect(r.stdout).toMatch(/^In force: +nothing yet \(no last-good\.yaml\); on disk: valid/m);
    expect(r.stdout).toMatch(
      /^Units: +systemd: no system bus at \/run\/dbus\/system_bus_socket \(not running under systemd\?\)$/m,
    );
  });

  test('after apply, health turns 0 once the leaf session is Established — and is fast', async () => {
    const a = await f.cli('apply');
    expect(a.exitCode, a.stderr).toBe(0);
    await waitFor(async () => (await f.cli('health')).exitCode === 0, 60_000, 'health exit 0');
    const t = performance.now();
    const r = await f.cli('health');
    // The podman health check runs it every few seconds: node start-up plus one bounded reloader call.
    expect(performance.now() - t).toBeLessThan(3000);
    expect(r.stdout).toMatch(
      /^healthy: last reconcile at \S+ converged; underlay BGP session with 192\.168\.11\.2 is Established/,
    );
    const j = await f.cli('--json', 'health');
    expect(JSON.parse(j.stdout)).toMatchObject({
      healthy: true,
      checks: { reconcile: { ok: true }, underlay: { ok: true } },
    });
  });

  test('status shows netns, FRR pid, our links, the peer Established, the last reconcile, config in force = on disk', async () => {
    const pid = Number((await readFile(f.pidFile, 'utf8')).trim());
    const r = await f.cli('status');
    expect(r.exitCode, r.stderr).toBe(0);
    const out = r.stdout;
    expect(r.exitCode).toBe(0);
    expect(out).toMatch(/^● evpn-node — converged and healthy$/m);
    expect(out).toContain(`Router:     netns ${f.netns}, FRR pid ${pid}`);
    expect(out).toMatch(/^  router +eth1 +underlay +up +mtu 1500 +192\.168\.11\.3\/24$/m);
    expect(out).toMatch(/^  router +lo +vtep +up .*100\.65\.0\.4\/32$/m);
    expect(out).toMatch(/^  router +vni110 +vxlan +up .*master br-pe-110$/m);
    expect(out).toMatch(/^  host +br-hs-110 +bridge +up .*192\.170\.10\.20\/24$/m);
    expect(out).toMatch(/^  default +ipv4 +192\.168\.11\.2 +AS64512 +Established/m);
    expect(out).toMatch(/^  default +evpn +192\.168\.11\.2 +AS64512 +Established/m);
    expect(out).toMatch(/^Reconcile: +ok at \S+ \(\d+ s ago\), took \d+ ms, \d+ kernel change\(s\), FRR reloaded$/m);
    expect(out).toMatch(/^In force: += on disk \(sha256 [0-9a-f]{12}, from last-good\.yaml\)$/m);
    expect(out).toMatch(/^Units: +systemd: no system bus at/m);
  });

  test('status --json: one object with every section, and the verdict', async () => {
    const r = await f.cli('--json', 'status');
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.verdict).toEqual({ healthy: true, problems: [] });
    expect(s.units).toEqual({
      available: false,
      reason: 'no system bus at /run/dbus/system_bus_socket (not running under systemd?)',
    });
    expect(s.router).toMatchObject({ ok: true, netns: f.netns });
    expect(s.interfaces.links.map((l: { ns: string; name: string }) => `${l.ns}/${l.name}`).sort()).toEqual([
      'host/br-hs-110',
      'host/host-110',
      'router/br-pe-110',
      'router/eth1',
      'router/lo',
      'router/pe-110',
      'router/vni110',
    ]);
    expect(s.bgp.sessions).toContainEqual(
      expect.objectContaining({ vrf: 'default', afi: 'evpn', peer: '192.168.11.2', state: 'Established' }),
    );
    expect(s.reconcile).toMatchObject({ found: true, status: { ok: true } });
    expect(s.config).toMatchObject({ same: true, onDisk: { valid: true } });
    expect(s.try).toEqual({ state: 'none' });
  });

  test('an edited config on disk shows as differing from the one in force; an invalid one with its first error', async () => {
    const good = await readFile(f.configPath, 'utf8');
    expect(await f.cli('status', '--diff')).toMatchObject({
      exitCode: 0,
      stdout: expect.stringMatching(/^in force = on disk /),
    });
    await f.writeConfig(good.replace('192.170.10.20/24', '192.170.10.22/24'));
    const edited = await f.cli('status');
    expect(edited.stdout).toMatch(
      /^In force: +sha256 [0-9a-f]{12} from last-good\.yaml — DIFFERS from on disk: valid, sha256/m,
    );
    expect(edited.exitCode).toBe(3);
    const diff = await f.cli('status', '--diff');
    expect(diff.exitCode).toBe(3);
    expect(diff.stdout).toContain('(in force)');
    expect(diff.stdout).toMatch(/^-\s+hostAddress: 192\.170\.10\.20\/24\n\+\s+hostAddress: 192\.170\.10\.22\/24$/m);
    await f.writeConfig(good.replace('asn: 64514', 'asn: banana'));
    const r = await f.cli('status');
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toMatch(/DIFFERS from on disk: INVALID: .*config\.yaml:\d+:\d+: underlay\.asn: /);
    // A broken file on disk does not make the running node unhealthy.
    expect((await f.cli('health')).exitCode).toBe(0);
    await f.writeConfig(good);
  });

  test('status.json saying the last reconcile failed: health exit 1 with the error', async () => {
    const path = `${f.runDir}/status.json`;
    const saved = await readFile(path, 'utf8');
    await writeFile(
      path,
      JSON.stringify({ ...JSON.parse(saved), ok: false, error: 'FRR refused the new configuration (test phase)' }),
    );
    const r = await f.cli('health');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(
      /^unhealthy: last reconcile at \S+ failed: FRR refused the new configuration \(test phase\)$/,
    );
    const st = await f.cli('status');
    expect(st.stdout).toMatch(
      /^× evpn-node — NOT healthy: last reconcile failed: FRR refused the new configuration \(test phase\)$/m,
    );
    expect(st.exitCode).toBe(3);
    await writeFile(path, saved);
    expect((await f.cli('health')).exitCode).toBe(0);
  });

  test('reloader down: health exit 1 quickly, status says BGP is unavailable but shows the rest', async () => {
    const pid = Number((await readFile(`${f.runDir}/reloader.pid`, 'utf8')).trim());
    process.kill(pid, 'SIGTERM');
    await waitFor(async () => (await f.cli('health')).exitCode === 1, 10_000, 'health exit 1 without the reloader');
    const r = await f.cli('health');
    expect(r.stdout).toMatch(
      /^unhealthy: cannot read BGP state from FRR: FRR reloader not available on \S+reloader\.sock \((ENOENT|ECONNREFUSED)\)$/,
    );
    const s = await f.cli('status');
    // status.json still says converged: the live state says otherwise, and decides.
    expect(s.exitCode).toBe(3);
    expect(s.stdout).toMatch(/^× evpn-node — NOT healthy: BGP state unavailable: FRR reloader not available/);
    expect(s.stdout).toMatch(/^BGP: +unavailable: FRR reloader not available/m);
    expect(s.stdout).toContain(`Router:     netns ${f.netns}`);
  });
});

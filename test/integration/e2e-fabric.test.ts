// The foundation end to end, as a user runs it: the CLI inside a node netns, a real FRR leaf,
// FRR in the router netns found through its pidfile, the real reloader. Kernel state asserted
// with `ip -j`, BGP with vtysh JSON, traffic with ping, "writes nothing" with `ip monitor`.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import {
  buildCli,
  fabricUp,
  ipJson,
  isFrrWrite,
  L2VNI_120,
  nodeConfigYaml,
  watchNetlink,
  type Fabric,
} from '../helpers/fabric.js';
import { haveFrr, waitFor } from '../helpers/frr.js';

const ready = process.getuid?.() === 0 && haveFrr();
if (!ready)
  console.warn('e2e-fabric: skipped — needs root and Debian frr/frr-pythontools (scripts/setup installs them)');

type Link = {
  ifname: string;
  ifalias?: string;
  master?: string;
  flags: string[];
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_data?: Record<string, unknown> };
};
type AddrLink = { ifname: string; addr_info: Array<{ local: string; prefixlen: number; label?: string }> };

const baseConfig = (f: Fabric, extra = ''): string => nodeConfigYaml(f, { extraL2vnis: extra });

describe.skipIf(!ready)('evpn-node on a network-namespace fabric with a real FRR leaf', () => {
  let f: Fabric;

  beforeAll(async () => {
    await buildCli();
    f = await fabricUp('e2e');
    await f.writeConfig(baseConfig(f));
  });
  afterAll(async () => {
    await f?.down();
  });

  const links = async (ns: string): Promise<Link[]> => ipJson<Link[]>(ns, 'link', 'show');
  const ours = async (ns: string): Promise<string[]> =>
    (await links(ns))
      .filter((l) => l.ifalias === 'evpn-node')
      .map((l) => l.ifname)
      .sort();
  const leafEstablished = async (): Promise<boolean> => {
    const { stdout } = await execa('vtysh', ['-N', f.leaf, '-c', 'show bgp summary json']);
    return stdout.includes('"state":"Established"');
  };

  test('validate accepts the config', async () => {
    const r = await f.cli('validate');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  test('plan lists the changes per namespace and exits 3 with --detailed-exitcode, touching nothing', async () => {
    const before = await ipJson<Link[]>(f.node, 'link', 'show');
    const r = await f.cli('plan', '--detailed-exitcode');
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/link set (dev )?eth1 netns e2e-router/);
    expect(r.stdout).toMatch(/link add .*vni110/);
    expect(r.stdout).toMatch(/\+router bgp 64514/);
    expect((await ipJson<Link[]>(f.node, 'link', 'show')).map((l) => l.ifname)).toEqual(before.map((l) => l.ifname));
  });

  test('apply plumbs both namespaces with the SPEC names and flags', async () => {
    const r = await f.cli('apply');
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);

    // Underlay NIC moved into the router netns with its address; VTEP on lo.
    const raddr = await ipJson<AddrLink[]>(f.netns, 'addr', 'show');
    expect(raddr.find((l) => l.ifname === 'eth1')?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toContain(
      '192.168.11.3/24',
    );
    expect(raddr.find((l) => l.ifname === 'lo')?.addr_info).toContainEqual(
      expect.objectContaining({ local: '100.65.0.4', prefixlen: 32, label: 'lo:evpn' }),
    );
    expect((await links(f.node)).map((l) => l.ifname)).not.toContain('eth1');

    expect(await ours(f.netns)).toEqual(['br-pe-110', 'pe-110', 'vni110']);
    expect(await ours(f.node)).toEqual(['br-hs-110', 'host-110']);
    const rl = await links(f.netns);
    const vx = rl.find((l) => l.ifname === 'vni110');
    expect(vx?.linkinfo?.info_data).toMatchObject({ id: 110, local: '100.65.0.4', port: 4789, learning: false });
    expect(vx?.master).toBe('br-pe-110');
    expect(vx?.linkinfo?.info_slave_data).toMatchObject({ neigh_suppress: true, learning: false });
    expect(rl.find((l) => l.ifname === 'pe-110')?.master).toBe('br-pe-110');
    for (const l of rl.filter((x) => x.ifalias === 'evpn-node')) expect(l.flags, l.ifname).toContain('UP');
    const nl = await links(f.node);
    expect(nl.find((l) => l.ifname === 'host-110')?.master).toBe('br-hs-110');
    const naddr = await ipJson<AddrLink[]>(f.node, 'addr', 'show', 'dev', 'br-hs-110');
    expect(naddr[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toContain('192.170.10.20/24');

    // Files: frr.conf 0600, kubelet.env, last-good.yaml.
    expect((await stat(`${f.frrConfigDir}/frr.conf`)).mode & 0o777).toBe(0o600);
    expect(await readFile(`${f.runDir}/kubelet.env`, 'utf8')).toBe(
      'NODE_IP=192.170.10.20\nNODE_IPS=192.170.10.20\nKUBELET_NODE_IP=192.170.10.20\nKUBELET_NODE_IPS=192.170.10.20\n',
    );
    expect(existsSync(`${f.runDir}/state/last-good.yaml`)).toBe(true);
  });

  test('the leaf session comes up and EVPN routes flow both ways', async () => {
    await waitFor(leafEstablished, 60_000, 'BGP Established on the leaf');
    await waitFor(
      async () =>
        (await execa('vtysh', ['-N', f.leaf, '-c', 'show bgp l2vpn evpn route type multicast'])).stdout.includes(
          '100.65.0.4',
        ),
      30_000,
      "the node's type-3 route on the leaf",
    );
    await waitFor(
      async () =>
        (await execa('vtysh', ['-N', f.netns, '-c', 'show bgp l2vpn evpn route type multicast'])).stdout.includes(
          '100.64.0.1',
        ),
      30_000,
      "the leaf's type-3 route on the node",
    );
  });

  test('traffic flows over VXLAN: the node pings the remote host', async () => {
    const r = await execa('ip', ['netns', 'exec', f.node, 'ping', '-c', '3', '-W', '2', '192.170.10.30'], {
      reject: false,
    });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/3 received/);
  });

  test('a second apply makes zero kernel writes and no FRR reload; plan is empty', async () => {
    const reloadsBefore = (await readFile(`${f.runDir}/reloader.log`, 'utf8')).split('POST /reload').length;
    expect(reloadsBefore, 'the first apply reloaded FRR through the reloader').toBeGreaterThan(1);
    let r: Awaited<ReturnType<Fabric['cli']>> | undefined;
    const events = await watchNetlink([f.node, f.netns], async () => {
      r = await f.cli('apply');
    });
    expect(r?.exitCode, r?.stderr).toBe(0);
    expect(events).toEqual([]);
    expect((await readFile(`${f.runDir}/reloader.log`, 'utf8')).split('POST /reload').length).toBe(reloadsBefore);
    const p = await f.cli('plan', '--detailed-exitcode');
    expect(p.exitCode, p.stdout).toBe(0);
  });

  test('adding an L2VNI creates only its objects; the session and VNI 110 are not disturbed', async () => {
    await f.writeConfig(baseConfig(f, L2VNI_120));
    let r: Awaited<ReturnType<Fabric['cli']>> | undefined;
    const events = await watchNetlink([f.node, f.netns], async () => {
      r = await f.cli('apply');
    });
    expect(r?.exitCode, r?.stderr).toBe(0);
    expect(await ours(f.netns)).toEqual(['br-pe-110', 'br-pe-120', 'pe-110', 'pe-120', 'vni110', 'vni120']);
    expect(
      events.some((e) => /\bvni120\b/.test(e)),
      'the monitor sees the new objects being made',
    ).toBe(true);
    expect(
      events.filter((e) => !isFrrWrite(e) && /\b(br-pe-110|vni110|pe-110|host-110|br-hs-110|eth1)\b/.test(e)),
    ).toEqual([]);
    expect(await leafEstablished()).toBe(true);
  });

  test('removing it removes exactly its objects', async () => {
    await f.writeConfig(baseConfig(f));
    const r = await f.cli('apply');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await ours(f.netns)).toEqual(['br-pe-110', 'pe-110', 'vni110']);
    expect(await ours(f.node)).toEqual(['br-hs-110', 'host-110']);
  });

  test('a broken config is refused with exit 2 and file:line:col; nothing changes', async () => {
    const good = await readFile(f.configPath, 'utf8');
    await f.writeConfig(good.replace('vni: 110', 'vni: 99999999'));
    const frrBefore = await readFile(`${f.frrConfigDir}/frr.conf`, 'utf8');
    const r = await f.cli('apply');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/config\.yaml:\d+:\d+: l2vnis\[0\]\.vni: /);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await readFile(`${f.frrConfigDir}/frr.conf`, 'utf8')).toBe(frrBefore);
    await f.writeConfig(good);
  });

  test('a config FRR refuses keeps the last good frr.conf in force', async () => {
    const good = await readFile(f.configPath, 'utf8');
    const frrBefore = await readFile(`${f.frrConfigDir}/frr.conf`, 'utf8');
    await f.writeConfig(
      good
        .replace('frr:', 'frr_unused:')
        .replace(/^primary:/m, 'frr:\n  rawConfig: |\n    router bgp 64514\n     this-is-not-an-frr-command\nprimary:'),
    );
    const r = await f.cli('apply');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/FRR refused/);
    expect(await readFile(`${f.frrConfigDir}/frr.conf`, 'utf8')).toBe(frrBefore);
    expect(await leafEstablished()).toBe(true);
    await f.writeConfig(good);
  });

  test('teardown gives eth1 back with its address and removes everything evpn-node created', async () => {
    const r = await f.cli('teardown', '--yes');
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    const naddr = await ipJson<AddrLink[]>(f.node, 'addr', 'show', 'dev', 'eth1');
    expect(naddr[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toContain('192.168.11.3/24');
    expect(await ours(f.node)).toEqual([]);
    expect(await ours(f.netns)).toEqual([]);
    const lo = await ipJson<AddrLink[]>(f.netns, 'addr', 'show', 'dev', 'lo');
    expect(lo[0]?.addr_info.map((a) => a.local)).not.toContain('100.65.0.4');
    expect(await readFile(`${f.frrConfigDir}/frr.conf`, 'utf8')).not.toMatch(/router bgp/);
    expect(existsSync(`${f.runDir}/kubelet.env`)).toBe(false);
    // The node still has its underlay: it can reach the leaf directly again.
    expect(
      (await execa('ip', ['netns', 'exec', f.node, 'ping', '-c', '1', '-W', '2', '192.168.11.2'], { reject: false }))
        .exitCode,
    ).toBe(0);
  });
});

// A rack in network namespaces, for the fleet tests: two leaves (real FRR, ASNs 64512 and 64513,
// plain IP/EVPN routers, BFD toward the nodes), a spine that is also the border VTEP with a host
// behind it on VNI 110, and N nodes, each dual-homed (eth1 to leaf1, eth2 to leaf2, unnumbered
// eBGP) with its router netns (real FRR + the real reloader, as the router pod) and a mgmt0
// interface whose address gives the node its index (node.indexFrom).
//
//                      P-spine (AS 65000, VTEP 100.64.0.100, br110: swp5 -- P-bhost 192.170.10.100)
//                      swp1 /                   \ swp2
//          P-leaf1 (AS 64512) swp9         swp9 P-leaf2 (AS 64513)
//          swp1..N  |                            |  swp1..N
//     P-nK: eth1 ---+                            +--- eth2      (mgmt0 10.1.0.K/24, br-hs-110 192.170.10.1K/24)
//
// Every link is unnumbered (IPv6 link-local, RFC 5549). Names carry the prefix, so fabrics of
// different tests never collide.

import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import { netnsAdd, netnsDel, startFrr, stopFrrByName, type FrrInstance } from './frr.js';
import { startReloader, type RunningReloader } from './reloader.js';
import { ROOT, type CliResult } from './fabric.js';

const CLI = `${ROOT}bin/evpn-node`;

/** BFD as the example fleet file sets it: 100 ms x 3, so a dead ToR is noticed within 300 ms. */
export const BFD = { intervalMs: 100, multiplier: 3 };

export interface RackNode {
  /** 1-based: mgmt0 is 10.1.0.<n>/24, so the derived index is n and the VTEP 100.65.0.<n + 1>. */
  n: number;
  /** The node (host) netns, where evpn-node runs. */
  ns: string;
  /** Its router netns (the router pod's). */
  router: string;
  frr: FrrInstance;
  reloader: RunningReloader;
  configDir: string;
  /** The node's address on VNI 110 (on its own bridge br-hs-110). */
  hostIp: string;
  vtep: string;
  cli(...args: string[]): Promise<CliResult>;
}

export interface Rack {
  prefix: string;
  spine: FrrInstance;
  leaves: [FrrInstance, FrrInstance];
  /** The host behind the border VTEP, on VNI 110. */
  bhost: { ns: string; ip: string };
  nodes: RackNode[];
  /** Cable node n <-> leaf l (1 or 2): down or up, from the leaf's side (the node sees no carrier). */
  cable(n: number, leaf: 1 | 2, up: boolean): Promise<void>;
  /** Write the same config.yaml on every node (plus each node's own runtime drop-in). */
  writeFleetConfig(yaml: string): Promise<void>;
  down(): Promise<void>;
}

const sh = (ns: string, ...args: string[]) => execa('ip', ['-n', ns, ...args]);

/** The BFD profile `fast` (100 ms x 3) of the leaves and the spine. */
const BFD_PROFILE = [
  'bfd',
  ' profile fast',
  `  receive-interval ${BFD.intervalMs}`,
  `  transmit-interval ${BFD.intervalMs}`,
  `  detect-multiplier ${BFD.multiplier}`,
  ' exit',
  'exit',
];

/** An unnumbered eBGP neighbor, with BFD (profile `fast`) when `bfd`. */
const unnumbered = (p: string, bfd: boolean): string[] => [
  ` neighbor ${p} interface remote-as external`,
  ...(bfd ? [` neighbor ${p} bfd`, ` neighbor ${p} bfd profile fast`] : []),
];

/**
 * A leaf: a plain IP/EVPN router (no VTEP of its own), unnumbered eBGP on every port and uplink,
 * BFD (profile `fast`) on all of them when `bfd`, multipath over its uplinks. BFD on the uplinks
 * too: a leaf whose FRR crashed sends no Cease, and without BFD the spine would keep the dead
 * session for the hold time (180 s) and refuse the restarted leaf until then.
 */
export function leafConf(asn: number, id: string, ports: string[], uplinks: string[] = ['swp9'], bfd = true): string {
  const act = (p: string) => `  neighbor ${p} activate`;
  return [
    'frr defaults traditional',
    ...BFD_PROFILE,
    `router bgp ${asn}`,
    ` bgp router-id ${id}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' bgp bestpath as-path multipath-relax',
    ...[...ports, ...uplinks].flatMap((p) => unnumbered(p, bfd)),
    ' address-family ipv4 unicast',
    ...[...ports, ...uplinks].map(act),
    ' exit-address-family',
    ' address-family l2vpn evpn',
    ...[...ports, ...uplinks].map(act),
    ' exit-address-family',
    'exit',
    '',
  ].join('\n');
}

const SPINE_CONF = [
  'frr defaults traditional',
  ...BFD_PROFILE,
  'router bgp 65000',
  ' bgp router-id 10.0.2.1',
  ' no bgp ebgp-requires-policy',
  ' no bgp default ipv4-unicast',
  ' bgp bestpath as-path multipath-relax',
  ...unnumbered('swp1', true),
  ...unnumbered('swp2', true),
  ' address-family ipv4 unicast',
  '  network 100.64.0.100/32',
  '  neighbor swp1 activate',
  '  neighbor swp2 activate',
  ' exit-address-family',
  ' address-family l2vpn evpn',
  '  neighbor swp1 activate',
  '  neighbor swp2 activate',
  '  advertise-all-vni',
  ' exit-address-family',
  'exit',
  '',
].join('\n');

export async function forwarding(ns: string): Promise<void> {
  await execa('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
}

export async function cableUp(a: string, aIf: string, b: string, bIf: string): Promise<void> {
  await execa('ip', ['link', 'add', aIf, 'netns', a, 'type', 'veth', 'peer', 'name', bIf, 'netns', b]);
  await sh(a, 'link', 'set', aIf, 'up');
  await sh(b, 'link', 'set', bIf, 'up');
}

/**
 * Node n of a fabric: its netns P-nN (already created, cabled by the caller) gets mgmt0
 * 10.1.0.N/24 (the index comes from it), its router netns P-rN a real FRR and the reloader,
 * and a config dir whose drop-in holds only the runtime paths of this node.
 */
export async function nodeUp(prefix: string, n: number): Promise<RackNode> {
  const ns = `${prefix}-n${n}`;
  const router = `${prefix}-r${n}`;
  // mgmt0: the management NIC the node index comes from (its peer end stays beside it).
  await sh(ns, 'link', 'add', 'mgmt0', 'type', 'veth', 'peer', 'name', 'mgmt0p');
  await sh(ns, 'addr', 'add', `10.1.0.${n}/24`, 'dev', 'mgmt0');
  for (const l of ['mgmt0', 'mgmt0p']) await sh(ns, 'link', 'set', l, 'up');
  await forwarding(router);
  const runDir = `/run/evpn-node-${prefix}-${n}`;
  const configDir = `${runDir}/etc`;
  await mkdir(`${configDir}/config.d`, { recursive: true });
  const frr = await startFrr(router, '');
  const reloader = await startReloader({ socket: `${runDir}/reloader.sock`, config: frr.confFile, pathspace: router });
  await writeFile(
    `${configDir}/config.d/90-runtime.yaml`,
    [
      '# This test runs several nodes on one host: only their runtime paths differ.',
      'runtime:',
      `  netns: ${router}`,
      `  pidFile: ${frr.pidFile}`,
      `  frrConfigDir: ${frr.confDir}`,
      `  reloaderSocket: ${runDir}/reloader.sock`,
      `  stateDir: ${runDir}/state`,
      `  runDir: ${runDir}`,
      '',
    ].join('\n'),
  );
  return {
    n,
    ns,
    router,
    frr,
    reloader,
    configDir,
    hostIp: `192.170.10.${10 + n}`,
    vtep: `100.65.0.${n + 1}`,
    cli: async (...args) => {
      const r = await execa('ip', ['netns', 'exec', ns, CLI, '--config', `${configDir}/config.yaml`, ...args], {
        reject: false,
      });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
  };
}

export async function rackUp(prefix: string, nodeCount: number): Promise<Rack> {
  const name = (s: string) => `${prefix}-${s}`;
  const all = rackNames(prefix, nodeCount);
  await fabricDown(prefix, all, nodeCount);
  for (const ns of all) await netnsAdd(ns);

  // Spine/border: VTEP on lo, VNI 110 bridged to the border host's access port.
  await cableUp(name('spine'), 'swp1', name('leaf1'), 'swp9');
  await cableUp(name('spine'), 'swp2', name('leaf2'), 'swp9');
  await cableUp(name('spine'), 'swp5', name('bhost'), 'eth0');
  const spine = name('spine');
  await sh(spine, 'addr', 'add', '100.64.0.100/32', 'dev', 'lo');
  await sh(spine, 'link', 'add', 'br110', 'type', 'bridge');
  await sh(
    spine,
    'link',
    'add',
    'vni110',
    'type',
    'vxlan',
    'id',
    '110',
    'local',
    '100.64.0.100',
    'dstport',
    '4789',
    'nolearning',
  );
  await sh(spine, 'link', 'set', 'vni110', 'master', 'br110');
  await sh(spine, 'link', 'set', 'dev', 'vni110', 'type', 'bridge_slave', 'neigh_suppress', 'on', 'learning', 'off');
  await sh(spine, 'link', 'set', 'swp5', 'master', 'br110');
  for (const l of ['br110', 'vni110']) await sh(spine, 'link', 'set', l, 'up');
  await sh(name('bhost'), 'addr', 'add', '192.170.10.100/24', 'dev', 'eth0');

  for (let n = 1; n <= nodeCount; n++) {
    await cableUp(name('leaf1'), `swp${n}`, name(`n${n}`), 'eth1');
    await cableUp(name('leaf2'), `swp${n}`, name(`n${n}`), 'eth2');
  }
  for (const ns of [name('spine'), name('leaf1'), name('leaf2')]) await forwarding(ns);
  const ports = Array.from({ length: nodeCount }, (_, i) => `swp${i + 1}`);
  const [spineFrr, leaf1, leaf2] = await Promise.all([
    startFrr(name('spine'), SPINE_CONF),
    startFrr(name('leaf1'), leafConf(64512, '10.0.1.1', ports)),
    startFrr(name('leaf2'), leafConf(64513, '10.0.1.2', ports)),
  ]);
  const started: RackNode[] = [];
  for (let n = 1; n <= nodeCount; n++) {
    const x = await nodeUp(prefix, n);
    // The node's own bridge on VNI 110 (hostMaster, not managed by evpn-node): its address is
    // the node's, so it is not in the fleet-wide file.
    await sh(x.ns, 'link', 'add', 'br-hs-110', 'type', 'bridge');
    await sh(x.ns, 'addr', 'add', `${x.hostIp}/24`, 'dev', 'br-hs-110');
    await sh(x.ns, 'link', 'set', 'br-hs-110', 'up');
    started.push(x);
  }
  return {
    prefix,
    spine: spineFrr,
    leaves: [leaf1, leaf2],
    bhost: { ns: name('bhost'), ip: '192.170.10.100' },
    nodes: started,
    cable: async (n, leaf, up) => {
      await sh(name(`leaf${leaf}`), 'link', 'set', `swp${n}`, up ? 'up' : 'down');
    },
    writeFleetConfig: async (yaml) => {
      for (const x of started) await writeFile(`${x.configDir}/config.yaml`, yaml);
    },
    down: () => fabricDown(prefix, all, nodeCount, started),
  };
}

const rackNames = (prefix: string, nodeCount: number): string[] =>
  [
    'spine',
    'leaf1',
    'leaf2',
    'bhost',
    ...Array.from({ length: nodeCount }, (_, i) => [`n${i + 1}`, `r${i + 1}`]).flat(),
  ].map((s) => `${prefix}-${s}`);

/** Stop the reloaders and FRRs of these netns, delete them and their run/config dirs. */
export async function fabricDown(
  prefix: string,
  names: string[],
  nodeCount: number,
  nodes: RackNode[] = [],
): Promise<void> {
  for (const x of nodes) await x.reloader.stop().catch(() => undefined);
  for (const ns of names) await stopFrrByName(ns).catch(() => undefined);
  for (const ns of names) await netnsDel(ns);
  await execa('rm', [
    '-rf',
    ...Array.from({ length: nodeCount }, (_, i) => `/run/evpn-node-${prefix}-${i + 1}`),
    ...names.map((ns) => `/etc/frr/${ns}`),
  ]);
}

/** Per-interface packet counters of a netns, sent and received (which way did the traffic go). */
export async function packetCounts(ns: string): Promise<Record<string, { tx: number; rx: number }>> {
  const { stdout } = await execa('ip', ['-n', ns, '-j', '-s', 'link', 'show']);
  const links = JSON.parse(stdout) as Array<{
    ifname: string;
    stats64?: { tx?: { packets?: number }; rx?: { packets?: number } };
  }>;
  return Object.fromEntries(
    links.map((l) => [l.ifname, { tx: l.stats64?.tx?.packets ?? 0, rx: l.stats64?.rx?.packets ?? 0 }]),
  );
}

export interface PingRun {
  transmitted: number;
  received: number;
  /** The longest run of unanswered echo requests, in milliseconds (count x interval). */
  longestGapMs: number;
}

/**
 * `ping -i 0.05` from `ns` to `ip` for `seconds`, with a fixed ICMP id (so the flow, and its
 * ECMP path, stays the same), from `source` when given (another flow, hashed anew): how many
 * were answered, and the longest outage.
 */
export function pingFor(
  ns: string,
  ip: string,
  seconds: number,
  id: number,
  intervalMs = 50,
  source?: string,
): Promise<PingRun> {
  const count = Math.round((seconds * 1000) / intervalMs);
  return execa(
    'ip',
    [
      'netns',
      'exec',
      ns,
      'ping',
      '-n',
      '-i',
      String(intervalMs / 1000),
      '-W',
      '1',
      '-c',
      String(count),
      '-e',
      String(id),
      ...(source ? ['-I', source] : []),
      ip,
    ],
    { reject: false },
  ).then((r) => {
    const seqs = new Set([...String(r.stdout).matchAll(/icmp_seq=(\d+)/g)].map((m) => Number(m[1])));
    let gap = 0;
    let run = 0;
    for (let s = 1; s <= count; s++) {
      run = seqs.has(s) ? 0 : run + 1;
      gap = Math.max(gap, run);
    }
    return { transmitted: count, received: seqs.size, longestGapMs: gap * intervalMs };
  });
}

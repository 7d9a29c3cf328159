// Typed configs for the frr.conf golden tests, built in TS (not through the YAML loader) so the
// renderer is tested on its own. Each case is a whole node config with defaults applied, as
// load/validate would hand it over.

import type { Config } from '../../../src/config/types.js';
import { TOR, l2vni, l3vni, nodeConfig } from '../../helpers/config.js';

export interface FrrCase {
  name: string;
  config: Config;
  /** Resolved passwords by neighbor index, as the IO layer passes them (password or passwordFile). */
  secrets: ReadonlyMap<number, string>;
  /** Render with redactSecrets. */
  redact?: boolean;
}

export { nodeConfig, l3vni, l2vni };

/** What the IO layer does for inline passwords (passwordFile cases pass their secret directly). */
export function inlineSecrets(config: Config): Map<number, string> {
  const m = new Map<number, string>();
  config.underlay.neighbors.forEach((n, i) => n.password !== undefined && m.set(i, n.password));
  return m;
}

const NONE: ReadonlyMap<number, string> = new Map();

function plain(name: string, config: Config): FrrCase {
  return { name, config, secrets: inlineSecrets(config) };
}

const passwordConfig = nodeConfig({
  neighbors: [
    { address: TOR, asn: 64512, password: 's3cr$t%"pa55' },
    { address: '192.168.12.2', asn: 64512, passwordFile: '/etc/evpn-node/secrets/tor2' },
  ],
});

const redSession = { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.10.0/24' } };

export const CASES: FrrCase[] = [
  plain('minimal', nodeConfig()),
  plain(
    'unnumbered',
    nodeConfig({
      neighbors: [
        { interface: 'eth1', type: 'external' },
        { interface: 'eth2', asn: 64512 },
      ],
    }),
  ),
  {
    name: 'password',
    config: passwordConfig,
    secrets: new Map([
      [0, 's3cr$t%"pa55'],
      [1, 'from-file-Secret_2'],
    ]),
  },
  {
    name: 'password-redacted',
    config: passwordConfig,
    secrets: new Map([
      [0, 's3cr$t%"pa55'],
      [1, 'from-file-Secret_2'],
    ]),
    redact: true,
  },
  plain(
    'bfd-profile',
    nodeConfig({
      neighbors: [
        { address: TOR, asn: 64512, bfd: { receiveInterval: 100, transmitInterval: 150, detectMultiplier: 5 } },
        // Only FRR's defaults: plain `bfd`, no profile.
        {
          address: '192.168.12.2',
          asn: 64512,
          bfd: { receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3 },
        },
        { interface: 'eth2', type: 'external', bfd: {} },
        { interface: 'eth3', type: 'external', bfd: { detectMultiplier: 4 } },
      ],
    }),
  ),
  plain(
    'timers-multihop-port',
    nodeConfig({
      neighbors: [
        {
          address: TOR,
          asn: 64512,
          ebgpMultiHop: 2,
          keepaliveTimeSeconds: 3,
          holdTimeSeconds: 9,
          connectTimeSeconds: 5,
          port: 1179,
        },
        // Defaults FRR hides (port 179, multihop 1) are left out; hold alone implies keepalive.
        { address: '192.168.12.2', asn: 64512, ebgpMultiHop: 1, holdTimeSeconds: 30, port: 179 },
      ],
    }),
  ),
  plain(
    'ibgp',
    nodeConfig({
      neighbors: [
        { address: TOR, type: 'internal', ebgpMultiHop: 3 },
        { address: '192.168.12.2', asn: 64514 },
      ],
    }),
  ),
  // The fleet layout: two NICs, one unnumbered eBGP session with BFD on each ToR, the ASN shared
  // by every node (allowas-in origin), ECMP across the ToRs, only our own routes announced.
  plain(
    'dual-tor-unnumbered',
    nodeConfig({
      underlay: { nics: [{ name: 'eth1' }, { name: 'eth2' }] },
      neighbors: [
        { interface: 'eth1', type: 'external', bfd: { receiveInterval: 100, transmitInterval: 100 } },
        { interface: 'eth2', type: 'external', bfd: { receiveInterval: 100, transmitInterval: 100 } },
      ],
      l2vnis: [l2vni(110)],
    }),
  ),
  // allowas-in turned off on one session (and not rendered on the iBGP one, where it means nothing).
  plain(
    'allowas-in-off',
    nodeConfig({
      neighbors: [
        { address: TOR, asn: 64512, allowASIn: false },
        { address: '192.168.12.2', asn: 64513 },
        { address: '192.168.13.2', type: 'internal' },
      ],
    }),
  ),
  plain('l2vni', nodeConfig({ l2vnis: [l2vni(110)] })),
  plain(
    'l2vni-rts',
    nodeConfig({
      l2vnis: [
        l2vni(110, { importRTs: ['64512:110', '64513:110'], exportRTs: ['64512:110'] }),
        l2vni(111, { importRTs: ['64512:111'] }),
        l2vni(112),
      ],
    }),
  ),
  plain(
    'l2vni-gateway-vrf',
    nodeConfig({
      l3vnis: [l3vni('red', 100)],
      l2vnis: [l2vni(110, { l3vni: 'red', gatewayIPs: ['192.170.10.1/24'] })],
    }),
  ),
  plain('l3vni-ipv4', nodeConfig({ l3vnis: [l3vni('red', 100, { hostSession: redSession })] })),
  plain(
    'l3vni-dualstack-hosttype',
    nodeConfig({
      l3vnis: [
        l3vni('red', 100, {
          hostSession: {
            asn: 64600,
            hostType: 'external',
            localCIDR: { ipv4: '192.169.10.0/24', ipv6: 'fd00:10::/64' },
          },
        }),
      ],
    }),
  ),
  plain(
    'l3vni-rts-table',
    nodeConfig({
      l3vnis: [
        l3vni('red', 100, {
          table: 4242,
          importRTs: ['64512:100', '64513:100'],
          exportRTs: ['64512:100'],
          hostSession: redSession,
        }),
      ],
    }),
  ),
  plain(
    'two-vrfs',
    nodeConfig({
      l3vnis: [
        l3vni('red', 100, { hostSession: redSession }),
        l3vni('blue', 200, { hostSession: { asn: 64514, hostType: 'internal', localCIDR: { ipv6: 'fd00:20::/64' } } }),
      ],
    }),
  ),
  plain(
    'raw-config',
    nodeConfig({
      frr: {
        logLevel: 'debugging',
        rawConfig:
          'ip prefix-list extra seq 5 permit 10.99.0.0/16\nroute-map extra permit 10\n match ip address prefix-list extra\nexit\n',
      },
    }),
  ),
  {
    name: 'everything',
    config: nodeConfig({
      node: { index: 7, routerID: '10.1.0.7' },
      underlay: { asn: 65001, mtu: 9000 },
      neighbors: [
        {
          address: TOR,
          asn: 64512,
          password: 'tor-1-secret',
          bfd: { receiveInterval: 200 },
          ebgpMultiHop: 2,
          keepaliveTimeSeconds: 10,
          holdTimeSeconds: 30,
          connectTimeSeconds: 10,
          port: 1790,
        },
        { interface: 'eth1', type: 'external', bfd: {} },
        // Written non-canonically: FRR prints IPv6 compressed, so build canonicalises it.
        { address: 'FD00:0:0:11::2', type: 'internal', passwordFile: '/etc/evpn-node/secrets/rr' },
      ],
      l3vnis: [
        l3vni('red', 100, {
          importRTs: ['65001:100'],
          exportRTs: ['65001:100'],
          hostSession: { asn: 65001, hostASN: 65002, localCIDR: { ipv4: '192.169.10.0/24', ipv6: 'fd00:10::/64' } },
        }),
        l3vni('blue', 200, { vxlanPort: 4790 }),
      ],
      l2vnis: [
        // 65001:110 is FRR's automatic RT here: alone it is left out, among others it goes last.
        l2vni(110, {
          l3vni: 'red',
          gatewayIPs: ['192.170.10.1/24', 'fd00:170:10::1/64'],
          importRTs: ['65001:110', '64512:110'],
          exportRTs: ['65001:110'],
        }),
        l2vni(210, { l3vni: 'blue', gatewayIPs: ['fd00:210::1/64'] }),
        l2vni(300),
      ],
      primary: { l3vni: 'red', defaultRoute: true },
      frr: { logLevel: 'warnings', rawConfig: 'bgp as-path access-list evpn-node-extra seq 5 permit ^65002$' },
    }),
    secrets: new Map([
      [0, 'tor-1-secret'],
      [2, 'rr-secret'],
    ]),
  },
];

export { NONE as NO_SECRETS };

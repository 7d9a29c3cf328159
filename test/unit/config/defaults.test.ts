// Defaults applied after validation (defaults.ts), as the rest of the program sees them.

import { expect, test } from 'vitest';
import {
  DEFAULT_FRR_LOG_LEVEL,
  DEFAULT_HOST_MASTER_MANAGED,
  DEFAULT_READINESS,
  DEFAULT_ROUTER_ID_CIDR,
  DEFAULT_RUNTIME,
  DEFAULT_VXLAN_PORT,
} from '../../../src/config/defaults.js';
import { withDropIn } from './helpers.js';

test('the minimal config gets every default', () => {
  const r = withDropIn('');
  expect(r.ok).toBe(true);
  expect(r.config).toEqual({
    node: { index: 3 },
    underlay: {
      asn: 64514,
      nic: 'eth1',
      nics: [{ name: 'eth1' }],
      vtepCIDR: '100.65.0.0/24',
      routerIDCIDR: '10.0.0.0/24',
      neighbors: [{ address: '192.168.11.2', asn: 64512 }],
    },
    l3vnis: [],
    l2vnis: [],
    frr: { logLevel: 'informational' },
    readiness: { underlayEstablished: true, timeoutSeconds: 300 },
    runtime: {
      netns: 'evpn-node',
      pidFile: '/run/evpn-node/frr.pid',
      frrConfigDir: '/var/lib/evpn-node/frr',
      reloaderSocket: '/run/evpn-node/reloader.sock',
      stateDir: '/var/lib/evpn-node',
      runDir: '/run/evpn-node',
    },
  });
});

test('the exported constants are the documented values', () => {
  expect(DEFAULT_ROUTER_ID_CIDR).toBe('10.0.0.0/24');
  expect(DEFAULT_VXLAN_PORT).toBe(4789);
  expect(DEFAULT_FRR_LOG_LEVEL).toBe('informational');
  expect(DEFAULT_HOST_MASTER_MANAGED).toBe(false);
  expect(DEFAULT_READINESS).toEqual({ underlayEstablished: true, timeoutSeconds: 300 });
  expect(DEFAULT_RUNTIME.netns).toBe('evpn-node');
});

test('l3vni: table 1000 + vni, port 4789, empty RTs, hostSession.asn = underlay.asn', () => {
  const r = withDropIn(
    'l3vnis:\n  - vrf: red\n    vni: 100\n    hostSession: {hostASN: 65000, localCIDR: {ipv4: 10.9.0.0/24}}\n',
  );
  expect(r.config?.l3vnis).toEqual([
    {
      vrf: 'red',
      vni: 100,
      table: 1100,
      vxlanPort: 4789,
      importRTs: [],
      exportRTs: [],
      hostSession: { asn: 64514, hostASN: 65000, localCIDR: { ipv4: '10.9.0.0/24' } },
    },
  ]);
});

test('given values win over defaults', () => {
  const r = withDropIn(
    'l3vnis:\n  - {vrf: red, vni: 100, table: 7, vxlanPort: 4790, hostSession: {asn: 1, hostType: internal, localCIDR: {ipv4: 10.9.0.0/24}}}\n',
  );
  expect(r.config?.l3vnis[0]).toMatchObject({
    table: 7,
    vxlanPort: 4790,
    hostSession: { asn: 1, hostType: 'internal' },
  });
});

test('l2vni: no gateways, port 4789, empty RTs, hostMaster unmanaged unless asked', () => {
  const r = withDropIn('l2vnis:\n  - {vni: 5, hostMaster: {name: br0}}\n  - {vni: 6}\n');
  expect(r.config?.l2vnis).toEqual([
    {
      vni: 5,
      gatewayIPs: [],
      vxlanPort: 4789,
      importRTs: [],
      exportRTs: [],
      hostMaster: { name: 'br0', managed: false },
    },
    { vni: 6, gatewayIPs: [], vxlanPort: 4789, importRTs: [], exportRTs: [] },
  ]);
});

test('primary.defaultRoute defaults to true; runtime and readiness merge key by key', () => {
  const r = withDropIn(
    'l3vnis:\n  - {vrf: red, vni: 1, hostSession: {hostASN: 2, localCIDR: {ipv4: 10.9.0.0/24}}}\nprimary: {l3vni: red}\nruntime: {netns: test-ns}\nreadiness: {timeoutSeconds: 5}\n',
  );
  expect(r.config?.primary).toEqual({ l3vni: 'red', defaultRoute: true });
  expect(r.config?.runtime).toEqual({ ...DEFAULT_RUNTIME, netns: 'test-ns' });
  expect(r.config?.readiness).toEqual({ underlayEstablished: true, timeoutSeconds: 5 });
});

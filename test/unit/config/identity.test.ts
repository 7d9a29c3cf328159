// node.indexFrom: the index derived on the node from an interface address or the hostname, the
// validation of the field, and how a failure or a derived index that does not fit is reported.

import { describe, expect, test } from 'vitest';
import { captureGroups, deriveIndex } from '../../../src/config/identity.js';
import { parseAddrs } from '../../../src/config/identity-facts.js';
import { loadConfigTexts, resolveIdentity } from '../../../src/config/load.js';
import { formatIssue } from '../../../src/config/errors.js';
import { errorLines, single } from './helpers.js';

const eno1 = [
  { local: '10.1.0.23', prefixlen: 24, global: true },
  { local: '192.168.7.140', prefixlen: 16, global: true },
  { local: 'fd00:1::17', prefixlen: 64, global: true },
  { local: 'fe80::1', prefixlen: 64, global: false },
];

describe('deriveIndex from an interface', () => {
  test("its first global IPv4 address: the host part within that address's own prefix", () => {
    expect(deriveIndex({ interface: 'eno1' }, { addrs: eno1 })).toEqual({
      ok: true,
      index: 23,
      from: '10.1.0.23/24 on eno1, host part within 10.1.0.0/24',
    });
  });
  test('with cidr: the first address inside it, host part within the cidr (either family)', () => {
    expect(deriveIndex({ interface: 'eno1', cidr: '192.168.0.0/16' }, { addrs: eno1 })).toMatchObject({
      ok: true,
      index: 7 * 256 + 140,
    });
    expect(deriveIndex({ interface: 'eno1', cidr: '192.168.7.0/24' }, { addrs: eno1 })).toMatchObject({
      ok: true,
      index: 140,
    });
    expect(deriveIndex({ interface: 'eno1', cidr: 'fd00:1::/64' }, { addrs: eno1 })).toMatchObject({
      ok: true,
      index: 0x17,
    });
  });
  test.each([
    [{ interface: 'eno1' }, {}, 'interface eno1 not found in the host netns'],
    [{ interface: 'eno1' }, { addrs: [] }, 'interface eno1 has no global IPv4 address (it has no global address)'],
    [
      { interface: 'eno1' },
      { addrs: [eno1[2]!, eno1[3]!] },
      'interface eno1 has no global IPv4 address (it has fd00:1::17/64)',
    ],
    [
      { interface: 'eno1', cidr: '10.2.0.0/24' },
      { addrs: eno1 },
      'interface eno1 has no address in 10.2.0.0/24 (it has 10.1.0.23/24, 192.168.7.140/16, fd00:1::17/64)',
    ],
    [
      { interface: 'eno1', cidr: 'fd00::/8' },
      { addrs: [{ local: 'fd00::1:0:0:0', prefixlen: 8, global: true }] },
      'fd00::1:0:0:0/8 on eno1, host part within fd00::/8 gives 281474976710656, above the largest node index 16777215',
    ],
  ])('%j %j: %s', (from, facts, reason) => {
    expect(deriveIndex(from, facts)).toEqual({ ok: false, reason });
  });
});

describe('deriveIndex from the hostname', () => {
  test('the one capture group, as a number', () => {
    expect(deriveIndex({ hostname: '^node-(\\d+)$' }, { hostname: 'node-12' })).toEqual({
      ok: true,
      index: 12,
      from: 'hostname "node-12" matching ^node-(\\d+)$',
    });
    expect(deriveIndex({ hostname: 'r(\\d+)n\\d+' }, { hostname: 'rack3-r07n2.example' })).toMatchObject({
      ok: true,
      index: 7,
    });
  });
  test.each([
    ['^node-(\\d+)$', 'worker-3', 'hostname "worker-3" does not match ^node-(\\d+)$'],
    ['^node-(.+)$', 'node-ab', 'hostname "node-ab": the capture group of ^node-(.+)$ matched "ab", not a number'],
    [
      '^node-(\\d+)?x',
      'node-x',
      'hostname "node-x": the capture group of ^node-(\\d+)?x matched nothing, not a number',
    ],
    [
      '^n(\\d+)$',
      'n99999999',
      'hostname "n99999999" matching ^n(\\d+)$ gives 99999999, above the largest node index 16777215',
    ],
    ['^n(\\d+)$', '', 'the node has no hostname (yet)'],
  ])('%s against %j: %s', (pattern, hostname, reason) => {
    expect(deriveIndex({ hostname: pattern }, { hostname })).toEqual({ ok: false, reason });
  });
  test('capture groups are counted (non-capturing ones are not)', () => {
    expect(captureGroups('^node-(\\d+)$')).toBe(1);
    expect(captureGroups('^(?:rack\\d+-)?node-(\\d+)$')).toBe(1);
    expect(captureGroups('^(a)(b)$')).toBe(2);
    expect(captureGroups('^a$')).toBe(0);
    expect(captureGroups('^(a$')).toBeUndefined();
  });
});

const fleet = (indexFrom: string, rest = '') =>
  `node:\n  indexFrom: ${indexFrom}\nunderlay:\n  asn: 64514\n  nics: [eth1, eth2]\n  vtepCIDR: 100.65.0.0/24\n${rest}`;

describe('node.indexFrom validation', () => {
  test.each([
    ['{interface: eno1}', []],
    ['{interface: eno1, cidr: 10.1.0.0/16}', []],
    ["{hostname: '^node-(\\d+)$'}", []],
    [
      '{interface: eno1, hostname: x(1)}',
      ['x.yaml:2:32: node.indexFrom.hostname: "interface" and "hostname" are mutually exclusive: set only one'],
    ],
    ['{}', ['x.yaml:2:3: node.indexFrom: needs one of "interface" or "hostname"']],
    [
      "{hostname: '^node-\\d+$'}",
      [
        "x.yaml:2:25: node.indexFrom.hostname: must have exactly one capture group, the node number (it has 0), e.g. '^node-(\\d+)$'",
      ],
    ],
    [
      "{hostname: '^(node)-(\\d+)$'}",
      [
        "x.yaml:2:25: node.indexFrom.hostname: must have exactly one capture group, the node number (it has 2), e.g. '^node-(\\d+)$'",
      ],
    ],
    ["{hostname: '^node-(\\d+$'}", ['x.yaml:2:25: node.indexFrom.hostname: is not a valid regular expression']],
    [
      "{hostname: 'node (\\d+)'}",
      [
        'x.yaml:2:25: node.indexFrom.hostname: must be a single token: no whitespace, "!" or "#" (the value is written into frr.conf and ip commands)',
      ],
    ],
    [
      '{hostname: x(1), cidr: 10.0.0.0/8}',
      [
        'x.yaml:2:31: node.indexFrom.cidr: goes with interface: it selects which address of the interface the index comes from',
      ],
    ],
    [
      '{interface: eno1, cidr: 10.0.0.1/8}',
      ['x.yaml:2:38: node.indexFrom.cidr: host bits are set: did you mean 10.0.0.0/8?'],
    ],
    [
      '{interface: eth2}',
      [
        'x.yaml:2:26: node.indexFrom.interface: eth2 is an underlay NIC: it moves into the router netns, so the index could not be derived again after a restart; name a host interface that stays (e.g. the management NIC)',
      ],
    ],
    [
      '{interface: host-110}',
      [
        'x.yaml:2:26: node.indexFrom.interface: host-110 is a name evpn-node creates (and addresses from the node index): name a host interface that exists without evpn-node',
      ],
    ],
  ])('%s', (indexFrom, expected) => {
    expect(errorLines(single(fleet(indexFrom)))).toEqual(expected);
  });
  test('index and indexFrom: exactly one', () => {
    expect(errorLines(single(fleet('{interface: eno1}').replace('node:\n', 'node:\n  index: 3\n')))).toEqual([
      'x.yaml:3:3: node.indexFrom: "index" and "indexFrom" are mutually exclusive: set only one',
    ]);
  });
});

describe('resolveIdentity (what loadConfig does with the facts it read on the node)', () => {
  const load = (text: string) => loadConfigTexts([{ path: 'x.yaml', text }]);
  test('the derived index is the config index; where it came from is kept for --show-derived', () => {
    const r = resolveIdentity(load(fleet('{interface: eno1}')), { addrs: eno1 });
    expect(r.ok).toBe(true);
    expect(r.config?.node).toEqual({ indexFrom: { interface: 'eno1' }, index: 23 });
    expect(r.identity).toEqual({ index: 23, from: '10.1.0.23/24 on eno1, host part within 10.1.0.0/24' });
  });
  test('cannot be derived: an error at node.indexFrom, and the reason the daemon waits on', () => {
    const r = resolveIdentity(load(fleet('{interface: eno1}')), {});
    expect(r.ok).toBe(false);
    expect(r.config).toBeUndefined();
    expect(r.issues.filter((i) => i.severity === 'error').map(formatIssue)).toEqual([
      'x.yaml:2:3: node.indexFrom: cannot derive the node index: interface eno1 not found in the host netns',
    ]);
    expect(r.identityProblem).toBe('interface eno1 not found in the host netns');
  });
  test('a derived index that does not fit a CIDR is reported like a written one, saying where it came from', () => {
    const r = resolveIdentity(load(fleet('{interface: eno1, cidr: 192.168.0.0/16}')), { addrs: eno1 });
    expect(r.ok).toBe(false);
    expect(r.identityProblem).toBeUndefined();
    expect(r.issues.map(formatIssue)).toContain(
      'x.yaml:2:14: node.indexFrom: derived index 1932 (192.168.7.140/16 on eno1, host part within 192.168.0.0/16) does not fit underlay.vtepCIDR 100.65.0.0/24 (VTEP = first usable + index; node.index must be 0..253)',
    );
  });
  test('a config with index is left as it is', () => {
    const r = load(fleet('{interface: eno1}').replace('  indexFrom: {interface: eno1}\n', '  index: 4\n'));
    expect(resolveIdentity(r, {})).toBe(r);
  });
});

test('ip -j addr show: addresses and their scope', () => {
  const json = JSON.stringify([
    {
      ifindex: 2,
      ifname: 'eno1',
      addr_info: [
        { family: 'inet', local: '10.1.0.23', prefixlen: 24, scope: 'global' },
        { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
      ],
    },
  ]);
  expect(parseAddrs(json)).toEqual([
    { local: '10.1.0.23', prefixlen: 24, global: true },
    { local: 'fe80::1', prefixlen: 64, global: false },
  ]);
  expect(parseAddrs('')).toEqual([]);
});

test('a node that could not be read is a reason too, never an exception', () => {
  expect(deriveIndex({ interface: 'eno1' }, { error: 'cannot read the node: ip: could not start' })).toEqual({
    ok: false,
    reason: 'cannot read the node: ip: could not start',
  });
});

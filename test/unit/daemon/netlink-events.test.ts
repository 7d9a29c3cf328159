// Which `ip -o monitor link address route rule netconf` lines make the daemon's next drift tick
// observe the kernel. Lines recorded from iproute2 6.1 (a veth pair, an address, routes of
// several protocols, a rule, the forwarding sysctl, then the pair deleted).
import { describe, expect, test } from 'vitest';
import { devicesOf, relevantEvent } from '../../../src/daemon/netlink-monitor.js';

describe('relevantEvent', () => {
  test.each([
    [
      '3: d0@d1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default \\    link/ether 96:a4:76:f5:e7:eb brd ff:ff:ff:ff:ff:ff',
      'a link',
    ],
    [
      'Deleted 3: d0@NONE: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default \\    link/ether 96:a4:76:f5:e7:eb brd ff:ff:ff:ff:ff:ff',
      'a link deleted',
    ],
    ['3: d0    inet 10.9.9.1/24 scope global d0\\       valid_lft forever preferred_lft forever', 'an address'],
    [
      'Deleted 2: d1    inet6 fe80::f0c2:ddff:fe68:b49f/64 scope link tentative \\       valid_lft forever preferred_lft forever',
      'a link-local address deleted',
    ],
    ['100:\tfrom all lookup 5', 'a rule'],
    ['inet all forwarding off ', 'the IPv4 forwarding sysctl (netconf)'],
    ['inet6 all forwarding on ', 'the IPv6 forwarding sysctl (netconf)'],
    ['10.8.0.0/16 via 10.9.9.2 dev d0 proto 240 ', 'a route of ours'],
    ['10.6.0.0/16 via 10.9.9.2 dev d0 ', 'a boot route (ip prints no proto for boot)'],
    ['10.5.0.0/16 via 10.9.9.2 dev d0 proto static ', 'a static route (moves with the underlay NIC)'],
    ['default via 10.9.9.2 dev d0 proto bgp ', 'a default route of any protocol (foreign default check)'],
    ['Deleted default via fe80::1 dev eth1 proto ra metric 1024 pref medium', 'an IPv6 default route deleted'],
  ])('counts %s (%s)', (line) => {
    expect(relevantEvent(line)).toBe(true);
  });

  test.each([
    ['10.7.0.0/16 via 10.9.9.2 dev d0 proto bgp ', "FRR's route"],
    [
      '2001:db8:5::/64 nhid 30 via fe80::1 dev eth1 proto bgp metric 20 pref medium',
      "FRR's IPv6 route (starts with digits and a colon)",
    ],
    ['multicast ff00::/8 dev d1 table local proto kernel metric 256 pref medium', "the kernel's multicast route"],
    ['fe80::/64 dev d0 proto kernel metric 256 pref medium', "the kernel's link-local route"],
    ['local 10.9.9.1 dev d0 table local proto kernel scope host src 10.9.9.1 ', "the kernel's local route"],
    [
      'Deleted broadcast 10.9.9.255 dev d0 table local proto kernel scope link src 10.9.9.1 ',
      "the kernel's broadcast route deleted",
    ],
    ['', 'an empty line'],
  ])('ignores %s (%s)', (line) => {
    expect(relevantEvent(line)).toBe(false);
  });
});

// `ip -o monitor neigh` and route lines in the router netns, as iproute2 6.1 prints them: the
// L3VNI check looks again when one names its VXLAN device or SVI.
describe('devicesOf', () => {
  test.each([
    ['100.64.9.2 dev br-pe-100 lladdr 0e:ef:2f:58:29:29 extern_learn NOARP ', ['br-pe-100'], 'a neighbour'],
    ['Deleted 100.64.9.2 dev br-pe-100 FAILED ', ['br-pe-100'], 'a neighbour deleted'],
    [
      '10.9.9.2 dev vni100 lladdr 0e:ef:2f:58:29:29 extern_learn NOARP PERMANENT ',
      ['vni100'],
      'an FDB entry to a VTEP (ip prints the bridge family too)',
    ],
    ['10.200.0.0/24 via 100.64.9.2 dev br-pe-100 proto bgp onlink ', ['br-pe-100'], 'a VRF route'],
    [
      '10.200.0.0/24 proto bgp metric 20 \tnexthop via 100.64.9.2 dev br-pe-100 weight 1 onlink \tnexthop via 100.64.9.3 dev br-pe-200 weight 1 onlink ',
      ['br-pe-100', 'br-pe-200'],
      'a multipath route',
    ],
    ['inet all forwarding off ', [], 'a line without a device'],
  ])('%s -> %j (%s)', (line, devices) => {
    expect(devicesOf(line)).toEqual(devices);
  });
});

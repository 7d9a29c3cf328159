import { describe, expect, test } from 'vitest';
import {
  canonicalIp,
  formatIp,
  nthUsable,
  parseIfaceCidr,
  parseIp,
  parsePrefix,
  prefixesOverlap,
  prefixContains,
} from '../../../src/config/ipaddr.js';

describe('parseIp', () => {
  test.each([
    ['192.168.1.1', 4],
    ['0.0.0.0', 4],
    ['::', 6],
    ['::1', 6],
    ['fd00::5', 6],
    ['2001:db8:0:0:1:0:0:1', 6],
    ['::ffff:192.0.2.1', 6],
  ])('%s is IPv%d', (text, family) => {
    expect(parseIp(text)?.family).toBe(family);
  });

  test.each([
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3',
    '1.2.3.4.5',
    'a.b.c.d',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    'fe80::1%eth0',
    '12345::',
    '',
    ' 1.2.3.4',
    '1.2.3.4\n',
  ])('%j is refused', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  test('formats canonically (RFC 5952)', () => {
    expect(canonicalIp('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('fd00:0:0:0:0:0:0:5')).toBe('fd00::5');
    expect(canonicalIp('::ffff:192.0.2.1')).toBe('::ffff:c000:201');
    expect(formatIp(parseIp('10.0.0.4')!)).toBe('10.0.0.4');
  });
});

describe('prefixes', () => {
  test('host bits must be zero for a prefix, not for an interface address', () => {
    expect(parsePrefix('10.0.0.0/24')).toBeDefined();
    expect(parsePrefix('10.0.0.1/24')).toBeUndefined();
    expect(parseIfaceCidr('10.0.0.1/24')?.length).toBe(24);
    expect(parseIfaceCidr('10.0.0.1/33')).toBeUndefined();
    expect(parsePrefix('fd00::/64')).toBeDefined();
  });

  test('nthUsable skips network/broadcast (IPv4) and subnet-router anycast (IPv6)', () => {
    const p = parsePrefix('100.65.0.0/24')!;
    expect(formatIp(nthUsable(p, 0)!)).toBe('100.65.0.1');
    expect(formatIp(nthUsable(p, 3)!)).toBe('100.65.0.4');
    expect(formatIp(nthUsable(p, 253)!)).toBe('100.65.0.254');
    expect(nthUsable(p, 254)).toBeUndefined();
    expect(formatIp(nthUsable(parsePrefix('10.0.0.0/31')!, 1)!)).toBe('10.0.0.1');
    expect(formatIp(nthUsable(parsePrefix('fd00::/64')!, 0)!)).toBe('fd00::1');
    expect(formatIp(nthUsable(parsePrefix('fd00::/127')!, 0)!)).toBe('fd00::');
  });

  test('overlap and containment', () => {
    expect(prefixesOverlap(parsePrefix('10.0.0.0/16')!, parsePrefix('10.0.5.0/24')!)).toBe(true);
    expect(prefixesOverlap(parsePrefix('10.0.0.0/24')!, parsePrefix('10.0.1.0/24')!)).toBe(false);
    expect(prefixesOverlap(parsePrefix('10.0.0.0/24')!, parsePrefix('fd00::/8')!)).toBe(false);
    expect(prefixContains(parsePrefix('fd00::/8')!, parseIp('fd12::1')!)).toBe(true);
  });
});

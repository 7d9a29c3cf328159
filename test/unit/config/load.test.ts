// Loading: YAML with positions, drop-in merge (append, deep-merge, later scalar wins), syntax
// errors from every file at once, and the IO entry point with a real config.d/ directory.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig, loadConfigTexts } from '../../../src/config/load.js';
import { BASE, dropInErrors, errorLines, lines, single, withDropIn } from './helpers.js';

describe('drop-in merge', () => {
  test('l3vnis append; an appended item keeps its drop-in position under its merged index', () => {
    const main = `${BASE}l3vnis:\n  - {vrf: red, vni: 100}\n`;
    const r = loadConfigTexts([
      { path: 'config.yaml', text: main },
      { path: 'config.d/a.yaml', text: 'l3vnis:\n  - vrf: blue\n    vni: 99999999\n' },
    ]);
    expect(errorLines(r)).toEqual(['config.d/a.yaml:3:10: l3vnis[1].vni: must be 1..16777215']);
  });

  test('l2vnis and underlay.neighbors append too', () => {
    const r = withDropIn('underlay:\n  neighbors:\n    - {address: 192.168.12.2, asn: 64513}\nl2vnis:\n  - vni: 5\n');
    expect(r.ok).toBe(true);
    expect(r.config?.underlay.neighbors.map((n) => n.address)).toEqual(['192.168.11.2', '192.168.12.2']);
    expect(r.config?.l2vnis.map((v) => v.vni)).toEqual([5]);
  });

  test('maps deep-merge: keys from both files survive', () => {
    const r = withDropIn('underlay:\n  mtu: 9000\n');
    expect(r.config?.underlay).toMatchObject({ asn: 64514, nic: 'eth1', mtu: 9000 });
  });

  test('a later scalar wins, and errors point into the file that set it', () => {
    const r = withDropIn('node:\n  index: -5\n');
    expect(errorLines(r)).toEqual(['d.yaml:2:10: node.index: must be 0..16777215']);
    expect(withDropIn('node:\n  index: 9\n').config?.node.index).toBe(9);
  });

  test('a value replaced by a later file takes its errors with it', () => {
    const r = loadConfigTexts([
      { path: 'config.yaml', text: BASE.replace('asn: 64514', 'asn: 0') },
      { path: 'd.yaml', text: 'underlay:\n  asn: 65000\n' },
    ]);
    expect(r.ok).toBe(true);
  });

  test('any other list is replaced, not appended', () => {
    const item = (rts: string): string => `${BASE}l3vnis:\n  - {vrf: red, vni: 1, importRTs: [${rts}]}\n`;
    // Lists inside items come whole with their item; at top level only the three lists append.
    const r = loadConfigTexts([
      { path: 'config.yaml', text: item('"1:1"') },
      { path: 'd.yaml', text: 'underlay:\n  neighbors: []\n' },
    ]);
    expect(r.config?.l3vnis[0]?.importRTs).toEqual(['1:1']);
    const replaced = loadConfigTexts([
      { path: 'config.yaml', text: `${BASE}frr: {logLevel: errors}\n` },
      { path: 'd.yaml', text: 'frr: [1, 2]\n' },
    ]);
    expect(errorLines(replaced)).toEqual(['d.yaml:1:6: frr: must be a map (got a list)']);
  });

  test('null in a drop-in unsets a section (here: primary)', () => {
    const main = `${BASE}l3vnis:\n  - {vrf: red, vni: 1}\nprimary: {l3vni: red}\n`;
    const before = loadConfigTexts([{ path: 'config.yaml', text: main }]);
    expect(errorLines(before)).toEqual([
      'config.yaml:12:18: primary.l3vni: l3vni "red" has no hostSession: the primary interface is its host leg',
    ]);
    const after = loadConfigTexts([
      { path: 'config.yaml', text: main },
      { path: 'd.yaml', text: 'primary: null\n' },
    ]);
    expect(after.ok).toBe(true);
    expect(after.config?.primary).toBeUndefined();
  });

  test('files are reported in merge order, then by line', () => {
    const r = loadConfigTexts([
      { path: 'config.yaml', text: `${BASE}frr: {logLevel: loud}\n` },
      { path: 'a.yaml', text: 'readiness: {timeoutSeconds: 0}\n' },
      { path: 'b.yaml', text: 'l2vnis:\n  - vni: 0\n' },
    ]);
    expect(errorLines(r).map((l) => l.split(':').slice(0, 3).join(':'))).toEqual([
      'config.yaml:10:17',
      'a.yaml:1:29',
      'b.yaml:2:10',
    ]);
  });

  test('mergedYaml is the merged document and loads to the same config', () => {
    const r = withDropIn(
      'node:\n  index: 9\nunderlay:\n  neighbors:\n    - {address: 192.168.12.2, asn: 1, password: pw}\n',
    );
    const again = single(r.mergedYaml);
    expect(again.ok).toBe(true);
    expect(again.config).toEqual(r.config);
    expect(r.mergedYaml).toContain('password: pw');
  });
});

describe('YAML problems', () => {
  test('syntax errors of every file, each with its position; no cascade of missing keys', () => {
    const r = loadConfigTexts([
      { path: 'config.yaml', text: 'node:\n  index: [1, 2\nunderlay: {}\n' },
      { path: 'd.yaml', text: 'l3vnis:\n  - vrf: "red\n' },
    ]);
    expect(r.ok).toBe(false);
    expect(lines(r).every((l) => /^(config|d)\.yaml:\d+:\d+: YAML: /.test(l))).toBe(true);
    expect(r.issues.map((i) => i.file)).toEqual(expect.arrayContaining(['config.yaml', 'd.yaml']));
    expect(lines(r).join('\n')).not.toContain('is required');
  });

  test('an unterminated quote reports where, without echoing the line', () => {
    const r = single('underlay:\n  neighbors:\n    - password: "hunter2\n');
    expect(errorLines(r)).toEqual(['x.yaml:4:1: YAML: Missing closing "quote']);
  });

  test('several documents in one file are refused at the second one', () => {
    const r = single(`${BASE}---\nnode: {index: 4}\n`);
    expect(errorLines(r)).toEqual([
      'x.yaml:10:1: a config file holds one YAML document; remove the "---" and what follows or merge it into one',
    ]);
  });

  test('duplicate keys are refused', () => {
    expect(errorLines(single(`${BASE}node: {index: 1}\n`))).toEqual([
      'x.yaml:10:1: YAML: Map keys must be unique ("node" is also at line 1)',
    ]);
    expect(errorLines(single(`${BASE}l2vnis:\n  - {vni: 1, vni: 2}\n`))).toEqual([
      'x.yaml:11:14: YAML: Map keys must be unique ("vni" is also at line 11)',
    ]);
  });

  // Config values are plain objects: `__proto__` would replace a prototype in the drop-in merge
  // (render crashed on it), `toString` would find Object.prototype's function as a schema entry.
  test('keys that name JavaScript object properties are refused anywhere, in any file, with their position', () => {
    const cases: Array<[string, string]> = [
      ['__proto__:\n  polluted: true\n', 'd.yaml:1:1: __proto__: key "__proto__" is not allowed'],
      ['underlay:\n  constructor: 1\n', 'd.yaml:2:3: underlay.constructor: key "constructor" is not allowed'],
      [
        'l2vnis:\n  - vni: 7\n    hostMaster: {name: br0, toString: x}\n',
        'd.yaml:3:29: l2vnis[0].hostMaster.toString: key "toString" is not allowed',
      ],
      ['frr:\n  prototype: {}\n', 'd.yaml:2:3: frr.prototype: key "prototype" is not allowed'],
      ['x:\n  - - {hasOwnProperty: 1}\n', 'd.yaml:2:8: x[0][0].hasOwnProperty: key "hasOwnProperty" is not allowed'],
    ];
    for (const [dropIn, want] of cases) {
      const errors = dropInErrors(dropIn);
      expect(errors, dropIn).toHaveLength(1);
      expect(errors[0]).toContain(want);
    }
    // In the main file too, and every one of them is reported.
    const r = loadConfigTexts([{ path: 'config.yaml', text: `${BASE}__proto__: {a: 1}\nvalueOf: 2\n` }]);
    expect(errorLines(r).map((l) => l.split(': ')[0])).toEqual(['config.yaml:10:1', 'config.yaml:11:1']);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a Set, ordered map or binary where a map belongs is not a map', () => {
    expect(dropInErrors('frr: !!set {a, b}\n')).toEqual(['d.yaml:1:12: frr: must be a map']);
  });

  test('the top level must be a map', () => {
    expect(errorLines(single('- node\n- underlay\n'))).toEqual([
      'x.yaml:1:1: the top level must be a map of keys (node, underlay, l3vnis, ...)',
    ]);
  });

  test('anchors and aliases work, and positions follow the alias', () => {
    const r = withDropIn('l3vnis:\n  - &red {vrf: red, vni: 1}\nl2vnis:\n  - {vni: 2, l3vni: red}\n');
    expect(r.ok).toBe(true);
    const bad = withDropIn('x: &v 0\nunderlay:\n  mtu: *v\n');
    expect(errorLines(bad)).toEqual([
      'd.yaml:1:1: x: unknown key "x" (expected one of: node, underlay, l3vnis, l2vnis, primary, frr, readiness, metrics, runtime)',
      'd.yaml:3:8: underlay.mtu: must be 1280..65535',
    ]);
  });

  test('an alias bomb is refused, not expanded', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
    ].join('\n');
    const r = single(`${bomb}\n`);
    expect(r.ok).toBe(false);
    expect(errorLines(r)[0]).toMatch(/^x\.yaml:1:1: YAML: /);
  });
});

describe('loadConfig (files on disk)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evpn-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a missing main file is one clear error', async () => {
    const r = await loadConfig(join(dir, 'nope.yaml'));
    expect(r.ok).toBe(false);
    expect(lines(r)).toEqual([`${join(dir, 'nope.yaml')}: cannot read the config file (no such file)`]);
  });

  test('no config.d/ is fine', async () => {
    const d = await mkdtemp(join(dir, 'plain-'));
    await writeFile(join(d, 'config.yaml'), BASE);
    const r = await loadConfig(join(d, 'config.yaml'));
    expect(r.ok).toBe(true);
    expect(r.files).toEqual([join(d, 'config.yaml')]);
  });

  test('config.d/*.yaml merge in byte order; other files are ignored', async () => {
    const d = await mkdtemp(join(dir, 'dropins-'));
    await mkdir(join(d, 'config.d'));
    await writeFile(join(d, 'config.yaml'), BASE);
    await writeFile(join(d, 'config.d', '20-b.yaml'), 'node: {index: 20}\n');
    await writeFile(join(d, 'config.d', '10-a.yaml'), 'node: {index: 10}\n');
    // Byte order: digits (0x30..) before upper case (0x41..) before lower case.
    await writeFile(join(d, 'config.d', 'Z.yaml'), 'node: {index: 5}\n');
    await writeFile(join(d, 'config.d', '99.yaml.bak'), 'node: {index: 99}\n');
    await writeFile(join(d, 'config.d', '.hidden.yaml'), 'node: {index: 98}\n');
    const r = await loadConfig(join(d, 'config.yaml'));
    expect(r.files).toEqual(
      ['config.yaml', '10-a.yaml', '20-b.yaml', 'Z.yaml'].map((f, i) => (i ? join(d, 'config.d', f) : join(d, f))),
    );
    expect(r.config?.node.index).toBe(5);
  });

  test('errors name the drop-in file as a path the user can open', async () => {
    const d = await mkdtemp(join(dir, 'err-'));
    await mkdir(join(d, 'config.d'));
    await writeFile(join(d, 'config.yaml'), BASE);
    await writeFile(join(d, 'config.d', 'node.yaml'), 'node:\n  index: x\n');
    const r = await loadConfig(join(d, 'config.yaml'));
    expect(lines(r)).toEqual([
      `${join(d, 'config.d', 'node.yaml')}:2:10: node.index: must be an integer (got a string)`,
    ]);
  });

  test('an unreadable drop-in is an error naming it, the others still load', async () => {
    const d = await mkdtemp(join(dir, 'unreadable-'));
    await mkdir(join(d, 'config.d'));
    await writeFile(join(d, 'config.yaml'), BASE);
    // A directory named like a drop-in cannot be read, even by root.
    await mkdir(join(d, 'config.d', 'x.yaml'));
    await writeFile(join(d, 'config.d', 'y.yaml'), 'node: {index: -1}\n');
    const r = await loadConfig(join(d, 'config.yaml'));
    expect(lines(r)).toEqual([
      `${join(d, 'config.d', 'x.yaml')}: cannot read drop-in (a directory, not a regular file)`,
      `${join(d, 'config.d', 'y.yaml')}:1:15: node.index: must be 0..16777215`,
    ]);
  });
});

test('a key with a newline or control characters cannot print a line of its own', () => {
  const errors = dropInErrors('underlay:\n  "x\\n/etc/evpn-node/config.yaml:1:1: forged": 1\n');
  expect(errors).toEqual([
    'd.yaml:2:3: underlay["x\\n/etc/evpn-node/config.yaml:1:1: forged"]: unknown key "x\\n/etc/evpn-node/config.yaml:1:1: forged" (expected one of: asn, nic, vlan, nics, vtepCIDR, routerIDCIDR, mtu, neighbors)',
  ]);
  expect(errors[0]).not.toContain('\n');
});

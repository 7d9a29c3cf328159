// etc/config.schema.json is generated from CONFIG_SCHEMA: this test fails when the committed
// file is out of date (`npm run schema` rewrites it), and checks the shipped examples against it
// with a real JSON Schema validator, the way an editor would.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { configJsonSchema, configJsonSchemaText } from '../../../src/config/schema-json.js';

const root = join(import.meta.dirname, '../../..');
// strictRequired would refuse the standard `oneOf: [{required: [a]}, {required: [b]}]` idiom.
const validator = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(configJsonSchema());
const check = (doc: unknown): string[] =>
  validator(doc) ? [] : (validator.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

test('draft-07 with an $id (what editors and CI validators expect)', () => {
  const s = configJsonSchema();
  expect(s.$schema).toBe('http://json-schema.org/draft-07/schema#');
  expect(s.$id).toMatch(/^https:\/\/.+\/config\.schema\.json$/);
});

test('etc/config.schema.json is current (npm run schema regenerates it)', async () => {
  await expect(configJsonSchemaText()).toMatchFileSnapshot(join(root, 'etc/config.schema.json'));
});

describe('shipped and valid configs pass the JSON Schema, file by file', () => {
  const files = [
    'etc/config.yaml',
    'etc/config.d/node.yaml',
    ...readdirSync(join(root, 'etc/examples')).map((f) => `etc/examples/${f}`),
    ...readdirSync(join(root, 'test/fixtures/valid')).map((f) => `test/fixtures/valid/${f}`),
  ];
  test.each(files)('%s', (file) => {
    expect(check(parse(readFileSync(join(root, file), 'utf8')))).toEqual([]);
  });
});

describe('the JSON Schema refuses what an editor should flag', () => {
  test.each([
    ['unknown key', { l3vnis: [{ vrf: 'red', vnii: 100 }] }, 'must NOT have additional properties'],
    ['VNI out of range', { l3vnis: [{ vrf: 'red', vni: 16777216 }] }, 'must be <= 16777215'],
    ['missing key inside a list item', { l2vnis: [{ l3vni: 'red' }] }, "must have required property 'vni'"],
    [
      'address and interface',
      { underlay: { neighbors: [{ address: '10.0.0.1', interface: 'eth1', asn: 1 }] } },
      'must match exactly one schema',
    ],
    [
      'password and passwordFile',
      { underlay: { neighbors: [{ address: '10.0.0.1', asn: 1, password: 'a', passwordFile: '/a' }] } },
      'must NOT be valid',
    ],
    ['reserved table', { l3vnis: [{ vrf: 'red', vni: 1, table: 254 }] }, 'must match a schema in anyOf'],
    ['newline in a token', { underlay: { nic: 'eth1\nx' } }, 'must match pattern'],
    ['metrics.listen without a port', { metrics: { listen: '127.0.0.1' } }, 'must match pattern'],
  ])('%s', (_, doc, message) => {
    expect(check(doc).join('\n')).toContain(message);
  });

  test('a partial file (no node, no underlay.asn) is fine: another file may supply them', () => {
    expect(check({ underlay: { nic: 'eth1' }, primary: { defaultRoute: false } })).toEqual([]);
  });
});

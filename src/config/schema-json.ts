// JSON Schema (draft-07) of config.yaml, generated from CONFIG_SCHEMA for editor completion
// (yaml-language-server) and CI checks. Committed as etc/config.schema.json, shipped in the image
// as /usr/share/evpn-node/config.schema.json; a unit test keeps it current (`npm run schema`
// rewrites it). Draft-07 because it is what every validator and editor plugin still speaks
// (yaml-language-server, check-jsonschema, ajv's default); nothing here needs a later draft.

import { CONFIG_SCHEMA } from './schema.js';
import type { Schema, StringFormat, StringSchema } from './schema-dsl.js';

type Json = Record<string, unknown>;

/** The schema's identity: where it is published (it names no version: fields are only added). */
export const CONFIG_SCHEMA_ID = 'https://github.com/evpn-node/evpn-node/raw/main/etc/config.schema.json';

export function configJsonSchema(): Json {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: CONFIG_SCHEMA_ID,
    title: 'evpn-node config',
    ...toJson(CONFIG_SCHEMA),
    $comment:
      'One file of config.yaml + config.d/*.yaml: keys that another file may supply are not required here; `evpn-node validate` checks the merged config.',
  };
}

/** The file's text: stable key order, two-space indent, trailing newline. */
export const configJsonSchemaText = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;

// Loose editor-side shapes; the daemon checks formats precisely (validate-formats.ts).
const FORMAT_PATTERNS: Record<StringFormat, string> = {
  ipv4: '^[0-9]{1,3}(\\.[0-9]{1,3}){3}$',
  ip: '^[0-9a-fA-F:.]+$',
  cidr4: '^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$',
  cidr6: '^[0-9a-fA-F:.]+/[0-9]{1,3}$',
  cidr: '^[0-9a-fA-F:.]+/[0-9]{1,3}$',
  ifaceCidr: '^[0-9a-fA-F:.]+/[0-9]{1,3}$',
  routeTarget: '^([0-9]+|[0-9]{1,3}(\\.[0-9]{1,3}){3}):[0-9]+$',
  absPath: '^/[^\\s!#]*$',
  listenAddress: '^([0-9]{1,3}(\\.[0-9]{1,3}){3}|\\[[0-9a-fA-F:.]+\\]):[0-9]{1,5}$',
};
/** A single token: what every non-text string must be (see validate-structure.ts). */
const TOKEN_PATTERN = '^[^\\s!#\\u0000-\\u001f\\u007f]*$';

/**
 * `partial`: the value may be completed by another file. Maps deep-merge across config.yaml and
 * config.d/, so along a chain of maps from the root no key can be required of one file (the main
 * file usually has no `node`); a list item is always whole in one file (lists append), so inside
 * one everything is checked.
 */
function toJson(s: Schema, partial = true): Json {
  const common: Json = {
    ...(s.description ? { description: s.description } : {}),
    ...(s.default !== undefined ? { default: s.default } : {}),
  };
  switch (s.kind) {
    case 'object': {
      const both = (keys: readonly string[]): Json => ({ not: { required: [...keys] } });
      const one = (keys: readonly string[]): Json => ({ oneOf: keys.map((k) => ({ required: [k] })) });
      const some = (keys: readonly string[]): Json => ({ anyOf: keys.map((k) => ({ required: [k] })) });
      const allOf: Json[] = [
        ...(s.exactlyOne ?? []).map(partial ? both : one),
        ...(s.atMostOne ?? []).map(both),
        ...(partial ? [] : (s.atLeastOne ?? []).map(some)),
      ];
      return {
        type: 'object',
        ...common,
        properties: Object.fromEntries(Object.entries(s.props).map(([k, v]) => [k, toJson(v, partial)])),
        ...(!partial && s.required?.length ? { required: [...s.required] } : {}),
        additionalProperties: false,
        ...(allOf.length ? { allOf } : {}),
      };
    }
    case 'array':
      return {
        type: 'array',
        ...common,
        ...(s.minItems !== undefined ? { minItems: s.minItems } : {}),
        items: toJson(s.items, false),
      };
    case 'string':
      return { type: 'string', ...common, ...stringJson(s) };
    case 'int': {
      const [only, ...more] = s.ranges;
      if (only && more.length === 0) return { type: 'integer', ...common, minimum: only[0], maximum: only[1] };
      return {
        type: 'integer',
        ...common,
        anyOf: s.ranges.map(([lo, hi]) => (lo === hi ? { const: lo } : { minimum: lo, maximum: hi })),
      };
    }
    case 'bool':
      return { type: 'boolean', ...common };
    case 'enum':
      return { type: 'string', ...common, enum: [...s.values] };
    case 'stringOrMap':
      return { ...common, oneOf: [toJson(s.string, partial), toJson(s.map, partial)] };
  }
}

function stringJson(s: StringSchema): Json {
  const pattern = s.text ? undefined : (s.pattern ?? (s.format ? FORMAT_PATTERNS[s.format] : TOKEN_PATTERN));
  return {
    ...(s.minLength !== undefined ? { minLength: s.minLength } : {}),
    ...(s.maxLength !== undefined ? { maxLength: s.maxLength } : {}),
    ...(pattern ? { pattern } : {}),
  };
}

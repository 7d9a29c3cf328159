// Structural pass: walks a plain value along a schema (schema-dsl.ts) and reports wrong types,
// ranges, patterns, formats, missing and unknown keys, and unsafe characters. Returns the value
// with every refused part removed, so later passes only see values of the right shape.

import { isPlainMap } from './merge.js';
import type { Path } from './positions.js';
import { describeRanges, type ObjectSchema, type Schema, type StringSchema } from './schema-dsl.js';
import { didYouMean } from './suggest.js';
import { checkFormat } from './validate-formats.js';
import { ipKeywordClash } from '../model/names.js';

export interface StructureIssue {
  path: Path;
  message: string;
  /**
   * 'key': point at the key of `path` (unknown or conflicting keys, a map lacking one of two);
   * 'parent': at the key of the map that lacks `path` (`underlay:` for a missing underlay.asn).
   * A list item has no key: its start is used.
   */
  at?: 'key' | 'parent';
}

export interface StructureResult {
  clean: unknown;
  issues: StructureIssue[];
}

export function checkStructure(schema: Schema, value: unknown): StructureResult {
  const issues: StructureIssue[] = [];
  const clean = walk(schema, value, [], issues);
  return { clean, issues };
}

/** null (`key:` with nothing after it) counts as absent. */
const absent = (v: unknown): boolean => v === undefined || v === null;

function walk(s: Schema, v: unknown, path: Path, out: StructureIssue[]): unknown {
  if (absent(v)) return undefined;
  const fail = (message: string): undefined => {
    out.push({ path, message });
    return undefined;
  };
  switch (s.kind) {
    case 'object':
      return isPlainMap(v) ? walkObject(s, v, path, out) : fail(`must be a map${got(v)}`);
    case 'array':
      if (!Array.isArray(v)) return fail(`must be a list${got(v)}`);
      if (s.minItems !== undefined && v.length < s.minItems)
        return fail(s.minItems === 1 ? 'must not be empty' : `must have at least ${s.minItems} items`);
      return v.map((item, i) => walk(s.items, item, [...path, i], out));
    case 'string': {
      if (typeof v !== 'string') return fail(`must be a string${got(v)}`);
      const why = checkString(s, v);
      return why ? fail(why) : v;
    }
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) return fail(`must be an integer${got(v)}`);
      if (!s.ranges.some(([lo, hi]) => v >= lo && v <= hi)) {
        return fail(`must be ${describeRanges(s.ranges)}${s.hint ? ` ${s.hint}` : ''}`);
      }
      return v;
    case 'bool':
      return typeof v === 'boolean' ? v : fail(`must be true or false${got(v)}`);
    case 'stringOrMap':
      if (typeof v === 'string') return walk(s.string, v, path, out);
      if (isPlainMap(v)) return walk(s.map, v, path, out);
      return fail(`must be a name or a map${got(v)}`);
    case 'enum':
      if (typeof v === 'string' && s.values.includes(v)) return v;
      return fail(`must be one of: ${s.values.join(', ')}${typeof v === 'string' ? didYouMean(v, s.values) : got(v)}`);
  }
}

function walkObject(s: ObjectSchema, v: Record<string, unknown>, path: Path, out: StructureIssue[]): unknown {
  const known = Object.keys(s.props);
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v)) {
    // Own properties only: `toString` must not find Object.prototype's function.
    const prop = Object.hasOwn(s.props, key) ? s.props[key] : undefined;
    if (!prop) {
      const hint = didYouMean(key, known) || ` (expected one of: ${known.join(', ')})`;
      out.push({ path: [...path, key], message: `unknown key ${JSON.stringify(key)}${hint}`, at: 'key' });
      continue;
    }
    const c = walk(prop, value, [...path, key], out);
    if (c !== undefined) clean[key] = c;
  }
  const has = (k: string): boolean => !absent(v[k]);
  for (const key of s.required ?? []) {
    if (!has(key)) out.push({ path: [...path, key], message: 'is required', at: 'parent' });
  }
  for (const [a, b] of s.exactlyOne ?? []) {
    if (has(a) || has(b)) continue;
    // `index:` written without a value: point at it rather than at its map.
    const empty = [a, b].find((k) => k in v);
    if (empty !== undefined)
      out.push({
        path: [...path, empty],
        message: `needs a value (or set "${empty === a ? b : a}" instead)`,
        at: 'key',
      });
    else out.push({ path, message: `needs one of "${a}" or "${b}"`, at: 'key' });
  }
  for (const [a, b] of [...(s.exactlyOne ?? []), ...(s.atMostOne ?? [])]) {
    if (has(a) && has(b)) {
      out.push({ path: [...path, b], message: `"${a}" and "${b}" are mutually exclusive: set only one`, at: 'key' });
    }
  }
  for (const [a, b] of s.atLeastOne ?? []) {
    if (!has(a) && !has(b)) out.push({ path, message: `needs "${a}" and/or "${b}"`, at: 'key' });
  }
  return clean;
}

// Values are written into frr.conf lines and ip arguments: a newline, a control character,
// whitespace, `!` (frr.conf comment) or `#` would let a value inject configuration.
const NEWLINE = /[\r\n]/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const TEXT_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
const NOT_A_TOKEN = /[\s!#]/u;

/** Why `v` is not a valid value of `s`, or undefined. */
export function checkString(s: StringSchema, v: string): string | undefined {
  if (s.text) {
    if (TEXT_CONTROL.test(v)) return 'must not contain control characters other than newline and tab';
  } else {
    if (NEWLINE.test(v)) return 'must not contain a newline (the value is written into frr.conf and ip commands)';
    if (CONTROL.test(v))
      return 'must not contain control characters (the value is written into frr.conf and ip commands)';
    if (NOT_A_TOKEN.test(v)) {
      return 'must be a single token: no whitespace, "!" or "#" (the value is written into frr.conf and ip commands)';
    }
  }
  if (s.minLength !== undefined && v.length < s.minLength) {
    return s.minLength === 1 ? 'must not be empty' : `must be at least ${s.minLength} characters`;
  }
  if (s.maxLength !== undefined && v.length > s.maxLength) {
    return `must be at most ${s.maxLength} characters${s.maxLength === 15 ? ' (kernel interface name limit)' : ''}`;
  }
  if (s.pattern && !new RegExp(s.pattern, 'u').test(v)) return s.patternHint ?? `must match ${s.pattern}`;
  if (s.deviceName) {
    const clash = ipKeywordClash(v);
    if (clash) return `cannot be a device name: ${clash}`;
  }
  if (s.format) return checkFormat(s.format, v);
  return undefined;
}

/** ` (got a list)`: the type only, never the value (it may be a secret). */
function got(v: unknown): string {
  if (Array.isArray(v)) return ' (got a list)';
  if (isPlainMap(v)) return ' (got a map)';
  if (typeof v === 'number') return Number.isInteger(v) ? ' (got an integer)' : ' (got a number)';
  if (typeof v === 'boolean') return ' (got true/false)';
  if (typeof v === 'string') return ' (got a string)';
  return '';
}

// A tiny declarative schema language: just enough to describe config.yaml once and get both the
// structural validator (validate-structure.ts) and the JSON Schema (schema-json.ts) from it.

/** String formats checked with ipaddr.ts (precise messages) and loosely in JSON Schema. */
export type StringFormat =
  | 'ipv4' // 10.0.0.4
  | 'ip' // IPv4 or IPv6 address
  | 'cidr4' // IPv4 network prefix, host bits zero
  | 'cidr6' // IPv6 network prefix, host bits zero
  | 'cidr' // IPv4 or IPv6 network prefix, host bits zero
  | 'ifaceCidr' // address with prefix length, 192.170.10.1/24 (IPv4 or IPv6)
  | 'routeTarget' // ASN:NN or A.B.C.D:NN
  | 'absPath'
  | 'listenAddress'; // IPv4:PORT or [IPv6]:PORT

interface Common {
  description?: string;
  /** Static default, shown in JSON Schema (defaults.ts applies it). */
  default?: unknown;
}

export interface ObjectSchema extends Common {
  kind: 'object';
  props: Record<string, Schema>;
  required?: readonly string[];
  /** Groups of keys of which exactly one must be present. */
  exactlyOne?: ReadonlyArray<readonly [string, string]>;
  /** Groups of keys of which at most one may be present. */
  atMostOne?: ReadonlyArray<readonly [string, string]>;
  /** Groups of keys of which at least one must be present. */
  atLeastOne?: ReadonlyArray<readonly [string, string]>;
}

export interface ArraySchema extends Common {
  kind: 'array';
  items: Schema;
  minItems?: number;
}

export interface StringSchema extends Common {
  kind: 'string';
  /** Full-match regex source, valid in both JavaScript and JSON Schema (ECMA-262, `u` flag). */
  pattern?: string;
  /** What the pattern means, for the error message: "may only contain [a-zA-Z0-9._-]". */
  patternHint?: string;
  minLength?: number;
  maxLength?: number;
  format?: StringFormat;
  /**
   * Verbatim multi-line text (frr.rawConfig): newlines and tabs allowed. Every other string is a
   * single token: no whitespace, control characters, `!` or `#`, because values are written
   * into frr.conf lines and ip arguments (config injection).
   */
  text?: boolean;
  /** Never echo the value (passwords). */
  secret?: boolean;
  /**
   * The value names a device in `ip` commands: words ip reads as its keywords (`up`, `help`, any
   * abbreviation of `nomaster` such as `n`) are refused (model/names.ts ipKeywordClash).
   */
  deviceName?: boolean;
}

export interface IntSchema extends Common {
  kind: 'int';
  /** Allowed inclusive ranges, e.g. [[0, 0], [3, 65535]]. */
  ranges: ReadonlyArray<readonly [number, number]>;
  /** Appended to the range message, e.g. "(0 and 253..255 are reserved)". */
  hint?: string;
}

export interface BoolSchema extends Common {
  kind: 'bool';
}

export interface EnumSchema extends Common {
  kind: 'enum';
  values: readonly string[];
}

/**
 * A value of one of two shapes, told apart by its YAML type: a string or a map
 * (`nics: [eth1, {name: eth1.100, vlan: {...}}]`). The short form is the string.
 */
export interface StringOrMapSchema extends Common {
  kind: 'stringOrMap';
  string: StringSchema;
  map: ObjectSchema;
}

export type Schema =
  ObjectSchema | ArraySchema | StringSchema | IntSchema | BoolSchema | EnumSchema | StringOrMapSchema;

type Opts<T> = Omit<T, 'kind'>;

export const obj = (props: Record<string, Schema>, o: Omit<Opts<ObjectSchema>, 'props'> = {}): ObjectSchema => ({
  kind: 'object',
  props,
  ...o,
});
export const arr = (items: Schema, o: Omit<Opts<ArraySchema>, 'items'> = {}): ArraySchema => ({
  kind: 'array',
  items,
  ...o,
});
export const str = (o: Opts<StringSchema> = {}): StringSchema => ({ kind: 'string', ...o });
export const int = (min: number, max: number, o: Omit<Opts<IntSchema>, 'ranges'> = {}): IntSchema => ({
  kind: 'int',
  ranges: [[min, max]],
  ...o,
});
export const intRanges = (ranges: IntSchema['ranges'], o: Omit<Opts<IntSchema>, 'ranges'> = {}): IntSchema => ({
  kind: 'int',
  ranges,
  ...o,
});
export const stringOrMap = (
  string: StringSchema,
  map: ObjectSchema,
  o: Omit<Opts<StringOrMapSchema>, 'string' | 'map'> = {},
): StringOrMapSchema => ({ kind: 'stringOrMap', string, map, ...o });
export const bool = (o: Opts<BoolSchema> = {}): BoolSchema => ({ kind: 'bool', ...o });
export const oneOf = (values: readonly string[], o: Omit<Opts<EnumSchema>, 'values'> = {}): EnumSchema => ({
  kind: 'enum',
  values,
  ...o,
});

/** "1..16777215", "0 or 3..65535" */
export const describeRanges = (ranges: IntSchema['ranges']): string =>
  ranges.map(([a, b]) => (a === b ? `${a}` : `${a}..${b}`)).join(' or ');

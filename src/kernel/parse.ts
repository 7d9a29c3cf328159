// Pure: `ip -N -j -d` JSON -> Observed. `ip -j -batch` prints one JSON array per command,
// back to back with no separator, so the text is split into top-level values first.

import type { ObservedAddr, ObservedLink, ObservedNs, ObservedRoute, ObservedRule } from './observed.js';

type Json = Record<string, unknown>;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * The top-level JSON values of concatenated `ip -j` output, in order. At 1000 VNIs the dumps
 * are ~10 MB and a per-character loop was the largest cost of a no-op reconcile: ip prints
 * each command's array on one line (its JSON writer escapes control characters, so no string
 * holds a raw newline), so lines are parsed directly, and the character scan is the fallback
 * for any other layout (pretty-printed, or a line that is not a whole value).
 */
export function splitJsonValues(text: string): unknown[] {
  return splitByLines(text) ?? scanJsonValues(text);
}

function splitByLines(text: string): unknown[] | undefined {
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const c = line.charCodeAt(0);
    if (c !== OPEN_BRACKET && c !== OPEN_BRACE) return undefined;
    try {
      out.push(JSON.parse(line));
    } catch {
      return undefined;
    }
  }
  return out;
}

/** Top-level values by scanning characters (strings skipped with indexOf). */
export function scanJsonValues(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote: one preceded by an even number of backslashes.
      let j = text.indexOf('"', i + 1);
      while (j !== -1) {
        let b = 0;
        while (text.charCodeAt(j - 1 - b) === BACKSLASH) b++;
        if (b % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      if (j === -1) break;
      i = j;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (depth++ === 0) start = i;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      if (--depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
      if (depth < 0) throw new Error(`ip JSON: unbalanced '${text[i]}' at offset ${i}`);
    }
  }
  if (depth !== 0) throw new Error('ip JSON: output ends inside a value (truncated?)');
  return out;
}

/**
 * The route dumps of an observe, in batch order. Only routes planning reads are dumped, so the
 * kernel's per-link routes (connected, IPv6 link-local, local table, multicast: three per link
 * with IPv6) and FRR's are never serialised: ours (240) for compare and stale removal; boot,
 * static and dhcp for the underlay NIC's routes that travel with it (plan-underlay.ts
 * COPIED_ROUTE_PROTOS); every default route of the main table, whatever its protocol, for the
 * "a foreign default route is in the way" check (plan-routes.ts reads table main only). With
 * `proto P` or `table T` the kernel filters the dump (strict netlink checking); `default` is
 * ip's own filter, so `table all default` made the kernel serialise every route of every table
 * (~8 ms of kernel time per netns at 1000 VNIs) for ip to drop all but a few. ip leaves
 * `protocol` out of each route of a `proto P` dump, so it is put back here.
 * Without a family, each line returns IPv4 and IPv6. A default route of protocol 240 or 3/4/16
 * comes back twice and is kept once.
 */
export const ROUTE_DUMPS: ReadonlyArray<{ line: string; protocol?: number }> = [
  { line: 'route show table all proto 240', protocol: 240 },
  { line: 'route show table all proto 3', protocol: 3 },
  { line: 'route show table all proto 4', protocol: 4 },
  { line: 'route show table all proto 16', protocol: 16 },
  { line: 'route show table main default' },
];

/** The `ip -N -j -d -batch -` input of an observe: addresses (with link details), routes, IPv4 rules. */
export const OBSERVE_BATCH = ['addr show', ...ROUTE_DUMPS.map((d) => d.line), 'rule show', ''].join('\n');

/**
 * Output of `ip -N -j -d -batch -` fed OBSERVE_BATCH, plus the optional output of
 * `ip -6 -N -j rule show`. `addr show -d` carries every link attribute `link show -d` does
 * (except inet6_addr_gen_mode, see plan-links.ts), so one dump gives both.
 */
export function parseObservedBatch(batchStdout: string, rules6Stdout?: string): Omit<ObservedNs, 'sysctls'> {
  const values = splitJsonValues(batchStdout);
  const want = ROUTE_DUMPS.length + 2;
  if (values.length !== want)
    throw new Error(
      `ip batch: expected ${want} JSON arrays (addr, ${ROUTE_DUMPS.length} route dumps, rule), got ${values.length}`,
    );
  const addrs = asArray(values[0], 'addr show');
  const rules = asArray(values[want - 1], 'rule show');
  const routes = new Map<string, ObservedRoute>();
  ROUTE_DUMPS.forEach((d, i) => {
    for (const raw of asArray(values[i + 1], d.line)) {
      const r = parseRoute(
        d.protocol !== undefined && raw['protocol'] === undefined ? { ...raw, protocol: d.protocol } : raw,
      );
      const k = routeKey(r);
      if (!routes.has(k)) routes.set(k, r);
    }
  });
  return {
    links: addrs.map(parseLink),
    routes: [...routes.values()],
    rules: [...rules.map((r) => parseRule(r, 4)), ...(rules6Stdout === undefined ? [] : parseRules6(rules6Stdout))],
    rules6Observed: rules6Stdout !== undefined,
  };
}

/** Output of `ip -6 -N -j rule show`. */
export const parseRules6 = (stdout: string): ObservedRule[] =>
  asArray(splitJsonValues(stdout)[0] ?? [], '-6 rule show').map((r) => parseRule(r, 6));

/** Identity of a route across the dumps (the same route printed by two lines). */
const routeKey = (r: ObservedRoute): string =>
  [
    r.family,
    r.table,
    r.dst,
    r.gateway,
    r.dev,
    r.protocol,
    r.metric,
    r.type,
    r.scope,
    r.prefsrc,
    r.onlink,
    r.multipath,
  ].join('|');

export function parseLink(j: Json): ObservedLink {
  const flags = strings(j['flags']);
  const info = obj(j['linkinfo']);
  const kind = str(info?.['info_kind']);
  const data = obj(info?.['info_data']);
  const slave = str(info?.['info_slave_kind']) === 'bridge' ? obj(info?.['info_slave_data']) : undefined;
  const link: ObservedLink = {
    name: reqStr(j, 'ifname'),
    ifindex: reqNum(j, 'ifindex'),
    mtu: num(j['mtu']) ?? 0,
    up: flags.includes('UP'),
    addrs: (Array.isArray(j['addr_info']) ? (j['addr_info'] as Json[]) : [])
      .map(parseAddr)
      .filter((a): a is ObservedAddr => a !== undefined),
  };
  if (kind) link.kind = kind;
  const master = str(j['master']);
  if (master) link.master = master;
  const mac = str(j['address']);
  if (mac && j['link_type'] !== 'loopback') link.mac = mac.toLowerCase();
  const alias = str(j['ifalias']);
  if (alias !== undefined) link.alias = alias;
  const group = j['group'] === 'default' ? 0 : numeric(j['group']);
  if (group !== undefined) link.group = group;
  if (kind === 'vxlan' && data) {
    const local = str(data['local']) ?? str(data['local6']);
    link.vxlan = {
      id: num(data['id']) ?? -1,
      port: num(data['port']) ?? 0,
      learning: data['learning'] === true,
      ...(local ? { local } : {}),
    };
  }
  if (kind === 'vrf' && data) link.vrf = { table: num(data['table']) ?? -1 };
  if (kind === 'vlan' && data) {
    const parent = str(j['link']);
    link.vlan = { id: num(data['id']) ?? -1, ...(parent ? { parent } : {}) };
  }
  const peerIndex = num(j['link_index']);
  if ((kind === 'veth' || kind === 'vlan') && peerIndex !== undefined) {
    const netnsid = num(j['link_netnsid']);
    link.peer = { ifindex: peerIndex, ...(netnsid !== undefined ? { netnsid } : {}) };
  }
  if (slave)
    link.bridgePort = { neighSuppress: slave['neigh_suppress'] === true, learning: slave['learning'] === true };
  return link;
}

function parseAddr(a: Json): ObservedAddr | undefined {
  const fam = a['family'] === 'inet' ? 4 : a['family'] === 'inet6' ? 6 : undefined;
  const local = str(a['local']);
  const prefixlen = num(a['prefixlen']);
  if (!fam || !local || prefixlen === undefined) return undefined;
  const label = str(a['label']);
  return {
    family: fam,
    local,
    prefixlen,
    scope: scopeNum(a['scope']),
    ...(fam === 4 && label ? { label } : {}),
    dynamic: a['dynamic'] === true,
    noprefixroute: a['noprefixroute'] === true,
  };
}

export function parseRoute(r: Json): ObservedRoute {
  const dst = reqStr(r, 'dst');
  const gateway = str(r['gateway']);
  const dev = str(r['dev']);
  const prefsrc = str(r['prefsrc']);
  return {
    family: routeFamily(r, dst, gateway),
    dst,
    ...(gateway ? { gateway } : {}),
    ...(dev ? { dev } : {}),
    table: numeric(r['table']) ?? 254,
    protocol: numeric(r['protocol']) ?? 0,
    type: numeric(r['type']) ?? 1,
    metric: num(r['metric']) ?? 0,
    scope: scopeNum(r['scope']),
    ...(prefsrc ? { prefsrc } : {}),
    onlink: strings(r['flags']).includes('onlink'),
    multipath: Array.isArray(r['nexthops']) || r['nhid'] !== undefined,
  };
}

// `route show table all` mixes both families and the JSON has no family field. IPv6 routes
// always carry `pref` (RTA_PREF exists only for IPv6), which settles `default` without gateway.
function routeFamily(r: Json, dst: string, gateway: string | undefined): 4 | 6 {
  if (dst !== 'default') return dst.includes(':') ? 6 : 4;
  if (r['pref'] !== undefined) return 6;
  return gateway?.includes(':') ? 6 : 4;
}

const RULE_PLAIN_KEYS = new Set(['priority', 'src', 'table', 'protocol', 'srclen']);

export function parseRule(r: Json, family: 4 | 6): ObservedRule {
  const table = numeric(r['table']);
  const plain = Object.keys(r).every((k) => RULE_PLAIN_KEYS.has(k)) && (r['src'] === undefined || r['src'] === 'all');
  return { family, pref: num(r['priority']) ?? 0, ...(table !== undefined ? { table } : {}), plain };
}

const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };

function scopeNum(v: unknown): number {
  const n = numeric(v);
  if (n !== undefined) return n;
  return typeof v === 'string' ? (SCOPES[v] ?? 0) : 0;
}

/** A number, or a string of digits (-N prints tables, protocols and types as "254"). */
function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  if (v === 'main') return 254;
  if (v === 'local') return 255;
  return undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const obj = (v: unknown): Json | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function asArray(v: unknown, what: string): Json[] {
  if (!Array.isArray(v)) throw new Error(`ip JSON: ${what} did not print an array`);
  return v as Json[];
}

function reqStr(j: Json, key: string): string {
  const v = str(j[key]);
  if (v === undefined) throw new Error(`ip JSON: object without "${key}": ${JSON.stringify(j).slice(0, 200)}`);
  return v;
}

function reqNum(j: Json, key: string): number {
  const v = num(j[key]);
  if (v === undefined) throw new Error(`ip JSON: object without numeric "${key}"`);
  return v;
}

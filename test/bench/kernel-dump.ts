// IO: a comparable snapshot of everything evpn-node writes in one namespace, to prove that the
// variants of a benchmark run (evpn-node, a shell script of `ip` processes, one `ip -batch`)
// leave the kernel in the same state. Fields that differ between two identical setups are
// dropped: ifindexes, random MACs (and the bridge/port ids derived from them), timers,
// operational state that trails admin state, IPv6 link-local addresses, and routes that FRR
// installs (bgpd runs only while evpn-node's config is loaded).

import { execa } from 'execa';

export type Snapshot = Record<string, unknown>;

const NOISE = new Set([
  'ifindex',
  'link_index',
  'link_netnsid',
  'address',
  'broadcast',
  'perm_address',
  'operstate',
  'linkmode',
  'bridge_id',
  'root_id',
  'designated_root',
  'designated_bridge',
  'root_port',
  'root_path_cost',
  'hello_timer',
  'tcn_timer',
  'topology_change_timer',
  'gc_timer',
  'topology_change',
  'topology_change_detected',
  'port_id',
  'port_no',
  'designated_port',
  'designated_cost',
  'message_age_timer',
  'forward_delay_timer',
  'hold_timer',
  'config_pending',
  'topology_change_ack',
  'state',
  'no',
  'valid_life_time',
  'preferred_life_time',
  'expires',
  'stats64',
  'stats',
]);
/** Link flags that follow carrier, not configuration. */
const OPER_FLAGS = new Set(['LOWER_UP', 'NO-CARRIER', 'M-DOWN', 'linkdown']);
/** Route protocols of routes evpn-node or the kernel make (others are FRR's and depend on BGP). */
const OUR_PROTOS = new Set(['kernel', 'boot', 'static', '240', 2, 3, 4, 240]);

function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'flags' && Array.isArray(x)) out[k] = x.filter((f) => !OPER_FLAGS.has(String(f))).sort();
      else if (!NOISE.has(k)) out[k] = strip(x);
    }
    return out;
  }
  return v;
}

async function ipJson(ns: string | undefined, args: string[]): Promise<Array<Record<string, unknown>>> {
  const r = await execa('ip', [...(ns ? ['-n', ns] : []), '-j', ...args]);
  return JSON.parse(r.stdout || '[]') as Array<Record<string, unknown>>;
}

const byKey =
  (k: (x: Record<string, unknown>) => string) =>
  (a: Record<string, unknown>, b: Record<string, unknown>): number =>
    k(a).localeCompare(k(b));
const routeKey = (r: Record<string, unknown>): string =>
  `${r.table ?? ''} ${r.type ?? ''} ${r.dst} ${r.dev ?? ''} ${r.gateway ?? ''}`;

/** `ns` undefined = the current netns (the host, where the benchmark runs). */
export async function snapshotNs(ns: string | undefined): Promise<Snapshot> {
  const [links, addrs4, addrs6, routes4, routes6, rules4, rules6] = await Promise.all([
    ipJson(ns, ['-d', 'link', 'show']),
    ipJson(ns, ['-4', 'addr', 'show']),
    ipJson(ns, ['-6', 'addr', 'show', 'scope', 'global']),
    ipJson(ns, ['-4', 'route', 'show', 'table', 'all']),
    ipJson(ns, ['-6', 'route', 'show', 'table', 'all']),
    ipJson(ns, ['-4', 'rule', 'show']),
    ipJson(ns, ['-6', 'rule', 'show']),
  ]);
  const keys = ['-n', 'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding'];
  const sysctl = ns
    ? await execa('ip', ['netns', 'exec', ns, 'sysctl', ...keys], { reject: false })
    : await execa('sysctl', keys, { reject: false });
  const ours = (r: Record<string, unknown>): boolean =>
    OUR_PROTOS.has(r.protocol as string) || r.protocol === undefined;
  const notLinkLocal = (r: Record<string, unknown>): boolean =>
    !String(r.dst).startsWith('fe80') && !String(r.dst).startsWith('ff00');
  const addrs = [...addrs4, ...addrs6].map((l) => ({
    ifname: l.ifname,
    addr: ((l.addr_info as Array<Record<string, unknown>>) ?? [])
      .map((a) => `${a.local}/${a.prefixlen} ${a.label ?? ''}`)
      .sort(),
  }));
  return strip({
    links: links.sort(byKey((l) => String(l.ifname))),
    addrs: addrs.filter((a) => a.addr.length).sort(byKey((a) => String(a.ifname))),
    routes4: routes4.filter(ours).sort(byKey(routeKey)),
    routes6: routes6.filter(ours).filter(notLinkLocal).sort(byKey(routeKey)),
    rules: [...rules4, ...rules6].sort(byKey((r) => `${r.priority} ${r.table} ${r.src ?? ''}`)),
    sysctls: sysctl.stdout.trim(),
  }) as Snapshot;
}

export async function snapshot(routerNetns: string): Promise<{ host: Snapshot; router: Snapshot }> {
  const [host, router] = await Promise.all([snapshotNs(undefined), snapshotNs(routerNetns)]);
  return { host, router };
}

/** The first difference between two snapshots, as a JSON path and both values; undefined when equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) {
      const names = (x: unknown[]): string[] =>
        x.map((e) =>
          String(
            (e as Record<string, unknown>)?.ifname ??
              (e as Record<string, unknown>)?.dst ??
              JSON.stringify(e).slice(0, 60),
          ),
        );
      const na = names(a),
        nb = names(b);
      return `${path}: ${a.length} vs ${b.length} entries (only left: ${na
        .filter((x) => !nb.includes(x))
        .slice(0, 5)
        .join(', ')}; only right: ${nb
        .filter((x) => !na.includes(x))
        .slice(0, 5)
        .join(', ')})`;
    }
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${path}${Array.isArray(a) ? `[${k}]` : `.${k}`}`,
      );
      if (d) return d;
    }
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
}

// IO: read one namespace's links, addresses, routes, rules and sysctls.
// One `ip -batch` process per namespace; a second `ip -6 rule show` only when IPv6 rules matter
// (batch lines are commands only: a per-line `-6` is rejected, and `rule show` without a family
// lists IPv4 only). Which routes are dumped: parse.ts ROUTE_DUMPS. The processes of one netns
// run side by side (the dump is the long one; the others hide behind it).

import { OBSERVE_BATCH, parseObservedBatch, parseRules6 } from './parse.js';
import type { ObservedNs } from './observed.js';
import { processRunner, nsLabel, type NsRef, type Runner } from './runner.js';
import { TABLE_LOCAL } from './observed.js';
import { KIB, readBoundedText } from '../io/bounded-read.js';

/** Reads /proc/sys/<key with dots as slashes> of the current netns; undefined when absent. */
export type SysctlReader = (key: string) => Promise<string | undefined>;

export interface ObserveOptions {
  /** Read IPv6 rules too (wanted when VRFs are desired). Also read when an IPv4 pref-32765 local rule shows our VRF fix. */
  rules6?: boolean;
  /** Sysctl keys to read. */
  sysctls?: string[];
  /** How to read sysctls of the current (unnamed) namespace; a named one is read with `ip netns exec NAME grep`. */
  readSysctl?: SysctlReader;
}

/** -N: tables, protocols, scopes and route types as numbers, whatever /etc/iproute2 names them. */
export const OBSERVE_ARGS = ['-N', '-j', '-d', '-batch', '-'];
export { OBSERVE_BATCH };

/** Attempts of an observe whose dump the kernel reported as interrupted (the netns changed meanwhile). */
export const OBSERVE_ATTEMPTS = 3;

// NLM_F_DUMP_INTR: a dump that spanned a change may miss or repeat objects; ip says so on stderr
// and still exits 0. A plan from such a dump could delete or re-add what is there, so the whole
// observation (both processes, they must agree) is taken again.
const INTERRUPTED = 'Dump was interrupted';

export async function observe(runner: Runner, ns: NsRef, opts: ObserveOptions = {}): Promise<ObservedNs> {
  // Sysctls are not part of a dump's consistency: read once, next to the first dump.
  const sysctls = readSysctls(runner, ns, opts.sysctls ?? [], opts.readSysctl);
  sysctls.catch(() => undefined);
  for (let attempt = 1; ; attempt++) {
    const parsed = await observeOnce(runner, ns, opts);
    if (parsed) return { ...parsed, sysctls: await sysctls };
    if (attempt >= OBSERVE_ATTEMPTS)
      throw new Error(
        `observe ${nsLabel(ns)}: ip reported an interrupted (inconsistent) dump ${OBSERVE_ATTEMPTS} times in a row: the netns keeps changing; try again`,
      );
  }
}

const RULES6_ARGS = ['-6', '-N', '-j', 'rule', 'show'];

/** One consistent observation, or undefined when a dump was interrupted. */
async function observeOnce(
  runner: Runner,
  ns: NsRef,
  opts: ObserveOptions,
): Promise<Omit<ObservedNs, 'sysctls'> | undefined> {
  // IPv6 rules asked for up front are read alongside the dump; the VRF fix found in the IPv4
  // rules (rare: VRFs without IPv6 rules desired) costs a second step.
  const early = opts.rules6 ? runner.ip(ns, RULES6_ARGS) : undefined;
  early?.catch(() => undefined);
  const main = await runner.ip(ns, OBSERVE_ARGS, OBSERVE_BATCH);
  if (main.exitCode !== 0) throw new Error(`observe ${nsLabel(ns)}: ip failed: ${main.stderr.trim()}`);
  if (main.stderr.includes(INTERRUPTED)) return undefined;
  const parsed = parseObservedBatch(main.stdout);
  const vrfFixSeen = parsed.rules.some((r) => r.pref === 32765 && r.table === TABLE_LOCAL);
  if (!early && !vrfFixSeen) return parsed;
  const r6 = await (early ?? runner.ip(ns, RULES6_ARGS));
  if (r6.exitCode !== 0) throw new Error(`observe ${nsLabel(ns)}: ip -6 rule show failed: ${r6.stderr.trim()}`);
  if (r6.stderr.includes(INTERRUPTED)) return undefined;
  return { ...parsed, rules: [...parsed.rules, ...parseRules6(r6.stdout)], rules6Observed: true };
}

export const sysctlPath = (key: string): string => {
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/i.test(key)) throw new Error(`sysctl key not allowed: ${JSON.stringify(key)}`);
  return `/proc/sys/${key.replace(/\./g, '/')}`;
};

async function readSysctls(
  runner: Runner,
  ns: NsRef,
  keys: string[],
  reader?: SysctlReader,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (keys.length === 0) return out;
  if (!ns.name) {
    if (!reader) throw new Error('observe: sysctls of the current netns need a readSysctl function');
    for (const k of keys) {
      const v = await reader(k);
      if (v !== undefined) out[k] = v.trim();
    }
    return out;
  }
  // grep -H prints "path:value" per file, so a missing key cannot shift the others.
  const byPath = new Map(keys.map((k) => [sysctlPath(k), k]));
  const r = await runner.exec(ns, 'grep', ['-sH', '', ...byPath.keys()]);
  for (const line of r.stdout.split('\n')) {
    const cut = line.indexOf(':');
    const key = byPath.get(line.slice(0, cut));
    if (cut > 0 && key) out[key] = line.slice(cut + 1).trim();
  }
  return out;
}

export interface ObservedBoth {
  host: ObservedNs;
  router: ObservedNs;
}

/** Sysctls read when the caller names none: the ones desiredKernel sets. */
export const DEFAULT_ROUTER_SYSCTLS = ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding'];

const readProcSys: SysctlReader = async (key) => {
  return readBoundedText(sysctlPath(key), { maxBytes: 4 * KIB, what: 'sysctl' }).then(
    (t) => t.trim(),
    () => undefined,
  );
};

/**
 * Both namespaces, as planKernel takes them. With `desired`, the sysctls it sets are read, and
 * IPv6 rules when it has any (or the IPv4 VRF fix is present); without, the forwarding sysctls
 * and always the IPv6 rules (one more process, but never a plan blind to them).
 */
export async function observeBoth(opts: {
  routerNetns: string;
  hostNetns?: string;
  runner?: Runner;
  desired?: { sysctls: Array<{ ns: 'host' | 'router'; key: string }>; rules: Array<{ family: 4 | 6 }> };
  readSysctl?: SysctlReader;
}): Promise<ObservedBoth> {
  const runner = opts.runner ?? processRunner();
  const keys = (ns: 'host' | 'router'): string[] =>
    opts.desired
      ? opts.desired.sysctls.filter((s) => s.ns === ns).map((s) => s.key)
      : ns === 'router'
        ? DEFAULT_ROUTER_SYSCTLS
        : [];
  const hostRef: NsRef = opts.hostNetns ? { name: opts.hostNetns } : {};
  const [host, router] = await Promise.all([
    observe(runner, hostRef, { sysctls: keys('host'), readSysctl: opts.readSysctl ?? readProcSys }),
    observe(
      runner,
      { name: opts.routerNetns },
      { sysctls: keys('router'), rules6: opts.desired?.rules.some((r) => r.family === 6) ?? true },
    ),
  ]);
  return { host, router };
}

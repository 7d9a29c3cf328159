// Tells the daemon's drift tick whether the kernel may have drifted: one `ip -o monitor` per
// netns (host and router), kept running. A full observe at N = 1000 costs about a second of CPU;
// a tick with no relevant netlink event since the last full look skips it. What a monitor cannot
// prove (it was not running, it died, it just started, the router netns changed) counts as
// "may have drifted", and a periodic backstop looks anyway.
//
// The kernel does not tell every change: an alias or group set on a link that is down sends no
// RTM_NEWLINK (netdev_state_change notifies only for IFF_UP). Our links are kept up, and taking
// one down is an event that leads to a look, so only a change to a link left down after that
// look waits for the backstop.
//
// The L3VNI check (reconcile/frr-l3vni.ts) reads other things: neighbours and FDB entries, and
// routes on the L3VNIs' devices, in the router netns. A third `ip -o monitor neigh` there, and
// the router monitor's route lines, note which devices changed since that check's last look
// (l3Verdict), so a tick skips it while its devices are quiet.

import { execa, type ResultPromise } from 'execa';
import { createInterface } from 'node:readline';
import { readdir, readlink } from 'node:fs/promises';
import { MIB, readBoundedText } from '../io/bounded-read.js';

/** Which netns a monitor follows: the current one (host) or a named one, by inode (a new netns under the same name is a new netns). */
export interface MonitoredNs {
  name?: string;
  inode?: number;
}

// Route protocols planning reads (parse.ts ROUTE_DUMPS): ours, boot (ip prints no proto), static, dhcp.
const RELEVANT_PROTOS = new Set(['240', 'boot', '3', 'static', '4', 'dhcp', '16']);

/**
 * Whether one `ip -o monitor link address route rule netconf` line can change a plan. Links,
 * addresses, rules and netconf (the forwarding sysctls) always can. Routes only when planning
 * reads them: the kernel's own (proto kernel, made with links and addresses, which are events
 * themselves) and FRR's (bgp, zebra) come and go all day on a fabric and are never read, except
 * a default route of any protocol (the foreign-default-route check).
 */
export function relevantEvent(line: string): boolean {
  const l = line.replace(/^Deleted /, '').trim();
  if (l === '') return false;
  if (!looksLikeRoute(l)) return true;
  const dst = l.split(' ').find((w) => !ROUTE_TYPES.has(w));
  if (dst === 'default' || dst === '0.0.0.0/0' || dst === '::/0') return true;
  const proto = / proto (\S+)/.exec(l)?.[1];
  return proto === undefined || RELEVANT_PROTOS.has(proto);
}

const ROUTE_TYPES = new Set([
  'unicast',
  'local',
  'broadcast',
  'multicast',
  'anycast',
  'unreachable',
  'blackhole',
  'prohibit',
  'throw',
  'nat',
  'xresolve',
]);

// Link and address lines start with "N: ifname", rules with "N:" and a tab (the preference),
// netconf with "inet"/"inet6"/"mpls"; everything else `ip monitor` prints is a route ("2001:db8::/64"
// starts with digits and a colon too, but no blank follows the colon).
function looksLikeRoute(l: string): boolean {
  return !/^\d+:\s/.test(l) && !/^(inet6?|mpls) /.test(l);
}

/** What a monitor follows: the plan's objects in the host or router netns, or the router's neighbours. */
type MonitorRole = 'host' | 'router' | 'neigh';

interface OneMonitor {
  proc: ResultPromise;
  ns: MonitoredNs;
  /** When ip was seen subscribed to the multicast groups; undefined until then. */
  armedAt?: number;
  armed: Promise<void>;
  alive: boolean;
}

/**
 * Whether process `pid` holds a NETLINK_ROUTE socket bound to multicast groups: the moment from
 * which `ip monitor` misses no event. /proc/PID/net/netlink lists the sockets of its netns with
 * their inode; the process's fds name the inodes it owns.
 */
export async function subscribed(pid: number): Promise<boolean> {
  try {
    const fds = await readdir(`/proc/${pid}/fd`);
    const inodes = new Set<string>();
    for (const fd of fds) {
      const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''));
      if (m?.[1]) inodes.add(m[1]);
    }
    // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    for (const line of (
      await readBoundedText(`/proc/${pid}/net/netlink`, { maxBytes: 16 * MIB, what: 'netlink socket table' })
    )
      .split('\n')
      .slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1] === '0' && f[3] !== undefined && !/^0+$/.test(f[3]) && inodes.has(f[9] ?? '')) return true;
    }
  } catch {
    // The process is gone or not ours to read: not subscribed.
  }
  return false;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface DriftVerdict {
  /** True when a full observe is needed. */
  look: boolean;
  /** Why, in words for the log. */
  why: string;
}

/** The devices a router netns line names: `dev X` (a multipath route names several). */
export function devicesOf(line: string): string[] {
  return [...line.matchAll(/\bdev (\S+)/g)].map((m) => m[1] ?? '');
}

/** Past this many devices named since the L3VNI check's last look, it looks whatever they are. */
const MAX_TOUCHED = 1000;

export class NetlinkMonitor {
  private host: OneMonitor | undefined;
  private router: OneMonitor | undefined;
  private neigh: OneMonitor | undefined;
  private events = 0;
  /** The first relevant event since the last look, for the log. */
  private firstEvent = '';
  /** Set when a monitor exited or (re)started: events may have been missed. */
  private blind = true;
  private lastLook = 0;
  /** The same for the L3VNI check: the router netns' devices named by neighbour and route events. */
  private touched = new Set<string>();
  private l3Blind = true;
  private l3LastLook = 0;

  /**
   * @param backstopMs a full look at least this often, whatever the monitors say.
   * @param host the netns evpn-node plumbs as "host": the current one unless named (tests).
   */
  constructor(private readonly opts: { backstopMs: number; host?: MonitoredNs; armTimeoutMs?: number }) {}

  /**
   * Keep monitors on the host netns and on `router` (restarted when the netns changed or a
   * monitor died), and wait until they are subscribed (a few ms; at most armTimeoutMs).
   */
  async follow(router: MonitoredNs): Promise<void> {
    if (!this.host?.alive) this.host = this.start(this.opts.host ?? {}, 'host');
    this.router = this.restartIfMoved(this.router, router, 'router');
    this.neigh = this.restartIfMoved(this.neigh, router, 'neigh');
    await Promise.all([this.host.armed, this.router.armed, this.neigh.armed]);
  }

  /** `m` if it still runs in `ns`; else a new monitor there. */
  private restartIfMoved(m: OneMonitor | undefined, ns: MonitoredNs, role: MonitorRole): OneMonitor {
    if (m?.alive && m.ns.name === ns.name && m.ns.inode === ns.inode) return m;
    if (m?.alive) m.proc.kill();
    return this.start(ns, role);
  }

  /**
   * Call right before a full observe starts (drift check or converge): events from then on
   * count towards the next verdict, so a change made while we observe is looked at again.
   */
  looking(): void {
    this.events = 0;
    this.firstEvent = '';
    this.blind = false;
    this.lastLook = Date.now();
  }

  /** Whether the next drift tick needs a full observe. */
  verdict(): DriftVerdict {
    const now = Date.now();
    const mons = [this.host, this.router];
    if (mons.some((m) => !m?.alive)) return { look: true, why: 'netlink monitor not running' };
    if (this.blind) return { look: true, why: 'netlink monitor (re)started since the last look' };
    if (mons.some((m) => m!.armedAt === undefined || m!.armedAt > this.lastLook))
      return { look: true, why: 'netlink monitor not yet subscribed at the last look' };
    if (this.events > 0)
      return { look: true, why: `${this.events} netlink event(s) since the last look, first: ${this.firstEvent}` };
    if (now - this.lastLook >= this.opts.backstopMs)
      return {
        look: true,
        why: `no netlink event, but the last full look was ${Math.round((now - this.lastLook) / 1000)} s ago (backstop)`,
      };
    return { look: false, why: 'no netlink event since the last look' };
  }

  /** Right before the L3VNI check looks (a converge, or a drift tick that looks). */
  l3Looking(): void {
    this.touched.clear();
    this.l3Blind = false;
    this.l3LastLook = Date.now();
  }

  /**
   * Whether the L3VNI check must look again: a neighbour, FDB entry or route on one of
   * `devices` (the L3VNIs' VXLAN devices and SVIs) changed since its last look, or the router
   * netns' monitors cannot say, or `backstopMs` passed.
   */
  l3Verdict(devices: ReadonlySet<string>, backstopMs: number): DriftVerdict {
    const mons = [this.router, this.neigh];
    if (mons.some((m) => !m?.alive)) return { look: true, why: 'netlink monitor not running' };
    if (this.l3Blind) return { look: true, why: 'netlink monitor (re)started since the last look' };
    if (mons.some((m) => m!.armedAt === undefined || m!.armedAt > this.l3LastLook))
      return { look: true, why: 'netlink monitor not yet subscribed at the last look' };
    if (this.touched.size >= MAX_TOUCHED)
      return { look: true, why: `${MAX_TOUCHED}+ devices changed since the last look` };
    const changed = [...devices].filter((d) => this.touched.has(d));
    if (changed.length) return { look: true, why: `neighbour or route event(s) on ${changed.join(', ')}` };
    const ago = Date.now() - this.l3LastLook;
    if (ago >= backstopMs)
      return {
        look: true,
        why: `no event on its devices, but the last look was ${Math.round(ago / 1000)} s ago (backstop)`,
      };
    return { look: false, why: 'no neighbour or route event on its devices since the last look' };
  }

  async stop(): Promise<void> {
    const procs = [this.host, this.router, this.neigh].filter((m): m is OneMonitor => m !== undefined);
    this.host = this.router = this.neigh = undefined;
    for (const m of procs) m.proc.kill();
    await Promise.all(procs.map((m) => m.proc.catch(() => undefined)));
  }

  private start(ns: MonitoredNs, role: MonitorRole): OneMonitor {
    const objects = role === 'neigh' ? ['neigh'] : ['link', 'address', 'route', 'rule', 'netconf'];
    const args = [...(ns.name ? ['-n', ns.name] : []), '-o', 'monitor', ...objects];
    // Not io/capture.ts, the runner of every other ip: that one waits for a process to end and
    // bounds it in time, while this one runs as long as the daemon and is read line by line.
    const proc = execa('ip', args, { reject: false, stdin: 'ignore', stderr: 'ignore', buffer: false });
    const m: OneMonitor = { proc, ns, alive: true, armed: Promise.resolve() };
    m.armed = (async () => {
      const until = Date.now() + (this.opts.armTimeoutMs ?? 5000);
      while (m.alive && proc.pid !== undefined && Date.now() < until) {
        if (await subscribed(proc.pid)) {
          m.armedAt = Date.now();
          return;
        }
        await sleep(10);
      }
    })();
    this.blind = this.l3Blind = true;
    const lines = createInterface({ input: proc.stdout });
    lines.on('line', (line) => {
      if (role !== 'host' && (role === 'neigh' || looksLikeRoute(line.replace(/^Deleted /, ''))))
        if (this.touched.size < MAX_TOUCHED) for (const d of devicesOf(line)) this.touched.add(d);
      if (role === 'neigh' || !relevantEvent(line)) return;
      if (this.events++ === 0) this.firstEvent = `${ns.name ?? 'host'}: ${line.trim().slice(0, 160)}`;
    });
    void proc.then(() => {
      m.alive = false;
      this.blind = this.l3Blind = true;
      lines.close();
    });
    return m;
  }
}

// `status`: every section gathered in parallel, each bounded in time and turned into
// "unavailable: why" when it fails — status is what an operator runs when things are broken.

import type { RuntimeConfig } from '../config/types.js';
import { resolveRouterNetns } from '../netns/resolve.js';
import { observe, observeBoth } from '../kernel/observe.js';
import { processRunner } from '../kernel/runner.js';
import { readUnitStates, type UnitStates } from '../systemd/dbus.js';
import { bgpSessions, underlayVerdict, type BgpSession } from './bgp-sessions.js';
import { readConfigView, type ConfigView } from './config-view.js';
import { managedLinks, type ManagedLink } from './managed-links.js';
import { readStatusFile, type StatusFile } from './reconcile-status.js';
import { readBgp } from './health.js';
import { readTryFile, type TryFileState } from '../reconcile/try-file.js';
import { readWriter, type WriterView } from './writer.js';
import { DEFAULT_READINESS } from '../config/defaults.js';
import { messageOf } from '../errors.js';

export type Section<T> = ({ ok: true } & T) | { ok: false; error: string };

export interface StatusReport {
  at: string;
  configPath: string;
  runtime: RuntimeConfig;
  units: UnitStates;
  router: Section<{ netns: string; pid: number; inode: number }>;
  interfaces: Section<{ links: ManagedLink[]; routerObserved: boolean }>;
  bgp: Section<{ sessions: BgpSession[]; underlay: { established: boolean; reason: string } }>;
  reconcile: StatusFile;
  config: ConfigSummary;
  try: TryFileState;
  /** Who holds the writer lock now (the daemon, or a one-shot apply/teardown/try). */
  writer: WriterView;
  /** readiness.underlayEstablished of the config in force (else on disk): healthy needs a ToR. */
  underlayRequired: boolean;
}

export interface ConfigSummary {
  onDisk: { files: string[]; valid: boolean; sha256: string; error?: string };
  /** What runs: status.json's configInForce when the daemon wrote one, else last-good.yaml. */
  inForce?: { sha256: string; source: string };
  /** In force == on disk (undefined when nothing is in force yet). */
  same?: boolean;
}

export interface GatherOptions {
  configPath: string;
  units: readonly string[];
  busAddress?: string;
  /** Per-section budget (default 3000 ms). */
  timeoutMs?: number;
  now?: () => Date;
}

export async function gatherStatus(opts: GatherOptions): Promise<StatusReport> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const view = await readConfigView(opts.configPath);
  const rt = view.runtime;
  const bounded = <S extends Section<object>>(label: string, p: Promise<S>): Promise<S> =>
    withTimeout(p, timeoutMs, label);

  const routerP = bounded(
    'router netns',
    (async (): Promise<StatusReport['router']> => {
      const n = await resolveRouterNetns({ pidFile: rt.pidFile, preferredName: rt.netns, attach: false });
      return { ok: true as const, netns: n.name, pid: n.pid, inode: n.inode };
    })().catch(asSection),
  );
  const [units, router, bgp, reconcile, tryState, writer] = await Promise.all([
    readUnitStates(opts.units, {
      ...(opts.busAddress !== undefined ? { busAddress: opts.busAddress } : {}),
      timeoutMs: Math.min(timeoutMs, 2000),
    }),
    routerP,
    bounded(
      'BGP',
      (async (): Promise<StatusReport['bgp']> => {
        const r = await readBgp(rt.reloaderSocket, timeoutMs);
        if (!r.ok) return { ok: false as const, error: r.error };
        const sessions = bgpSessions(r.bgp);
        return { ok: true as const, sessions, underlay: underlayVerdict(sessions) };
      })(),
    ),
    readStatusFile(rt),
    readTryFile(rt),
    readWriter(rt),
  ]);
  const interfaces = await bounded('interfaces', readInterfaces(router, view).catch(asSection));
  return {
    at: (opts.now ?? (() => new Date()))().toISOString(),
    configPath: opts.configPath,
    runtime: rt,
    units,
    router,
    interfaces,
    bgp,
    reconcile,
    config: configSummary(view, reconcile),
    try: tryState,
    writer,
    underlayRequired:
      (view.lastGood?.config ?? view.onDisk.config)?.readiness.underlayEstablished ??
      DEFAULT_READINESS.underlayEstablished,
  };
}

async function readInterfaces(router: StatusReport['router'], view: ConfigView): Promise<StatusReport['interfaces']> {
  const nics = (view.lastGood?.config ?? view.onDisk.config)?.underlay.nics;
  const opts = nics !== undefined ? { underlayNics: nics.map((n) => n.name) } : {};
  if (router.ok) {
    const both = await observeBoth({ routerNetns: router.netns });
    return { ok: true, links: managedLinks(both, opts), routerObserved: true };
  }
  // Without the router netns the host side still tells a story (e.g. the NIC never moved).
  const host = await observe(processRunner(), {});
  return { ok: true, links: managedLinks({ host }, opts), routerObserved: false };
}

/** Pure: in force vs on disk. */
export function configSummary(view: ConfigView, reconcile: StatusFile): ConfigSummary {
  const onDisk: ConfigSummary['onDisk'] = {
    files: view.onDisk.files,
    valid: view.onDisk.valid,
    sha256: view.onDisk.sha256,
  };
  if (view.onDisk.error !== undefined) onDisk.error = view.onDisk.error;
  const fromDaemon = reconcile.found ? reconcile.status.configInForce : undefined;
  const inForce = fromDaemon
    ? {
        sha256: fromDaemon.sha256,
        source: fromDaemon.source === 'disk' ? 'config files (daemon)' : 'last-good.yaml (daemon)',
      }
    : view.lastGood
      ? { sha256: view.lastGood.sha256, source: 'last-good.yaml' }
      : undefined;
  return { onDisk, ...(inForce ? { inForce, same: inForce.sha256 === onDisk.sha256 } : {}) };
}

const asSection = (e: unknown): { ok: false; error: string } => ({ ok: false, error: messageOf(e) });

function withTimeout<S extends Section<object>>(p: Promise<S>, ms: number, label: string): Promise<S> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<S>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `${label}: no answer within ${ms} ms` } as S), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

// Teardown: give the node back. FRR is emptied first (it stops referring to VRFs and VNIs before
// they vanish, the same order as removals in a reconcile), then every kernel object evpn-node
// owns is deleted and every underlay NIC moves back to the host with its addresses and routes.
//
// Teardown is the emergency exit, so it must work when the config is broken: it needs only the
// runtime paths and the underlay NICs' names, read leniently when the config does not validate.

import { existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { rm } from 'node:fs/promises';
import { readBoundedText } from '../io/bounded-read.js';
import type { Logger } from '../log.js';
import type { RuntimeConfig } from '../config/types.js';
import { DEFAULT_RUNTIME } from '../config/defaults.js';
import { loadConfig, MAX_CONFIG_BYTES } from '../config/load.js';
import { formatIssue } from '../config/errors.js';
import { resolveRouterNetns, NetnsError } from '../netns/resolve.js';
import { observe, observeBoth } from '../kernel/observe.js';
import { processRunner } from '../kernel/runner.js';
import { emptyNs, findLink } from '../kernel/observed.js';
import { planTeardown } from '../kernel/teardown.js';
import { applyPhase } from '../kernel/apply.js';
import { ReloaderClient, ReloaderUnavailableError } from '../frr/reload-client.js';
import { readFrrConf, writeFrrConf } from './frr-files.js';
import { clearReloadPending, markReloadPending, reloadPending, syncKubeletEnv, statusPath } from './state-files.js';
import type { CrashPoints } from '../model/crash-points.js';
import { readNicSnapshots, removeNicSnapshot } from './nic-snapshots.js';
import { clearCreating, readCreating } from './creating.js';

export const EMPTY_FRR_CONF = '! evpn-node: torn down; FRR runs without configuration\n';

export interface TeardownTarget {
  runtime: RuntimeConfig;
  underlayNics: string[];
}

export interface TeardownReport {
  routerNetns?: string;
  kernelOps: number;
  frrEmptied: boolean;
}

/** Runtime paths and NIC from the config; from its raw YAML when it does not validate. */
export async function teardownTarget(configPath: string, log: Logger): Promise<TeardownTarget> {
  // Offline: teardown needs neither the passwords nor the node's identity (it must work when
  // they are what is broken).
  const r = await loadConfig(configPath, { offline: true });
  if (r.ok && r.config) return { runtime: r.config.runtime, underlayNics: r.config.underlay.nics.map((n) => n.name) };
  for (const i of r.issues.filter((x) => x.severity === 'error')) log.warn(formatIssue(i));
  log.warn('the config does not validate; tearing down with the runtime paths and NICs read from it as written');
  let raw: Record<string, unknown> = {};
  try {
    raw =
      (parseYaml(await readBoundedText(configPath, { maxBytes: MAX_CONFIG_BYTES, what: 'config file' })) as Record<
        string,
        unknown
      >) ?? {};
  } catch {
    /* unreadable: defaults */
  }
  const rt = (raw.runtime ?? {}) as Partial<Record<keyof RuntimeConfig, unknown>>;
  const runtime = { ...DEFAULT_RUNTIME };
  for (const k of Object.keys(DEFAULT_RUNTIME) as Array<keyof RuntimeConfig>)
    if (typeof rt[k] === 'string') runtime[k] = rt[k];
  return { runtime, underlayNics: rawNicNames(raw.underlay) };
}

/** `underlay.nic`, or the names in `underlay.nics` (strings or {name}), of a config as written. */
function rawNicNames(underlay: unknown): string[] {
  const u = (underlay ?? {}) as { nic?: unknown; nics?: unknown };
  if (typeof u.nic === 'string') return [u.nic];
  if (!Array.isArray(u.nics)) return [];
  return u.nics.flatMap((n: unknown) => {
    const name = typeof n === 'string' ? n : (n as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? [name] : [];
  });
}

export async function teardownNode(
  t: TeardownTarget,
  deps: { log: Logger; hostPid: number; crash?: CrashPoints; keepStatus?: boolean },
): Promise<TeardownReport> {
  const { log, crash } = deps;
  const rt = t.runtime;

  // Where the router is: FRR's pidfile when FRR runs, else the named netns if it is there.
  let routerNetns: string | undefined;
  try {
    routerNetns = (await resolveRouterNetns({ pidFile: rt.pidFile, preferredName: rt.netns, attach: false })).name;
  } catch (e) {
    if (!(e instanceof NetnsError)) throw e;
    if (existsSync(`/run/netns/${rt.netns}`)) routerNetns = rt.netns;
    log.warn(
      { reason: e.message },
      routerNetns
        ? `FRR not found; tearing down netns ${rt.netns}`
        : 'no router netns; tearing down the host side only',
    );
  }

  const frrEmptied = await emptyFrr(rt, log, crash);
  crash?.after('frr');

  const observed = routerNetns
    ? await observeBoth({ routerNetns })
    : { host: await observe(processRunner(), {}), router: emptyNs() };
  const nicSnapshots = await readNicSnapshots(rt, t.underlayNics);
  const plan = planTeardown(observed, {
    underlayNics: t.underlayNics,
    routerNetns: routerNetns ?? '',
    hostTarget: { pid: deps.hostPid },
    nicSnapshots,
    adopt: await readCreating(rt),
  });
  const applyOpts = { routerNetns: routerNetns ?? '', ...(crash ? { crash } : {}) };
  await applyPhase(plan, 'pre', applyOpts);
  await clearCreating(rt);
  crash?.after('pre');
  await applyPhase(plan, 'post', applyOpts);
  crash?.after('post');
  // Each NIC is back with its addresses: its snapshot has done its job (kept while the NIC is
  // nowhere to be seen: it may come back bare).
  for (const [nic] of nicSnapshots) {
    const home = findLink(observed.host, nic) !== undefined || findLink(observed.router, nic) !== undefined;
    if (home) await removeNicSnapshot(rt, nic);
  }
  await syncKubeletEnv(rt, undefined);
  if (!deps.keepStatus) await rm(statusPath(rt), { force: true });
  log.info({ kernelOps: plan.ops.length, frrEmptied, routerNetns }, 'torn down');
  return { ...(routerNetns ? { routerNetns } : {}), kernelOps: plan.ops.length, frrEmptied };
}

/**
 * Replace frr.conf with an empty config and reload, when there was one of ours — or when a
 * reload of it did not finish (a teardown killed after writing the file: run again, it must
 * still empty FRR, not trust the file).
 */
async function emptyFrr(rt: RuntimeConfig, log: Logger, crash?: CrashPoints): Promise<boolean> {
  const current = await readFrrConf(rt.frrConfigDir);
  if (current === undefined || (current === EMPTY_FRR_CONF && !(await reloadPending(rt)))) return false;
  await markReloadPending(rt);
  await writeFrrConf(rt.frrConfigDir, EMPTY_FRR_CONF);
  crash?.after('frr-written');
  try {
    const r = await new ReloaderClient(rt.reloaderSocket).reload();
    if (r.ok) await clearReloadPending(rt);
    else
      log.warn({ phase: r.phase }, 'FRR did not accept the empty config; it keeps running the old one until restarted');
  } catch (e) {
    if (!(e instanceof ReloaderUnavailableError)) throw e;
    log.warn(`reloader not reachable (${e.message}); FRR loads the empty config when it restarts`);
  }
  return true;
}

// IO: wait until the router's FRR daemons have digested a change. After a 1000-VNI apply,
// zebra and bgpd keep one of the 2 CPUs busy for tens of seconds (interfaces, VNIs, type-3
// routes to the leaf); a measurement taken meanwhile times FRR's work as much as evpn-node's.
// FRR never goes fully idle at that size (zebra polls interface speeds: ~10 % of a CPU), so
// "quiet" is a threshold, not zero.

import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CLK_TCK, ownTicks, statFields } from './cpu-time.js';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface FrrQuiet {
  /** How long the wait took. */
  waitedMs: number;
  /** FRR's CPU over the last window, % of one CPU. */
  cpuPercent: number;
  /** False when maxMs passed first. */
  quiet: boolean;
}

/** utime+stime (ticks) of the daemons whose pidfiles sit next to `pidFile` (zebra.pid, bgpd.pid, ...). */
async function frrTicks(pidDir: string): Promise<number> {
  let ticks = 0;
  for (const f of (await readdir(pidDir)).filter((n) => n.endsWith('.pid') && n !== 'watchfrr.pid')) {
    const pid = Number((await readFile(join(pidDir, f), 'utf8').catch(() => '')).trim());
    const fields = pid > 0 ? await statFields(pid).catch(() => undefined) : undefined;
    if (fields) ticks += ownTicks(fields);
  }
  return ticks;
}

/**
 * Until FRR (the daemons of the pidfile's directory) used less than `belowPercent` of one CPU
 * over a `windowMs` window, at most `maxMs`.
 */
export async function frrQuiet(
  pidFile: string,
  opts: { belowPercent?: number; windowMs?: number; maxMs?: number } = {},
): Promise<FrrQuiet> {
  const below = opts.belowPercent ?? 25;
  const windowMs = opts.windowMs ?? 2000;
  const maxMs = opts.maxMs ?? 120_000;
  const dir = dirname(pidFile);
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    const c0 = await frrTicks(dir);
    await sleep(windowMs);
    const cpuPercent = (((await frrTicks(dir)) - c0) * (1000 / CLK_TCK) * 100) / (performance.now() - t0);
    const waitedMs = performance.now() - start;
    if (cpuPercent < below) return { waitedMs, cpuPercent, quiet: true };
    if (waitedMs >= maxMs) return { waitedMs, cpuPercent, quiet: false };
  }
}

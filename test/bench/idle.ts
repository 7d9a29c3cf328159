// IO: the daemon's idle footprint. `evpn-node run` is started against the converged fabric,
// left to settle, then sampled: VmRSS from /proc/PID/status, CPU as the growth of
// utime+stime (/proc/PID/stat, clock ticks) over the sampling window. The daemon's processes
// count too: the `ip` it ran and waited for (cutime+cstime) and the ones still running (its
// `ip monitor`s), whose RSS is reported next to the daemon's.

import { execa } from 'execa';
import { readFile, readdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { frrQuiet } from './frr-quiet.js';
import { CLK_TCK, ownTicks, statFields, ticksWithChildren } from './cpu-time.js';

export type IdleResult =
  | {
      measured: true;
      rssMB: number;
      rssMaxMB: number;
      cpuPercent: number;
      childRssMB: number;
      children: number;
      settleS: number;
      sampleS: number;
      convergedAfterS: number;
      settledAfterS: number;
      looks: string[];
    }
  | { measured: false; reason: string };

async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const f = await statFields(Number(d)).catch(() => undefined);
    if (f?.[1] === String(pid)) out.push(Number(d));
  }
  return out;
}

/** The daemon's CPU ticks, with its waited-for children and the live ones. */
async function cpuTicks(pid: number): Promise<number> {
  let t = ticksWithChildren(await statFields(pid));
  for (const c of await childrenOf(pid)) {
    const cf = await statFields(c).catch(() => undefined);
    if (cf) t += ownTicks(cf);
  }
  return t;
}

async function rssKB(pid: number): Promise<number> {
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True once status.json was written by daemon `pid` in state converged: its boot converge is over. */
async function converged(statusFile: string, pid: number): Promise<boolean> {
  try {
    const s = JSON.parse(await readFile(statusFile, 'utf8')) as { daemonPid?: number; state?: string };
    return s.daemonPid === pid && s.state === 'converged';
  } catch {
    return false;
  }
}

/**
 * Runs `bin/evpn-node --config CONFIG run` in the current netns and measures it; always stops it.
 * The node the bench leaves is empty, so the daemon's boot converge builds all N VNIs, and FRR
 * then digests them for ~15 s while the kernel finishes carrier and DAD work. None of that is
 * idle: the window opens after the first converge (status.json), FRR quiet (frr-quiet.ts), the
 * daemon's first drift tick after that (which looks at the kernel once, for the events of its
 * own boot), and settleS more.
 */
export async function measureIdle(
  cli: string,
  configPath: string,
  opts: { settleS: number; sampleS: number; statusFile: string; frrPidFile: string },
): Promise<IdleResult> {
  const spawnedAt = performance.now();
  const p = execa(process.execPath, [cli, '--config', configPath, 'run'], { reject: false, all: true, buffer: true });
  const pid = p.pid;
  // The daemon's log, read as it comes: drift ticks (either kind) and kernel looks, timed.
  let ticks = 0;
  const looks: Array<{ at: number; what: string }> = [];
  if (p.all) {
    createInterface({ input: p.all }).on('line', (line) => {
      const e = logEvent(line);
      if (e?.tick) ticks++;
      if (e?.look) looks.push({ at: e.at, what: e.look });
    });
  }
  try {
    // A placeholder `run` exits at once; a daemon keeps running.
    const early = await Promise.race([p.then((r) => r), sleep(3000).then(() => undefined)]);
    if (early || pid === undefined) {
      const out = String(early?.all ?? '')
        .trim()
        .split('\n')
        .slice(-2)
        .join(' ');
      return {
        measured: false,
        reason: /not implemented/i.test(out) ? 'run not implemented' : `run exited (${early?.exitCode}): ${out}`,
      };
    }
    for (let i = 0; i < 1200 && !(await converged(opts.statusFile, pid)); i++) await sleep(100);
    const convergedAfterS = Math.round((performance.now() - spawnedAt) / 100) / 10;
    await frrQuiet(opts.frrPidFile);
    const ticked = ticks;
    for (let i = 0; i < 1200 && ticks === ticked; i++) await sleep(100);
    const settledAfterS = Math.round((performance.now() - spawnedAt) / 100) / 10;
    await sleep(opts.settleS * 1000);
    const t0 = performance.now();
    const windowFrom = Date.now();
    const c0 = await cpuTicks(pid);
    const rss: number[] = [];
    const childRss: number[] = [];
    let children = 0;
    for (let i = 0; i < opts.sampleS; i++) {
      rss.push(await rssKB(pid));
      const kids = await childrenOf(pid);
      children = Math.max(children, kids.length);
      childRss.push((await Promise.all(kids.map((k) => rssKB(k).catch(() => 0)))).reduce((a, b) => a + b, 0));
      await sleep(1000);
    }
    const c1 = await cpuTicks(pid);
    const wallS = (performance.now() - t0) / 1000;
    const windowTo = Date.now();
    return {
      measured: true,
      rssMB: Math.round((rss.reduce((a, b) => a + b, 0) / rss.length / 1024) * 10) / 10,
      rssMaxMB: Math.round((Math.max(...rss) / 1024) * 10) / 10,
      cpuPercent: Math.round(((c1 - c0) / CLK_TCK / wallS) * 1000) / 10,
      childRssMB: Math.round((childRss.reduce((a, b) => a + b, 0) / childRss.length / 1024) * 10) / 10,
      children,
      convergedAfterS,
      settledAfterS,
      settleS: opts.settleS,
      sampleS: opts.sampleS,
      looks: looks.filter((l) => l.at >= windowFrom && l.at <= windowTo).map((l) => l.what),
    };
  } finally {
    if (p.exitCode === null && pid !== undefined) {
      p.kill('SIGTERM');
      await Promise.race([p, sleep(10_000)]);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
    await p.catch(() => undefined);
  }
}

/**
 * One daemon log line: a drift tick (quiet or observing), and a full kernel look (a drift tick
 * that observed, a converge) with its why: what the idle CPU went to. pino's time is ISO.
 */
function logEvent(line: string): { at: number; tick: boolean; look?: string } | undefined {
  let j: { time?: string; msg?: string; why?: string; reason?: string };
  try {
    j = JSON.parse(line) as typeof j;
  } catch {
    return undefined;
  }
  const at = j.time === undefined ? NaN : Date.parse(j.time);
  const tick = j.msg?.startsWith('drift tick') === true;
  const looked = j.msg === 'drift tick: observing the kernel' || j.msg === 'converged';
  return {
    at,
    tick,
    ...(looked ? { look: `${j.msg}${j.why ? ` (${j.why})` : j.reason ? ` (${j.reason})` : ''}` } : {}),
  };
}

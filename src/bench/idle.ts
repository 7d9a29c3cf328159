// IO: the daemon's idle footprint. `evpn-node run` is started against the converged fabric,
// left to settle, then sampled: VmRSS from /proc/PID/status, CPU as the growth of
// utime+stime (/proc/PID/stat, clock ticks) over the sampling window.

import { execa } from 'execa';
import { readFile } from 'node:fs/promises';

export type IdleResult =
  | { measured: true; rssMB: number; rssMaxMB: number; cpuPercent: number; settleS: number; sampleS: number }
  | { measured: false; reason: string };

const CLK_TCK = 100;

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" of comm: state is field 3, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

async function rssKB(pid: number): Promise<number> {
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `bin/evpn-node --config CONFIG run` in the current netns and measures it; always stops it. */
export async function measureIdle(cli: string, configPath: string, opts: { settleS: number; sampleS: number }): Promise<IdleResult> {
  const p = execa(process.execPath, [cli, '--config', configPath, 'run'], { reject: false, all: true, buffer: true });
  const pid = p.pid;
  try {
    // A placeholder `run` exits at once; a daemon keeps running.
    const early = await Promise.race([p.then((r) => r), sleep(3000).then(() => undefined)]);
    if (early || pid === undefined) {
      const out = String(early?.all ?? '').trim().split('\n').slice(-2).join(' ');
      return { measured: false, reason: /not implemented/i.test(out) ? 'run not implemented' : `run exited (${early?.exitCode}): ${out}` };
    }
    await sleep(Math.max(0, opts.settleS * 1000 - 3000));
    const t0 = performance.now();
    const c0 = await cpuTicks(pid);
    const rss: number[] = [];
    for (let i = 0; i < opts.sampleS; i++) {
      rss.push(await rssKB(pid));
      await sleep(1000);
    }
    const c1 = await cpuTicks(pid);
    const wallS = (performance.now() - t0) / 1000;
    return {
      measured: true,
      rssMB: Math.round((rss.reduce((a, b) => a + b, 0) / rss.length / 1024) * 10) / 10,
      rssMaxMB: Math.round((Math.max(...rss) / 1024) * 10) / 10,
      cpuPercent: Math.round(((c1 - c0) / CLK_TCK / wallS) * 1000) / 10,
      settleS: opts.settleS,
      sampleS: opts.sampleS,
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

// Pure: the benchmark's table, ratios and target verdicts from the per-N results.

import type { SizeResult } from './run-size.js';
import type { IdleResult } from './idle.js';
import type { DualNicResult } from './dual-nic.js';
import { formatTable, ms, ratio, round } from './stats.js';

export interface BenchResult {
  meta: Record<string, unknown>;
  sizes: SizeResult[];
  l3: string;
  /** The dual-NIC node at the largest N. */
  dual?: DualNicResult;
  idle: IdleResult;
  ratios: Record<string, Ratios>;
  targets: Array<{ target: string; value: string; met: boolean | null }>;
}

export interface Ratios {
  kernelPathOverLimit: number;
  applyOverLimit: number;
  seedOverKernelPath: number;
  seedOverApply: number;
}

export function ratiosOf(r: SizeResult): Ratios {
  const m = r.medians;
  const q = (a: number | undefined, b: number | undefined): number =>
    a !== undefined && b !== undefined && b > 0 ? round(a / b, 2) : NaN;
  return {
    // The target's ratio: evpn-node's whole from-scratch kernel path (observe + plan + apply)
    // against the limit, which is handed the ops and only applies them.
    kernelPathOverLimit: q(m.kernelPathMs, m.limitMs),
    applyOverLimit: q(m.kernelApplyMs, m.limitMs),
    seedOverKernelPath: q(m.seedMs, m.kernelPathMs),
    seedOverApply: q(m.seedMs, m.kernelApplyMs),
  };
}

export function targetsOf(sizes: SizeResult[], idle: IdleResult, dualNic?: DualNicResult): BenchResult['targets'] {
  const big = sizes.find((s) => s.n === 1000);
  const out: BenchResult['targets'] = [];
  if (big) {
    const r = ratiosOf(big);
    const m = big.medians;
    out.push({
      target: 'N=1000 from-scratch kernel path (observe+plan+apply) <= 1.5x ip -batch limit',
      value: `${r.kernelPathOverLimit}x`,
      met: r.kernelPathOverLimit <= 1.5,
    });
    out.push({
      target: 'N=1000 one-process-per-command >= 20x slower than evpn-node kernel path',
      value: Number.isFinite(r.seedOverKernelPath) ? `${r.seedOverKernelPath}x` : 'not run',
      met: Number.isFinite(r.seedOverKernelPath) ? r.seedOverKernelPath >= 20 : null,
    });
    out.push({
      target: 'N=1000 no-op reconcile < 300 ms, zero kernel writes, no FRR reload',
      value: `${round(m.noopMs ?? NaN, 0)} ms (CPU ${round(m.noopCpuMs ?? NaN, 0)} ms)`,
      met: (m.noopMs ?? Infinity) < 300,
    });
  } else out.push({ target: 'N=1000 targets', value: 'N=1000 not run', met: null });
  if (dualNic && dualNic.n === 1000)
    out.push({
      target: 'N=1000 dual-NIC no-op reconcile < 300 ms, zero kernel writes, no FRR reload',
      value: `${round(dualNic.medians.dualNoopMs ?? NaN, 0)} ms`,
      met: (dualNic.medians.dualNoopMs ?? Infinity) < 300,
    });
  if (idle.measured)
    out.push({
      target: 'idle daemon < 120 MB RSS and ~0 % CPU',
      value: `${idle.rssMB} MB, ${idle.cpuPercent} % CPU`,
      met: idle.rssMB < 120 && idle.cpuPercent < 1,
    });
  else out.push({ target: 'idle daemon < 120 MB RSS and ~0 % CPU', value: `not measured: ${idle.reason}`, met: null });
  return out;
}

export function formatReport(b: BenchResult): string {
  const header = ['median', ...b.sizes.map((s) => `N=${s.n}`)];
  const row = (label: string, f: (s: SizeResult) => string): [string, ...string[]] => [label, ...b.sizes.map(f)];
  const m =
    (k: string) =>
    (s: SizeResult): string =>
      ms(s.medians[k]);
  const rt =
    (k: keyof Ratios) =>
    (s: SizeResult): string =>
      ratio(ratiosOf(s)[k]);
  const rows: Array<[string, ...string[]]> = [
    row('runs (seed script runs)', (s) => `${s.runs} (${s.seedRuns})`),
    row('kernel ops planned (from scratch)', (s) => String(s.kernelOps)),
    row(
      'processes: evpn-node / limit / seed',
      (s) => `${s.processes.evpnNode} / ${s.processes.limit} / ${s.processes.seed}`,
    ),
    row('frr.conf size', (s) => `${(s.frrConfBytes / 1024).toFixed(1)} KiB`),
    ['#evpn-node apply from scratch: converge() with FRR reload'],
    row('  total', m('evpnTotalMs')),
    row('  observe (resolve netns + ip dumps + parse)', m('evpnObserveMs')),
    row('  plan', m('evpnPlanMs')),
    row('  kernel apply (pre + post batches)', m('evpnKernelMs')),
    row('  render frr.conf (config load not included)', m('renderMs')),
    row('  FRR reload, empty -> N (write + frr-reload.py --test, --reload)', m('evpnFrrReloadMs')),
    row('  verify (re-observe + re-plan)', m('evpnVerifyMs')),
    row('  config load + validate + derive + render', m('configLoadMs')),
    ['#from scratch, kernel only (FRR idle), same ops'],
    row('  evpn-node observe', m('kernelObserveMs')),
    row('  evpn-node plan', m('kernelPlanMs')),
    row('  evpn-node apply', m('kernelApplyMs')),
    row('  evpn-node kernel path (observe + plan + apply)', m('kernelPathMs')),
    row('  limit: one ip -batch per netns', m('limitMs')),
    row('  seed: one ip process per op (bash script)', m('seedMs')),
    row('  ratio evpn-node kernel path / limit', rt('kernelPathOverLimit')),
    row('  ratio evpn-node apply / limit', rt('applyOverLimit')),
    row('  ratio seed / evpn-node kernel path', rt('seedOverKernelPath')),
    row('  ratio seed / evpn-node apply', rt('seedOverApply')),
    ['#no-op reconcile: converge() with nothing changed (0 kernel ops, 0 netlink events, no reload: checked)'],
    row("  total, FRR quiet (median of every run's samples)", m('noopMs')),
    row('  CPU time (evpn-node + its ip processes, 10 ms ticks)', m('noopCpuMs')),
    row('  total right after the apply, FRR still busy', m('noopBusyMs')),
    row('  CPU time right after the apply', m('noopBusyCpuMs')),
    row('  wait for FRR to be quiet (< 25 % of a CPU over 2 s)', m('noopFrrSettleMs')),
    row('  observe', m('noopObserveMs')),
    row('  plan', m('noopPlanMs')),
    row('  FRR reload N -> N', () => '0 (skipped: text unchanged)'),
    ['#one-VNI change from N applied'],
    row('  +1 VNI: kernel ops', (s) => String(s.medians.addOneOps)),
    row('  +1 VNI: converge total', m('addOneMs')),
    row('  +1 VNI: kernel apply', m('addOneKernelMs')),
    row(
      '  +1 VNI: FRR reloaded? / FRR step',
      (s) => `${s.medians.addOneReloaded ? 'yes' : 'no'} / ${ms(s.medians.addOneFrrReloadMs)}`,
    ),
    row('  -1 VNI: kernel ops', (s) => String(s.medians.delOneOps)),
    row('  -1 VNI: converge total', m('delOneMs')),
    row('  -1 VNI: kernel apply', m('delOneKernelMs')),
    row(
      '  -1 VNI: FRR reloaded? / FRR step',
      (s) => `${s.medians.delOneReloaded ? 'yes' : 'no'} / ${ms(s.medians.delOneFrrReloadMs)}`,
    ),
    ['#dual-NIC node: nics [eth1, eth2], a session on each (ECMP on); largest N only'],
    row(
      '  apply from scratch (both NICs moved): converge total',
      dual(b, (d) => ms(d.medians.dualApplyMs)),
    ),
    row(
      '  kernel ops (from scratch)',
      dual(b, (d) => String(d.medians.dualApplyOps)),
    ),
    row(
      '  no-op reconcile, FRR quiet',
      dual(b, (d) => ms(d.medians.dualNoopMs)),
    ),
    row(
      '  no-op observe',
      dual(b, (d) => ms(d.medians.dualNoopObserveMs)),
    ),
  ];
  const idle = b.idle.measured
    ? `${b.idle.rssMB} MB RSS (max ${b.idle.rssMaxMB} MB; its ${b.idle.children} child process(es): ${b.idle.childRssMB} MB more), ${b.idle.cpuPercent} % CPU with its children over ${b.idle.sampleS} s, ${b.idle.settleS} s after FRR was quiet and the daemon's first drift tick (first converge ${b.idle.convergedAfterS} s, settled ${b.idle.settledAfterS} s after start); kernel looks in the window: ${b.idle.looks.length ? b.idle.looks.join('; ') : 'none'}`
    : `not measured: ${b.idle.reason}`;
  return [
    formatTable(header, rows),
    '',
    `L3VNIs: ${b.l3}`,
    `idle daemon (evpn-node run, N=${b.sizes.at(-1)?.n ?? '-'}): ${idle}`,
    '',
    'targets:',
    ...b.targets.map((t) => `  [${t.met === null ? ' -- ' : t.met ? ' met' : 'MISS'}] ${t.target}: ${t.value}`),
  ].join('\n');
}

/** A cell of the dual-NIC rows: the measured N's column, '-' in the others. */
const dual =
  (b: BenchResult, f: (d: DualNicResult) => string) =>
  (s: SizeResult): string =>
    b.dual && b.dual.n === s.n ? f(b.dual) : '-';

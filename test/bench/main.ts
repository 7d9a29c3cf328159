// `npm run bench`: evpn-node's performance on a network-namespace fabric (README.md beside this
// file says what and why).
//
// Not part of the product (it is outside src/, so neither the build nor the image has it): it
// runs from source through tsx and calls the product's modules in src/ directly.
//
// This process (root, host netns) builds the fabric with scripts/fabric (prefix `bn` unless
// --prefix), then runs itself again with --worker INSIDE the fabric's node netns, where
// evpn-node runs in production: all measurements happen there. The fabric is removed in every
// case (finally + SIGINT/SIGTERM), leaving no netns behind.
//
// Like src/cli/, this entry point is where process globals (argv, uid, signals) are read.

import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release } from 'node:os';
import { createLogger } from '../../src/log.js';
import type { FabricRuntime } from './config-gen.js';
import { runSize, type SizeResult } from './run-size.js';
import { measureIdle, type IdleResult } from './idle.js';
import { formatReport, ratiosOf, targetsOf, type BenchResult } from './report.js';
import { addSecondCable, runDualNic, type DualNicResult } from './dual-nic.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FABRIC = `${ROOT}scripts/fabric`;
const SELF = fileURLToPath(import.meta.url);

interface Options {
  prefix: string;
  sizes: number[];
  runs: Record<number, number>;
  seedRuns: Record<number, number>;
  out: string;
  idleSettleS: number;
  idleSampleS: number;
  /** Configs with a metrics block (textfile and GET /metrics): the idle cost of collecting. */
  metrics: boolean;
}

const USAGE = `usage: npm run bench -- [--quick] [--sizes 10,100,1000] [--runs 10=5,100=5,1000=3]
                      [--seed-runs 100=3,1000=1] [--out bench-results.json] [--prefix bn]
                      [--idle 10,20 (settle s, sample s)] [--metrics]`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    prefix: 'bn',
    sizes: [10, 100, 1000],
    runs: { 10: 5, 100: 5, 1000: 3 },
    seedRuns: { 100: 3, 1000: 1 },
    out: `${ROOT}bench-results.json`,
    idleSettleS: 10,
    idleSampleS: 20,
    metrics: false,
  };
  const map = (v: string): Record<number, number> =>
    Object.fromEntries(v.split(',').map((kv) => kv.split('=').map(Number) as [number, number]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return x;
    };
    if (a === '--quick')
      Object.assign(o, { sizes: [10, 100], runs: { 10: 2, 100: 2 }, idleSettleS: 5, idleSampleS: 5 });
    else if (a === '--sizes') o.sizes = v().split(',').map(Number);
    else if (a === '--runs') o.runs = { ...o.runs, ...map(v()) };
    else if (a === '--seed-runs') o.seedRuns = { ...o.seedRuns, ...map(v()) };
    else if (a === '--out') o.out = v();
    else if (a === '--prefix') o.prefix = v();
    else if (a === '--metrics') o.metrics = true;
    else if (a === '--idle') [o.idleSettleS, o.idleSampleS] = v().split(',').map(Number) as [number, number];
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (!/^[a-z][a-z0-9]{0,7}$/.test(o.prefix))
    throw new Error(`--prefix must be a short lowercase name, got ${o.prefix}`);
  for (const n of o.sizes)
    if (!Number.isInteger(n) || n < 1 || n > 4000) throw new Error(`--sizes: ${n} is not between 1 and 4000`);
  return o;
}

async function fabricEnv(prefix: string): Promise<FabricRuntime & { node: string }> {
  const env = Object.fromEntries(
    (await execa(FABRIC, ['env', prefix])).stdout.split('\n').map((l) => l.split('=', 2) as [string, string]),
  );
  return {
    netns: env.NETNS!,
    node: env.NODE_NETNS!,
    pidFile: env.PIDFILE!,
    frrConfigDir: env.FRR_CONFIG_DIR!,
    reloaderSocket: env.RELOADER_SOCKET!,
    runDir: env.RUN_DIR!,
  };
}

/** Host netns side: fabric up, the worker inside the node netns, fabric down whatever happens. */
async function orchestrate(o: Options): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench: needs root (network namespaces, ip, FRR): run `sudo npm run bench`\n');
    return 1;
  }
  const say = (t: string): boolean => process.stderr.write(`bench: ${t}\n`);
  let stopping = false;
  let child: ReturnType<typeof execa> | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    stopping = true;
    say(`${sig}: stopping and cleaning up`);
    child?.kill(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    say(`building fabric ${o.prefix}-{leaf,node,router,remote} (real FRR leaf and router, reloader)`);
    await execa(FABRIC, ['up', o.prefix]);
    await addSecondCable(o.prefix);
    const f = await fabricEnv(o.prefix);
    if (stopping) return 130;
    child = execa(
      'ip',
      [
        'netns',
        'exec',
        f.node,
        process.execPath,
        ...process.execArgv,
        SELF,
        '--worker',
        JSON.stringify({ ...o, fabric: f }),
      ],
      { stdio: 'inherit', reject: false },
    );
    const r = await child;
    return r.exitCode ?? 1;
  } finally {
    say(`removing fabric ${o.prefix}`);
    await execa(FABRIC, ['down', o.prefix], { reject: false });
    const left = (await execa('ip', ['netns', 'list'], { reject: false })).stdout
      .split('\n')
      .filter((l) => l.startsWith(`${o.prefix}-`));
    if (left.length) say(`WARNING: namespaces left behind: ${left.join(', ')}`);
  }
}

async function hasVrf(): Promise<boolean> {
  const r = await execa('ip', ['link', 'add', 'bnvrfprobe', 'type', 'vrf', 'table', '4242'], { reject: false });
  if (r.exitCode === 0) await execa('ip', ['link', 'del', 'bnvrfprobe'], { reject: false });
  return r.exitCode === 0;
}

/** Node netns side: every measurement, the table on stdout, the JSON file. */
async function worker(o: Options & { fabric: FabricRuntime }): Promise<number> {
  const say = (t: string): boolean => process.stderr.write(`bench: ${t}\n`);
  const log = createLogger({ level: 'warn', pretty: true });
  const workDir = `${o.fabric.runDir}/bench`;
  await mkdir(workDir, { recursive: true });
  const started = new Date();
  const load0 = loadavg();
  const sizes: SizeResult[] = [];
  for (const n of o.sizes) {
    const runs = o.runs[n] ?? 3;
    say(`N=${n}: ${runs} run(s)`);
    sizes.push(
      await runSize({
        n,
        runs,
        seedRuns: Math.min(runs, o.seedRuns[n] ?? runs),
        fabric: o.fabric,
        workDir,
        log,
        say,
        metrics: o.metrics,
        ...(sizes[0] ? { baseline: sizes[0].baseline } : {}),
      }),
    );
  }
  const l3 = (await hasVrf()) ? 'not measured: this benchmark generates L2VNIs only' : 'skipped: kernel has no VRF';
  const dualN = o.sizes.at(-1)!;
  say(`dual-NIC node: N=${dualN}, nics [eth1, eth2], a session on each`);
  const dual: DualNicResult = await runDualNic({
    n: dualN,
    runs: Math.min(2, o.runs[dualN] ?? 2),
    fabric: o.fabric,
    workDir,
    log,
    say,
  });

  const last = o.sizes.at(-1)!;
  say(
    `idle daemon: evpn-node run with the N=${last} config (after its first converge, FRR quiet and its first drift tick, ${o.idleSettleS} s settle, ${o.idleSampleS} s sampling)`,
  );
  const idle: IdleResult = await measureIdle(`${ROOT}bin/evpn-node`, `${workDir}/config-${last}.yaml`, {
    settleS: o.idleSettleS,
    sampleS: o.idleSampleS,
    statusFile: `${o.fabric.runDir}/status.json`,
    frrPidFile: o.fabric.pidFile,
  });

  const result: BenchResult = {
    meta: {
      startedAt: started.toISOString(),
      durationS: Math.round((Date.now() - started.getTime()) / 1000),
      kernel: release(),
      cpus: cpus().length,
      node: process.version,
      loadavgAtStart: load0,
      loadavgAtEnd: loadavg(),
      prefix: o.prefix,
      startState:
        'evpn-node teardown (planTeardown: our links deleted, underlay NIC back in the host netns, FRR emptied), checked against a snapshot before every variant',
    },
    sizes: sizes.map(({ baseline: _b, ...s }) => s) as SizeResult[],
    l3,
    dual,
    idle,
    ratios: Object.fromEntries(sizes.map((s) => [String(s.n), ratiosOf(s)])),
    targets: targetsOf(sizes, idle, dual),
  };
  process.stdout.write(
    `\n${formatReport({ ...result, sizes })}\n\nload average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (${cpus().length} CPUs)\n`,
  );
  await writeFile(o.out, `${JSON.stringify(result, null, 2)}\n`);
  say(`wrote ${o.out}`);
  await rm(workDir, { recursive: true, force: true });
  return 0;
}

const argv = process.argv.slice(2);
try {
  if (argv[0] === '--worker')
    process.exitCode = await worker(JSON.parse(argv[1] ?? '{}') as Options & { fabric: FabricRuntime });
  else process.exitCode = await orchestrate(parseArgs(argv));
} catch (e) {
  process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
}

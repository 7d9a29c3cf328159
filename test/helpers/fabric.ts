// Drive scripts/fabric (the demo's fabric: leaf FRR, remote host, node netns, router netns with
// FRR + reloader) and run the evpn-node CLI inside the node netns, as the demo does.

import { execa } from 'execa';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}
import { fileURLToPath } from 'node:url';
import { mkdir, writeFile } from 'node:fs/promises';
import { BASE_YAML } from './config.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FABRIC = `${ROOT}scripts/fabric`;
const CLI = `${ROOT}bin/evpn-node`;

export interface Fabric {
  prefix: string;
  netns: string;
  node: string;
  leaf: string;
  remote: string;
  pidFile: string;
  frrConfigDir: string;
  reloaderSocket: string;
  runDir: string;
  configDir: string;
  configPath: string;
  /** The runtime: block every config for this fabric needs. */
  runtimeYaml: string;
  /** Run `evpn-node --config <configPath> ...args` inside the node netns. */
  cli(...args: string[]): Promise<CliResult>;
  writeConfig(yaml: string, file?: string): Promise<void>;
  down(): Promise<void>;
}

/**
 * Compile src/ to dist/ once per test file: the CLI runs from dist like the real binary. In the
 * lab VM the host has built dist/ already (scripts/lab run) and tsc under TCG takes minutes:
 * EVPN_DIST_PREBUILT=1 skips it.
 */
export async function buildCli(): Promise<void> {
  if (process.env['EVPN_DIST_PREBUILT'] === '1') return;
  await execa('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT });
}

export async function fabricUp(prefix: string): Promise<Fabric> {
  await execa(FABRIC, ['up', prefix]);
  const env = Object.fromEntries(
    (await execa(FABRIC, ['env', prefix])).stdout.split('\n').map((l) => l.split('=', 2) as [string, string]),
  );
  const runDir = env.RUN_DIR as string;
  const configDir = `${runDir}/etc`;
  await mkdir(`${configDir}/config.d`, { recursive: true });
  const f: Fabric = {
    prefix,
    netns: env.NETNS as string,
    node: env.NODE_NETNS as string,
    leaf: env.LEAF_NETNS as string,
    remote: env.REMOTE_NETNS as string,
    pidFile: env.PIDFILE as string,
    frrConfigDir: env.FRR_CONFIG_DIR as string,
    reloaderSocket: env.RELOADER_SOCKET as string,
    runDir,
    configDir,
    configPath: `${configDir}/config.yaml`,
    runtimeYaml: [
      'runtime:',
      `  netns: ${env.NETNS}`,
      `  pidFile: ${env.PIDFILE}`,
      `  frrConfigDir: ${env.FRR_CONFIG_DIR}`,
      `  reloaderSocket: ${env.RELOADER_SOCKET}`,
      `  stateDir: ${runDir}/state`,
      `  runDir: ${runDir}`,
      '',
    ].join('\n'),
    cli: async (...args) => {
      const r = await execa(
        'ip',
        ['netns', 'exec', env.NODE_NETNS as string, CLI, '--config', `${configDir}/config.yaml`, ...args],
        { reject: false },
      );
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    writeConfig: (yaml, file = 'config.yaml') => writeFile(`${configDir}/${file}`, yaml),
    down: async () => {
      await execa(FABRIC, ['down', prefix], { reject: false });
    },
  };
  return f;
}

/** `ip -j` output of a namespace as parsed JSON. */
export async function ipJson<T = Array<Record<string, unknown>>>(ns: string, ...args: string[]): Promise<T> {
  const { stdout } = await execa('ip', ['-n', ns, '-j', '-d', ...args]);
  return JSON.parse(stdout || '[]') as T;
}

/**
 * Record every link/address/route/rule event in the given namespaces while `fn` runs: the
 * proof that an operation wrote nothing to the kernel. Neighbour events are left out: ARP
 * refreshes from live traffic are not writes of ours.
 */
export async function watchNetlink(namespaces: string[], fn: () => Promise<void>): Promise<string[]> {
  const monitors = namespaces.map((ns) => {
    const p = execa('ip', ['-n', ns, '-ts', 'monitor', 'link', 'address', 'route', 'rule'], {
      reject: false,
      buffer: true,
    });
    return { ns, p };
  });
  // Give `ip monitor` time to subscribe before the operation starts.
  await new Promise((r) => setTimeout(r, 300));
  await fn();
  await new Promise((r) => setTimeout(r, 300));
  const events: string[] = [];
  for (const m of monitors) {
    m.p.kill('SIGTERM');
    const r = await m.p;
    for (const line of String(r.stdout ?? '').split('\n')) if (line.trim()) events.push(`${m.ns}: ${line}`);
  }
  return events;
}

/** A second L2VNI, for tests that add and remove one. */
export const L2VNI_120 = `  - vni: 120
    hostMaster: {name: br-hs-120, managed: true}
    hostAddress: 192.170.20.20/24
`;

export interface NodeConfigOptions {
  /** hostAddress of L2VNI 110, the node's address on the segment (default 192.170.10.20/24). */
  hostAddress?: string;
  /** More `l2vnis` items (YAML list items, indented by two spaces). */
  extraL2vnis?: string;
  /** `primary: {l2vni: 110, defaultRoute: false}` (default: present). */
  primary?: boolean;
  /** Top-level YAML placed before `runtime:` (frr:, readiness:, ...). */
  tail?: string;
}

/**
 * The node's config on this fabric, as the tests write it: index 3 (VTEP 100.65.0.4), eBGP to
 * the leaf (AS 64512 at 192.168.11.2), L2VNI 110 with a managed host bridge and an address.
 */
export function nodeConfigYaml(f: Fabric, o: NodeConfigOptions = {}): string {
  return `${BASE_YAML}l2vnis:
  - vni: 110
    hostMaster: {name: br-hs-110, managed: true}
    hostAddress: ${o.hostAddress ?? '192.170.10.20/24'}
${o.extraL2vnis ?? ''}${o.primary === false ? '' : 'primary:\n  l2vni: 110\n  defaultRoute: false\n'}${o.tail ?? ''}${f.runtimeYaml}`;
}

/** Routes zebra installs (BGP-learned, nexthop groups) are FRR's writes, not ours. */
export const isFrrWrite = (event: string): boolean => /\bproto (bgp|zebra)\b/.test(event);

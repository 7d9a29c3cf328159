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

/** Compile src/ to dist/ once per test file: the CLI runs from dist like the real binary. */
export async function buildCli(): Promise<void> {
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
      const r = await execa('ip', ['netns', 'exec', env.NODE_NETNS as string, CLI, '--config', `${configDir}/config.yaml`, ...args], { reject: false });
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
    const p = execa('ip', ['-n', ns, '-ts', 'monitor', 'link', 'address', 'route', 'rule'], { reject: false, buffer: true });
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

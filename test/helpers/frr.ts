// Start and stop a real FRR (Debian's package) in a network namespace, as the integration
// tests' router or leaf: `watchfrr -N <ns>` inside `ip netns exec <ns>`, config in
// /etc/frr/<ns>/frr.conf, vtysh with `-N <ns>`.

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile, chmod, copyFile } from 'node:fs/promises';

const TEMPLATES = new URL('../../templates/', import.meta.url);

export const FRR_BIN = '/usr/lib/frr';
export const haveFrr = (): boolean => existsSync(`${FRR_BIN}/watchfrr`) && existsSync(`${FRR_BIN}/frr-reload.py`);

export interface FrrInstance {
  ns: string;
  confDir: string;
  confFile: string;
  runDir: string;
  /** zebra's pidfile: stands in for the FRR container's podman --pidfile. */
  pidFile: string;
  vtysh(command: string): Promise<string>;
  vtyshJson<T = unknown>(command: string): Promise<T>;
  stop(): Promise<void>;
}

const DAEMONS = ['zebra', 'bgpd', 'staticd', 'bfdd'];

export async function netnsAdd(ns: string): Promise<void> {
  await execa('ip', ['netns', 'del', ns], { reject: false });
  await execa('ip', ['netns', 'add', ns]);
  await execa('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
}

export async function netnsDel(ns: string): Promise<void> {
  await execa('ip', ['netns', 'del', ns], { reject: false });
}

/** Start FRR in an existing netns `ns` (created with netnsAdd) with the given frr.conf. */
export async function startFrr(ns: string, frrConf = ''): Promise<FrrInstance> {
  const confDir = `/etc/frr/${ns}`;
  const runDir = `/var/run/frr/${ns}`;
  await stopFrrByName(ns);
  await mkdir(confDir, { recursive: true });
  await mkdir(runDir, { recursive: true });
  // watchfrr's start script reads `daemons`; the product ships the same two files.
  await copyFile(new URL('daemons', TEMPLATES), `${confDir}/daemons`);
  await copyFile(new URL('vtysh.conf', TEMPLATES), `${confDir}/vtysh.conf`);
  await writeFile(`${confDir}/frr.conf`, frrConf);
  await chmod(`${confDir}/frr.conf`, 0o600);
  await execa('chown', ['frr:frr', runDir, confDir]);
  // FRR 10's daemons keep the stdout/stderr they were started with (8.4's point them at
  // /dev/null): on execa's pipes the call would wait for them to close, i.e. until FRR stops
  // (seen in the lab VM, FRR 10.3). Their start-up errors go to syslog/the journal as well.
  await execa('ip', ['netns', 'exec', ns, `${FRR_BIN}/watchfrr`, '-N', ns, '-d', ...DAEMONS], { stdio: 'ignore' });
  const inst: FrrInstance = {
    ns,
    confDir,
    confFile: `${confDir}/frr.conf`,
    runDir,
    pidFile: `${runDir}/zebra.pid`,
    vtysh: async (command) => (await execa('vtysh', ['-N', ns, '-c', command])).stdout,
    vtyshJson: async (command) => JSON.parse((await execa('vtysh', ['-N', ns, '-c', command])).stdout),
    stop: () => stopFrrByName(ns),
  };
  await waitFor(
    async () => (await execa('vtysh', ['-N', ns, '-c', 'show daemons'], { reject: false })).stdout.includes('bgpd'),
    20_000,
    `FRR in ${ns} to answer vtysh`,
  );
  return inst;
}

/** Kill watchfrr and the daemons of pathspace `ns` (they are daemonised: go by pidfiles). */
export async function stopFrrByName(ns: string): Promise<void> {
  const runDir = `/var/run/frr/${ns}`;
  // mgmtd: FRR 10 starts it on its own (8.4 has none).
  for (const d of ['watchfrr', ...DAEMONS, 'mgmtd']) {
    const pidFile = `${runDir}/${d}.pid`;
    if (!existsSync(pidFile)) continue;
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
  // Wait for the daemons to go, then clear the run dir so a restart starts clean.
  await waitFor(
    async () => {
      const { stdout } = await execa('pgrep', ['-f', `-N ${ns} `], { reject: false });
      return stdout.trim() === '';
    },
    10_000,
    `FRR in ${ns} to stop`,
  ).catch(async () => {
    await execa('pkill', ['-9', '-f', `-N ${ns} `], { reject: false });
  });
  await rm(runDir, { recursive: true, force: true });
}

export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True when this kernel can create a link of `kind` (vrf, vlan, ...): probed in a scratch netns. */
export async function kernelSupports(kind: 'vrf' | 'vlan'): Promise<boolean> {
  const ns = `probe-${kind}-${process.pid}`;
  await netnsAdd(ns);
  // Only "Unknown device type" (the kind is not built in) means the kernel lacks it; any other
  // failure is a broken probe and must fail the test, not skip it.
  const supported = async (args: string[]): Promise<boolean> => {
    const r = await execa('ip', ['-n', ns, 'link', 'add', ...args], { reject: false });
    if (r.exitCode === 0) return true;
    if (/Unknown device type/.test(r.stderr)) return false;
    throw new Error(`probing ${kind}: ip link add ${args.join(' ')}: ${r.stderr}`);
  };
  try {
    if (kind === 'vrf') return await supported(['p0', 'type', 'vrf', 'table', '10']);
    // A VLAN needs an Ethernet parent: on lo the kernel refuses it even with 8021q loaded
    // ("VLANs not supported on lo"), which made the lab VM's kernel look VLAN-less.
    await execa('ip', ['-n', ns, 'link', 'add', 'p1', 'type', 'veth', 'peer', 'name', 'p2']);
    return await supported(['link', 'p1', 'name', 'p0', 'type', 'vlan', 'id', '10']);
  } finally {
    await netnsDel(ns);
  }
}

// The generated units, checked by the tools that will read them: `systemd-analyze verify` for
// the plain units (syntax, unknown keys, missing executables, ordering cycles with kubelet), and
// podman's quadlet generator `--dryrun`. Debian 12's podman 4.3 has no generator: the test uses
// $EVPN_QUADLET, or the one in the lab's debootstrapped VM tree (podman 5.4, a Go binary that
// runs here), else skips (the lab VM runs test/lab/units-verify.sh).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { INSTALL_DIRS, renderUnits, type UnitFile } from '../../src/systemd/units.js';

const images = { controllerImage: 'localhost/evpn-node:latest', frrImage: 'quay.io/frrouting/frr:10.3.1' };
const LAB_CACHE = '/var/cache/evpn-node-lab';
const labTrees = existsSync(LAB_CACHE)
  ? readdirSync(LAB_CACHE)
      .filter((d) => d.startsWith('tree-vm-'))
      .map((d) => `${LAB_CACHE}/${d}/usr/libexec/podman/quadlet`)
  : [];
const QUADLET_GENERATORS = [
  process.env.EVPN_QUADLET ?? '',
  '/usr/lib/systemd/system-generators/podman-system-generator',
  '/usr/libexec/podman/quadlet',
  ...labTrees,
];
const quadlet = QUADLET_GENERATORS.find((p) => p !== '' && existsSync(p));
const hasPodman = existsSync('/usr/bin/podman');

let root: string;

/** Write the files under `dir`, by base name (plain units) or keeping the drop-in's sub-dir. */
async function writeUnits(dir: string, files: UnitFile[], from: string): Promise<string[]> {
  const names: string[] = [];
  for (const f of files.filter((x) => x.path.startsWith(`${from}/`))) {
    const rel = f.path.slice(from.length + 1);
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), f.content);
    if (!rel.includes('/')) names.push(rel);
  }
  return names;
}

/** systemd-analyze verify on the given units in `dir`; its complaints, one per line. */
async function verify(dir: string, units: string[]): Promise<{ exitCode: number; complaints: string[] }> {
  const r = await execa('systemd-analyze', ['verify', '--man=no', ...units.map((u) => join(dir, u))], {
    reject: false,
    env: { SYSTEMD_LOG_LEVEL: 'notice', SYSTEMD_UNIT_PATH: `${dir}:` },
  });
  const complaints = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
  return { exitCode: r.exitCode ?? -1, complaints };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'evpn-units-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('plain units under systemd-analyze verify', () => {
  test.skipIf(!hasPodman)(
    'every unit and the kubelet drop-in verify clean (needs /usr/bin/podman: scripts/setup installs it)',
    async () => {
      const dir = join(root, 'plain');
      const units = await writeUnits(dir, renderUnits({ format: 'systemd', ...images }), INSTALL_DIRS['/etc'].systemd);
      // A stand-in kubelet.service, so that the drop-in is loaded and its ordering checked.
      await writeFile(
        join(dir, 'kubelet.service'),
        '[Unit]\nDescription=stand-in kubelet\n[Service]\nExecStart=/bin/true\n',
      );
      const r = await verify(dir, [...units, 'kubelet.service']);
      expect(r.complaints).toEqual([]);
      expect(r.exitCode).toBe(0);
      expect(units.sort()).toEqual([
        'evpn-node-controller.service',
        'evpn-node-frr.service',
        'evpn-node-images.service',
        'evpn-node-reloader.service',
        'evpn-node-router-pod.service',
        'evpn-node.target',
      ]);
    },
  );

  // The kubelet units as each distribution ships them, so that our drop-in is read on top.
  const KUBEADM_KUBELET =
    '[Unit]\nDescription=kubelet: The Kubernetes Node Agent\nWants=network-online.target\nAfter=network-online.target\n[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n[Install]\nWantedBy=multi-user.target\n';
  const KUBEADM_DROPIN =
    '[Service]\nEnvironment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"\nEnvironment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n';

  test.skipIf(!hasPodman)(
    'each kubelet layout and the vendor prefix verify clean with their kubelet units (kubeadm: on top of 10-kubeadm.conf)',
    async () => {
      for (const kubelet of ['kubeadm', 'openshift', 'k3s', 'rke2'] as const) {
        for (const prefix of ['/etc', '/usr'] as const) {
          const dir = join(root, `layout-${kubelet}-${prefix.slice(1)}`);
          const units = await writeUnits(
            dir,
            renderUnits({ format: 'systemd', ...images, kubelet, prefix }),
            INSTALL_DIRS[prefix].systemd,
          );
          const stubs =
            kubelet === 'k3s'
              ? ['k3s.service', 'k3s-agent.service']
              : kubelet === 'rke2'
                ? ['rke2-server.service', 'rke2-agent.service']
                : ['kubelet.service'];
          for (const u of stubs)
            await writeFile(
              join(dir, u),
              kubelet === 'kubeadm'
                ? KUBEADM_KUBELET
                : '[Unit]\nDescription=stand-in\n[Service]\nExecStart=/bin/true\n',
            );
          if (kubelet === 'kubeadm') await writeFile(join(dir, 'kubelet.service.d', '10-kubeadm.conf'), KUBEADM_DROPIN);
          const r = await verify(dir, [...units, ...stubs]);
          // This host has no kubelet binary; the units themselves must be clean.
          const complaints = r.complaints.filter((c) => !/Command \/usr\/bin\/kubelet is not executable/.test(c));
          expect(complaints, `${kubelet} ${prefix}`).toEqual([]);
          if (complaints.length === r.complaints.length) expect(r.exitCode).toBe(0);
        }
      }
    },
  );

  test.skipIf(!hasPodman)('verify does complain about a broken unit (the check above can fail)', async () => {
    const dir = join(root, 'broken');
    const units = await writeUnits(dir, renderUnits({ format: 'systemd', ...images }), INSTALL_DIRS['/etc'].systemd);
    const ctl = join(dir, 'evpn-node-controller.service');
    await writeFile(ctl, (await readFile(ctl, 'utf8')).replace('Type=notify', 'Type=notify\nNotifyAcess=all'));
    // The drop-in is read (a typo in it shows), and an ordering cycle with kubelet is caught:
    // kubelet before the controller while the drop-in puts it after evpn-node.target.
    const dropin = join(dir, 'kubelet.service.d', '10-evpn-node.conf');
    await writeFile(dropin, `${await readFile(dropin, 'utf8')}EnvironmentFle=/x\n`);
    await writeFile(
      join(dir, 'kubelet.service'),
      '[Unit]\nBefore=evpn-node-controller.service\n[Service]\nExecStart=/bin/true\n',
    );
    const r = await verify(dir, [...units, 'kubelet.service']);
    expect(r.complaints.join('\n')).toMatch(/Unknown key 'NotifyAcess'/);
    expect(r.complaints.join('\n')).toMatch(/10-evpn-node\.conf.*Unknown key 'EnvironmentFle'/);
    expect(r.complaints.join('\n')).toMatch(/cycle/i);
  });
});

describe('quadlet files under the podman generator', () => {
  const SERVICES = [
    'evpn-node-router-pod.service',
    'evpn-node-frr.service',
    'evpn-node-reloader.service',
    'evpn-node-controller.service',
  ];
  const why = quadlet
    ? `generator ${quadlet}`
    : 'no quadlet generator here (podman < 4.4, no lab tree): the lab VM covers it with test/lab/units-verify.sh';

  /** Generate for `podmanVersion`, run the generator's --dryrun; the services by name. */
  async function dryrun(podmanVersion: string): Promise<Map<string, string>> {
    const dir = join(root, `quadlet-${podmanVersion}`);
    await writeUnits(dir, renderUnits({ format: 'quadlet', ...images, podmanVersion }), INSTALL_DIRS['/etc'].quadlet);
    const r = await execa(quadlet!, ['--dryrun'], { reject: false, env: { QUADLET_UNIT_DIRS: dir } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/error|unsupported|unknown key/i);
    // stdout: `---NAME---` then the unit, for each service.
    const parts = r.stdout.split(/^---(.+)---$/m);
    const services = new Map<string, string>();
    for (let i = 1; i < parts.length; i += 2) services.set(parts[i]!, parts[i + 1] ?? '');
    return services;
  }
  const live = (text: string) =>
    text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');

  test.skipIf(!quadlet)(
    `podman 5.4 files: four services, no network-online, our ExecStartPre before pod create (${why})`,
    async () => {
      const services = await dryrun('5.4');
      expect([...services.keys()].sort()).toEqual([...SERVICES].sort());
      for (const [name, text] of services) expect(live(text), name).not.toMatch(/network-online/);
      const pre = live(services.get('evpn-node-router-pod.service')!)
        .split('\n')
        .filter((l) => l.startsWith('ExecStartPre='));
      const netns = pre.findIndex((l) => l.includes('ip netns add evpn-node'));
      const create = pre.findIndex((l) => l.includes('pod create'));
      expect(netns).toBeGreaterThanOrEqual(0);
      expect(create).toBeGreaterThan(netns);
      expect(live(services.get('evpn-node-controller.service')!)).toMatch(
        /^ExecStart=.* --sdnotify=container .*--pull=never --pid=host .*localhost\/evpn-node:latest run$/m,
      );

      // And the generated services pass systemd-analyze verify, with the target.
      const out = join(root, 'quadlet-5.4-out');
      await mkdir(out, { recursive: true });
      for (const [name, text] of services) await writeFile(join(out, name), text);
      await writeUnits(
        out,
        renderUnits({ format: 'quadlet', ...images, podmanVersion: '5.4' }),
        INSTALL_DIRS['/etc'].systemd,
      );
      const r = await verify(out, [...SERVICES, 'evpn-node.target']);
      expect(r.complaints).toEqual([]);
    },
  );

  test.skipIf(!quadlet)(
    `podman 5.0 files are accepted, and quadlet then adds network-online (why 5.3's key matters) (${why})`,
    async () => {
      const services = await dryrun('5.0');
      expect([...services.keys()].sort()).toEqual([...SERVICES].sort());
      expect(live(services.get('evpn-node-controller.service')!)).toMatch(/^After=network-online\.target$/m);
    },
  );
});

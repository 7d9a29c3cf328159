// The generated units, checked by the tools that will read them: `systemd-analyze verify` for
// the plain units (syntax, unknown keys, missing executables, ordering cycles with kubelet), and
// podman's quadlet generator `--dryrun` when this podman has one (>= 4.4; Debian 12 has 4.3:
// the lab VM, podman 5.4, runs test/lab/units-verify.sh instead).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { INSTALL_DIRS, renderUnits, type UnitFile } from '../../src/systemd/units.js';

const images = { controllerImage: 'localhost/evpn-node:latest', frrImage: 'quay.io/frrouting/frr:10.3.1' };
const QUADLET_GENERATORS = ['/usr/lib/systemd/system-generators/podman-system-generator', '/usr/libexec/podman/quadlet'];
const quadlet = QUADLET_GENERATORS.find((p) => existsSync(p));
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
  test.skipIf(!hasPodman)('every unit and the kubelet drop-in verify clean (needs /usr/bin/podman: scripts/setup installs it)', async () => {
    const dir = join(root, 'plain');
    const units = await writeUnits(dir, renderUnits({ format: 'systemd', ...images }), INSTALL_DIRS.systemd);
    // A stand-in kubelet.service, so that the drop-in is loaded and its ordering checked.
    await writeFile(join(dir, 'kubelet.service'), '[Unit]\nDescription=stand-in kubelet\n[Service]\nExecStart=/bin/true\n');
    const r = await verify(dir, [...units, 'kubelet.service']);
    expect(r.complaints).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(units.sort()).toEqual(['evpn-node-controller.service', 'evpn-node-frr.service', 'evpn-node-reloader.service',
      'evpn-node-router-pod.service', 'evpn-node.target']);
  });

  test.skipIf(!hasPodman)('verify does complain about a broken unit (the check above can fail)', async () => {
    const dir = join(root, 'broken');
    const units = await writeUnits(dir, renderUnits({ format: 'systemd', ...images }), INSTALL_DIRS.systemd);
    const ctl = join(dir, 'evpn-node-controller.service');
    await writeFile(ctl, (await readFile(ctl, 'utf8')).replace('Type=notify', 'Type=notify\nNotifyAcess=all'));
    // The drop-in is read (a typo in it shows), and an ordering cycle with kubelet is caught:
    // kubelet before the controller while the drop-in puts it after evpn-node.target.
    const dropin = join(dir, 'kubelet.service.d', '10-evpn-node.conf');
    await writeFile(dropin, `${await readFile(dropin, 'utf8')}EnvironmentFle=/x\n`);
    await writeFile(join(dir, 'kubelet.service'), '[Unit]\nBefore=evpn-node-controller.service\n[Service]\nExecStart=/bin/true\n');
    const r = await verify(dir, [...units, 'kubelet.service']);
    expect(r.complaints.join('\n')).toMatch(/Unknown key 'NotifyAcess'/);
    expect(r.complaints.join('\n')).toMatch(/10-evpn-node\.conf.*Unknown key 'EnvironmentFle'/);
    expect(r.complaints.join('\n')).toMatch(/cycle/i);
  });
});

describe('quadlet files under the podman generator', () => {
  test.skipIf(!quadlet)(`--dryrun turns them into the four services (${quadlet ? 'found ' + basename(quadlet) : 'no quadlet generator: podman < 4.4 here, the lab VM covers it with test/lab/units-verify.sh'})`, async () => {
    const dir = join(root, 'quadlet');
    await writeUnits(dir, renderUnits({ format: 'quadlet', ...images, podmanVersion: '5.0' }), INSTALL_DIRS.quadlet);
    const r = await execa(quadlet!, ['--dryrun'], { reject: false, env: { QUADLET_UNIT_DIRS: dir } });
    expect(r.stderr).not.toMatch(/error|unsupported/i);
    for (const s of ['evpn-node-router-pod.service', 'evpn-node-frr.service', 'evpn-node-reloader.service', 'evpn-node-controller.service']) {
      expect(r.stdout).toContain(`---${s}---`);
    }
  });
});

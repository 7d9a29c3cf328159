// Unit generation: golden files per format (refresh with `npx vitest run --update=all test/unit/units`),
// and the checks that keep anything a unit file would interpret out of it.
import { describe, expect, test } from 'vitest';
import { basename } from 'node:path';
import { UNIT_NAMES, UnitsError, buildModel, checkImageRef, parsePodmanVersion, renderUnits } from '../../../src/systemd/units.js';

const images = { controllerImage: 'localhost/evpn-node:latest', frrImage: 'quay.io/frrouting/frr:10.3.1' };
const byName = (files: { path: string; content: string }[]) => new Map(files.map((f) => [basename(f.path), f.content]));

describe('golden files', () => {
  const cases = [
    { name: 'systemd', spec: { format: 'systemd' as const, ...images } },
    { name: 'quadlet-5.0', spec: { format: 'quadlet' as const, ...images, podmanVersion: '5.0' } },
    { name: 'quadlet-5.4', spec: { format: 'quadlet' as const, ...images, podmanVersion: '5.4' } },
    { name: 'quadlet-5.5', spec: { format: 'quadlet' as const, ...images, podmanVersion: '5.5.2' } },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const text = renderUnits(c.spec).map((f) => `# file: ${f.path}\n${f.content}`).join('\n');
      await expect(text).toMatchFileSnapshot(`golden/${c.name}.txt`);
    });
  }
});

describe('plain systemd units', () => {
  const files = byName(renderUnits({ format: 'systemd', ...images }));

  test('every unit the status command names is generated, plus the kubelet drop-in', () => {
    for (const u of Object.values(UNIT_NAMES)) expect(files.has(u), u).toBe(true);
    expect(files.get('10-evpn-node.conf')).toMatch(/^After=evpn-node\.target$/m);
    expect(files.get('10-evpn-node.conf')).toMatch(/^EnvironmentFile=-\/run\/evpn-node\/kubelet\.env$/m);
  });

  test('the target is enabled from multi-user, waits for the controller, and comes before kubelet', () => {
    const t = files.get(UNIT_NAMES.target)!;
    expect(t).toMatch(/^WantedBy=multi-user\.target$/m);
    expect(t).toMatch(/^After=evpn-node-controller\.service$/m);
    expect(t).toMatch(/^Before=kubelet\.service kubelet-dependencies\.target$/m);
    expect(t).not.toMatch(/^[^#].*network-online/m);
  });

  test('controller: notify from the container, never pulled, capabilities not --privileged', () => {
    const c = files.get(UNIT_NAMES.controller)!;
    for (const line of ['Type=notify', 'NotifyAccess=all', 'TimeoutStartSec=infinity', 'Restart=on-failure']) {
      expect(c).toMatch(new RegExp(`^${line}$`, 'm'));
    }
    for (const arg of ['--sdnotify=container', '--pull=never', '--network=host', '--pid=host', '--cap-drop=all',
      '--cap-add=NET_ADMIN,SYS_ADMIN,SYS_PTRACE,DAC_OVERRIDE', '--volume=/etc/evpn-node:/etc/evpn-node:ro',
      '"--health-cmd=evpn-node health"']) {
      expect(c).toContain(`\t${arg} \\\n`);
    }
    expect(c).not.toContain('--privileged');
    expect(c).toMatch(/^ExecReload=\/usr\/bin\/podman kill --signal=HUP --cidfile=%t\/%n\.ctr-id$/m);
  });

  test('FRR writes the pidfile the controller reads; the pod joins the named netns', () => {
    expect(files.get(UNIT_NAMES.frr)).toContain('\t--pidfile=/run/evpn-node/frr.pid \\\n');
    expect(files.get(UNIT_NAMES.routerPod)).toMatch(/^ExecStartPre=-\/usr\/sbin\/ip netns add evpn-node$/m);
    expect(files.get(UNIT_NAMES.routerPod)).toContain('\t--network=ns:/run/netns/evpn-node\n');
  });

  test('no image is ever pulled: every podman run says --pull=never', () => {
    for (const [name, text] of files) {
      const runs = text.split('podman run').length - 1;
      const never = text.split('--pull=never').length - 1;
      expect(never, name).toBe(runs);
    }
  });
});

describe('quadlet', () => {
  test('5.0 leaves out what its generator would reject; 5.3 drops network-online; 5.5 uses ReloadSignal', () => {
    const v50 = byName(renderUnits({ format: 'quadlet', ...images, podmanVersion: '5.0' }));
    const v53 = byName(renderUnits({ format: 'quadlet', ...images, podmanVersion: '5.3' }));
    const v55 = byName(renderUnits({ format: 'quadlet', ...images, podmanVersion: '5.5' }));
    expect(v50.get('evpn-node-controller.container')).not.toContain('[Quadlet]');
    expect(v50.get('evpn-node-controller.container')).toMatch(/^ExecReload=.*kill --signal=HUP evpn-node-controller$/m);
    expect(v53.get('evpn-node-router.pod')).toMatch(/^\[Quadlet\]\n(#.*\n)*DefaultDependencies=false$/m);
    expect(v55.get('evpn-node-controller.container')).toMatch(/^ReloadSignal=SIGHUP$/m);
    expect(v55.get('evpn-node-controller.container')).not.toMatch(/^ExecReload=/m);
  });

  test('the files quadlet turns into the status command\'s unit names', () => {
    const names = [...byName(renderUnits({ format: 'quadlet', ...images, podmanVersion: '5.4' })).keys()];
    expect(names).toEqual(expect.arrayContaining(['evpn-node-router.pod', 'evpn-node-frr.container',
      'evpn-node-reloader.container', 'evpn-node-controller.container', UNIT_NAMES.target]));
  });

  test('podman older than 5.0 has no .pod files', () => {
    expect(() => renderUnits({ format: 'quadlet', ...images, podmanVersion: '4.9' })).toThrow(/need podman >= 5\.0/);
  });
});

describe('values reaching a unit file', () => {
  test.each([
    'localhost/evpn-node:latest',
    'quay.io/frrouting/frr:10.3.1',
    'registry.example.com:5000/team/evpn-node:v1.2.3',
    `docker.io/library/debian@sha256:${'a'.repeat(64)}`,
    `docker.io/library/debian:trixie-slim@sha256:${'0'.repeat(64)}`,
  ])('accepts %s', (ref) => expect(checkImageRef(ref, 'image')).toBe(ref));

  test.each([
    ['a space', 'localhost/evpn-node:latest --privileged'],
    ['a newline', 'localhost/evpn-node:latest\nExecStartPost=/bin/sh'],
    ['a systemd specifier', 'localhost/evpn-%n:latest'],
    ['an environment expansion', 'localhost/${HOME}:latest'],
    ['uppercase in the path', 'localhost/EVPN:latest'],
    ['an empty string', ''],
  ])('refuses %s', (_what, ref) => {
    expect(() => renderUnits({ format: 'systemd', controllerImage: ref, frrImage: images.frrImage })).toThrow(UnitsError);
    expect(() => renderUnits({ format: 'systemd', controllerImage: images.controllerImage, frrImage: ref })).toThrow(/FRR image/);
  });

  test('podman versions', () => {
    expect(parsePodmanVersion('5.4.2')).toEqual([5, 4]);
    expect(parsePodmanVersion('4.3.1+ds1')).toEqual([4, 3]);
    expect(() => parsePodmanVersion('five')).toThrow(UnitsError);
    expect(buildModel({ format: 'quadlet', ...images, podmanVersion: '5.2' }).quadletDefaultDependencies).toBe(false);
  });
});

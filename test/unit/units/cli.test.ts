// `evpn-node units` as the operator runs it: printed with `# file:` headers, or written under
// --output laid out as installed (mode 0644), with the commands that enable them.
import { afterAll, describe, expect, test } from 'vitest';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runUnits } from '../../../src/cli/commands/units.js';
import { UsageError } from '../../../src/cli/errors.js';
import { createLogger } from '../../../src/log.js';
import type { CliContext } from '../../../src/cli/context.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function ctx(): { ctx: CliContext; out: string[] } {
  const out: string[] = [];
  return { out, ctx: { configPath: '/nonexistent', json: false, log: createLogger({ level: 'silent' }), out: (t) => void out.push(t), hostPid: process.pid } };
}
const opts = { controllerImage: 'localhost/evpn-node:latest', frrImage: 'quay.io/frrouting/frr:10.3.1' };

describe('evpn-node units', () => {
  test('without --output: every file on stdout under a `# file:` header', async () => {
    const c = ctx();
    expect(await runUnits(c.ctx, { format: 'systemd', ...opts })).toBe(0);
    const headers = c.out.join('\n').match(/^# file: .*$/gm);
    expect(headers).toEqual([
      '# file: /etc/systemd/system/evpn-node-router-pod.service',
      '# file: /etc/systemd/system/evpn-node-frr.service',
      '# file: /etc/systemd/system/evpn-node-reloader.service',
      '# file: /etc/systemd/system/evpn-node-controller.service',
      '# file: /etc/systemd/system/evpn-node.target',
      '# file: /etc/systemd/system/evpn-node-images.service',
      '# file: /etc/systemd/system/kubelet.service.d/10-evpn-node.conf',
      '# file: /etc/systemd/networkd.conf.d/evpn-node.conf',
      '# file: /etc/NetworkManager/conf.d/evpn-node.conf',
    ]);
  });

  test('--output DIR: laid out as installed, mode 0644, and the enable commands', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evpn-units-cli-'));
    dirs.push(dir);
    const c = ctx();
    expect(await runUnits(c.ctx, { format: 'quadlet', podmanVersion: '5.4', output: dir, ...opts })).toBe(0);
    const pod = join(dir, 'etc/containers/systemd/evpn-node-router.pod');
    expect((await stat(pod)).mode & 0o777).toBe(0o644);
    expect(await readFile(pod, 'utf8')).toMatch(/^Network=ns:\/run\/netns\/evpn-node$/m);
    expect((await stat(join(dir, 'etc/systemd/system/evpn-node.target'))).isFile()).toBe(true);
    const text = c.out.join('\n');
    expect(text).toContain(`wrote ${pod}`);
    expect(text).toContain('systemctl enable --now evpn-node.target');
    expect(text).toContain(`cp -r --preserve=mode ${dir}/etc/. /etc/`);
  });

  test('a bad image reference is a usage error (exit 2), nothing written', async () => {
    await expect(runUnits(ctx().ctx, { format: 'systemd', ...opts, frrImage: 'quay.io/frr:10 --privileged' })).rejects.toThrow(UsageError);
  });
});

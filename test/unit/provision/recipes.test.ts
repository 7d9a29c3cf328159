// The provisioning recipes in etc/provision: their evpn-node config validates, the cloud-init
// script is valid sh and generates the units from the image, and the Butane file uses only what
// the fcos 1.5.0 spec has and embeds exactly the tree `evpn-node units --output` writes.
// The real cloud-init validates and boots the cloud-init one in the lab (test/lab/node.sh);
// butane is in neither Debian nor npm, so the Butane file is checked here against the spec's keys.
import { describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfigTexts } from '../../../src/config/load.js';
import { renderUnits } from '../../../src/systemd/units.js';

const dir = join(import.meta.dirname, '../../../etc/provision');
const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
// Butane (go-yaml) and cloud-init (PyYAML) read YAML 1.1: `mode: 0644` is octal there.
const parse11 = (text: string): unknown => parse(text, { version: '1.1' });
const configIssues = (yaml: string): string[] =>
  loadConfigTexts([{ path: 'config.yaml', text: yaml }]).issues.map(
    (i) => `${i.line}:${i.col} ${i.path}: ${i.message}`,
  );

describe('cloud-init (etc/provision/cloud-init.yaml)', () => {
  const text = read('cloud-init.yaml');
  const doc = parse11(text) as {
    write_files: Array<{ path: string; content: string; permissions: string }>;
    runcmd: string[][];
  };

  test('a #cloud-config document whose config.yaml validates', () => {
    expect(text.split('\n')[0]).toBe('#cloud-config');
    const conf = doc.write_files.find((f) => f.path === '/etc/evpn-node/config.yaml');
    expect(conf?.permissions).toBe('0644');
    expect(configIssues(conf?.content ?? '')).toEqual([]);
  });

  test('the script is valid sh: archives unless the image is there, units from the image, then the target', async () => {
    const [cmd, flag, script = ''] = doc.runcmd[0] ?? [];
    expect([cmd, flag]).toEqual(['sh', '-ec']);
    expect((await execa('sh', ['-n'], { input: script, reject: false })).exitCode).toBe(0);
    expect(script).toMatch(
      /^podman image exists "\$FRR_IMAGE" \|\| curl -fsSL -o "\$images\/frr\.tar" "\$IMAGES_URL\/frr\.tar"$/m,
    );
    expect(script).toMatch(/units --output \/host --kubelet "\$KUBELET"/);
    expect(script.trim().split('\n').at(-1)).toBe('systemctl enable --now evpn-node.target');
  });
});

// The Butane fcos v1.5.0 keys this recipe may use (the spec's storage and systemd sections).
const BUTANE_KEYS: Record<string, string[]> = {
  '': ['variant', 'version', 'storage', 'systemd'],
  storage: ['directories', 'files', 'trees', 'links'],
  'storage.directories[]': ['path', 'mode', 'user', 'group', 'overwrite'],
  'storage.files[]': ['path', 'mode', 'contents', 'user', 'group', 'overwrite', 'append'],
  'storage.files[].contents': ['inline', 'local', 'source', 'compression', 'verification', 'http_headers'],
  'storage.trees[]': ['local', 'path'],
  systemd: ['units'],
  'systemd.units[]': ['name', 'enabled', 'mask', 'contents', 'contents_local', 'dropins'],
};

function unknownKeys(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => unknownKeys(x, `${at}[]`));
  if (typeof v !== 'object' || v === null) return [];
  const allowed = BUTANE_KEYS[at];
  if (!allowed) return [];
  return Object.entries(v).flatMap(([k, x]) =>
    allowed.includes(k) ? unknownKeys(x, at ? `${at}.${k}` : k) : [`${at || '(top)'}: ${k}`],
  );
}

describe('Butane (etc/provision/evpn-node.bu)', () => {
  const doc = parse11(read('evpn-node.bu')) as {
    variant: string;
    version: string;
    storage: {
      files: Array<{ path: string; mode: number; contents: { inline?: string; source?: string } }>;
      trees: Array<{ local: string; path: string }>;
    };
    systemd: { units: Array<{ name: string; enabled: boolean }> };
  };

  test('fcos 1.5.0, and no key the spec does not have', () => {
    expect([doc.variant, doc.version]).toEqual(['fcos', '1.5.0']);
    expect(unknownKeys(doc)).toEqual([]);
  });

  test('the config validates; both archives come from a source into the images directory', () => {
    const conf = doc.storage.files.find((f) => f.path === '/etc/evpn-node/config.yaml');
    expect(conf?.mode).toBe(0o644);
    expect(configIssues(conf?.contents.inline ?? '')).toEqual([]);
    const archives = doc.storage.files.filter((f) => f.contents.source).map((f) => f.path);
    expect(archives).toEqual(['/var/lib/evpn-node/images/evpn-node.tar', '/var/lib/evpn-node/images/frr.tar']);
  });

  test('the tree it embeds is what `units --output` writes (all under etc/), and the target is enabled', () => {
    expect(doc.storage.trees).toEqual([{ local: 'etc', path: '/etc' }]);
    for (const format of ['systemd', 'quadlet'] as const) {
      const paths = renderUnits({
        format,
        controllerImage: 'localhost/evpn-node:latest',
        frrImage: 'quay.io/frrouting/frr:10.3.1',
        podmanVersion: '5.4',
        kubelet: 'openshift',
      }).map((f) => f.path);
      expect(paths.every((p) => p.startsWith('/etc/'))).toBe(true);
      expect(paths).toContain('/etc/systemd/system/evpn-node.target');
    }
    expect(doc.systemd.units).toEqual([{ name: 'evpn-node.target', enabled: true }]);
  });
});

// Passwords: inline or from a passwordFile; file problems name the path, never the contents.

import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, formatIssue } from '../../../src/config/errors.js';
import { loadConfig } from '../../../src/config/load.js';
import { checkSecretFiles, readSecrets } from '../../../src/config/secrets.js';
import { BASE, withDropIn } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evpn-secrets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const secretFile = async (name: string, contents: string, mode = 0o600): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, contents);
  await chmod(path, mode);
  return path;
};

/** BASE's neighbor (index 0) has no password; index 1 has the given one. */
const configWith = (password: string) => {
  const r = withDropIn(`underlay:\n  neighbors:\n    - address: 10.1.1.1\n      asn: 1\n      ${password}\n`);
  if (!r.config) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r;
};

describe('readSecrets', () => {
  test('inline password and passwordFile (one trailing newline dropped), by neighbor index', async () => {
    const file = await secretFile('tor2', 's3cret-from-file\n');
    const r = withDropIn(
      `underlay:\n  neighbors:\n    - {address: 10.1.1.1, asn: 1, password: inline-pw}\n    - {address: 10.1.1.2, asn: 1, passwordFile: ${file}}\n`,
    );
    expect(await readSecrets(r.config!)).toEqual(
      new Map([
        [1, 'inline-pw'],
        [2, 's3cret-from-file'],
      ]),
    );
  });

  test('a missing file is a ConfigError naming the path', async () => {
    const missing = join(dir, 'absent');
    const r = configWith(`passwordFile: ${missing}`);
    const err = await readSecrets(r.config!, r.positions).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map(formatIssue)).toEqual([
      `d.yaml:5:21: underlay.neighbors[1].passwordFile: cannot read ${missing} (no such file)`,
    ]);
  });

  test('contents are validated like a password and never echoed', async () => {
    const file = await secretFile('multi', 'first-line\nline vty\n');
    const r = configWith(`passwordFile: ${file}`);
    const err = (await readSecrets(r.config!).catch((e: unknown) => e)) as ConfigError;
    expect(err.issues[0]?.message).toContain(`contents of ${file} must not contain a newline`);
    expect(err.message).not.toContain('first-line');
    expect(err.message).not.toContain('line vty');
  });

  test('an empty file is refused', async () => {
    const file = await secretFile('empty', '\n');
    const r = configWith(`passwordFile: ${file}`);
    const err = (await readSecrets(r.config!).catch((e: unknown) => e)) as ConfigError;
    expect(err.issues[0]?.message).toBe(`contents of ${file} must not be empty`);
  });
});

describe('checkSecretFiles', () => {
  test('a file readable by group or others is a warning; 0600 is quiet', async () => {
    const open = await secretFile('open', 'pw\n', 0o644);
    const r = configWith(`passwordFile: ${open}`);
    expect((await checkSecretFiles(r.config!, r.positions)).map(formatIssue)).toEqual([
      `d.yaml:5:21: warning: underlay.neighbors[1].passwordFile: ${open} is readable by group or others (mode 0644); chmod 600 it`,
    ]);
    const closed = await secretFile('closed', 'pw\n', 0o600);
    expect(await checkSecretFiles(configWith(`passwordFile: ${closed}`).config!, r.positions)).toEqual([]);
  });

  test('loadConfig runs it: the warning, or the error for a missing file', async () => {
    const open = await secretFile('open2', 'pw\n', 0o640);
    const main = join(dir, 'config.yaml');
    await writeFile(main, `${BASE}      passwordFile: ${open}\n`);
    const warned = await loadConfig(main);
    expect(warned.ok).toBe(true);
    expect(warned.issues.map(formatIssue)).toEqual([
      `${main}:10:21: warning: underlay.neighbors[0].passwordFile: ${open} is readable by group or others (mode 0640); chmod 600 it`,
    ]);
    await writeFile(main, `${BASE}      passwordFile: ${join(dir, 'gone')}\n`);
    const failed = await loadConfig(main);
    expect(failed.ok).toBe(false);
    expect(failed.config).toBeUndefined();
  });
});

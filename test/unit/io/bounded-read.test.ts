// Files someone else controls are read bounded by type, size and time: a passwordFile pointing
// at a FIFO hung `validate` forever, at /dev/zero it ate 600 MB.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FileReadError, readBoundedText } from '../../../src/io/bounded-read.js';
import { loadConfig } from '../../../src/config/load.js';
import { formatIssue } from '../../../src/config/errors.js';
import { BASE } from '../config/helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hd-bounded-'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const failure = async (p: Promise<unknown>): Promise<FileReadError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(FileReadError);
  return e as FileReadError;
};

test('a FIFO is refused at once, without waiting for a writer', async () => {
  const t = performance.now();
  const e = await failure(readBoundedText(join(dir, 'fifo'), { maxBytes: 4096, what: 'passwordFile' }));
  expect(e.code).toBe('ENOTREG');
  expect(e.message).toBe(`cannot read passwordFile ${join(dir, 'fifo')} (a FIFO, not a regular file)`);
  expect(performance.now() - t).toBeLessThan(5000);
});

test('/dev/zero, a directory and a file over the limit are refused; /proc files and regular files are read', async () => {
  expect((await failure(readBoundedText('/dev/zero', { maxBytes: 4096 }))).reason).toBe(
    'a character device, not a regular file',
  );
  expect((await failure(readBoundedText(dir, { maxBytes: 4096 }))).reason).toBe('a directory, not a regular file');
  await writeFile(join(dir, 'big'), 'x'.repeat(5000));
  expect((await failure(readBoundedText(join(dir, 'big'), { maxBytes: 4096 }))).reason).toBe('larger than 4 KiB');
  expect((await failure(readBoundedText(join(dir, 'nope'), { maxBytes: 4096 }))).code).toBe('ENOENT');
  expect(await readBoundedText(join(dir, 'big'), { maxBytes: 5000 })).toHaveLength(5000);
  // procfs: size 0 in stat, read to its end.
  expect(await readBoundedText('/proc/self/status', { maxBytes: 64 * 1024 })).toMatch(/^Name:/);
  expect((await failure(readBoundedText('/proc/self/status', { maxBytes: 16 }))).reason).toBe('larger than 16 bytes');
});

test('validate with a passwordFile at a FIFO or /dev/zero: one error each, at once', async () => {
  const main = join(dir, 'config.yaml');
  const neighbor = (file: string, ip: string) =>
    `    - address: ${ip}\n      asn: 64512\n      passwordFile: ${file}\n`;
  await writeFile(main, `${BASE}${neighbor(join(dir, 'fifo'), '192.0.2.1')}${neighbor('/dev/zero', '192.0.2.2')}`);
  const t = performance.now();
  const r = await loadConfig(main);
  expect(performance.now() - t).toBeLessThan(5000);
  expect(r.issues.map(formatIssue)).toEqual([
    `${main}:12:21: underlay.neighbors[1].passwordFile: cannot read ${join(dir, 'fifo')} (a FIFO, not a regular file)`,
    `${main}:15:21: underlay.neighbors[2].passwordFile: cannot read /dev/zero (a character device, not a regular file)`,
  ]);
});

test('a config file at a FIFO is refused too', async () => {
  const r = await loadConfig(join(dir, 'fifo'));
  expect(r.issues.map(formatIssue)).toEqual([
    `${join(dir, 'fifo')}: cannot read the config file (a FIFO, not a regular file)`,
  ]);
});

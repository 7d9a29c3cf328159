// Files evpn-node writes (frr.conf, last-good.yaml, status.json, kubelet.env) are written
// atomically: temp file in the same directory, fsync, rename over, fsync the directory.
// A crash leaves either the old or the new file, never half of one.

import { open, mkdir, rename, rm } from 'node:fs/promises';
import { FileReadError, MIB, readBoundedText } from './bounded-read.js';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface WriteOptions {
  /** File mode; default 0600 (configs may hold secrets). */
  mode?: number;
  /** Mode of directories created on the way; default 0700. */
  dirMode?: number;
}

export async function writeFileAtomic(path: string, data: string, opts: WriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: opts.dirMode ?? 0o700 });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', opts.mode ?? 0o600);
  try {
    await fh.writeFile(data);
    // open() applies the umask; chmod makes the mode exact.
    await fh.chmod(opts.mode ?? 0o600);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/**
 * The file's text, or undefined when it does not exist. Only a regular file of at most
 * `maxBytes` (default 64 MiB) is read (bounded-read.ts): what is read here is ours (frr.conf,
 * last-good.yaml, status.json, try.json), but a path can be pointed elsewhere by a config.
 */
export async function readIfExists(path: string, maxBytes = 64 * MIB): Promise<string | undefined> {
  try {
    return await readBoundedText(path, { maxBytes });
  } catch (e) {
    if (e instanceof FileReadError && e.code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Write only when the content differs; returns true when it wrote. */
export async function writeIfChanged(path: string, data: string, opts: WriteOptions = {}): Promise<boolean> {
  if ((await readIfExists(path)) === data) return false;
  await writeFileAtomic(path, data, opts);
  return true;
}

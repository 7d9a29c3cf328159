// Reading a file that someone else controls, bounded three ways: by type (a regular file only,
// opened O_NONBLOCK so that a FIFO cannot block the open: a passwordFile pointing at a FIFO hung
// `validate`), by size (/dev/zero as a passwordFile ate 600 MB), and by time (a file on a hung
// network mount blocks a libuv thread forever; the caller gets an error naming the file, the
// read itself cannot be cancelled). procfs files count as regular files of size 0 and are read
// to their end within the same byte limit.

import { constants } from 'node:fs';
import { OperationalError } from '../errors.js';
import { open, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';

export interface ReadLimits {
  /** More than this many bytes is an error (ETOOBIG). */
  maxBytes: number;
  /** Default 10 s. */
  timeoutMs?: number;
  /** What the file is, for messages: "passwordFile", "config file". */
  what?: string;
}

/**
 * code: an errno from the open (ENOENT, EACCES, ...), or ENOTREG, ETOOBIG, ETIMEDOUT. The message
 * names the file; `reason` is the short why ("no such file", "a FIFO, not a regular file").
 */
export class FileReadError extends OperationalError {
  override name = 'FileReadError';
  readonly reason: string;
  constructor(
    what: string,
    path: string,
    readonly code: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot read ${what} ${path} (${reason})`, options);
    this.reason = reason;
    this.path = path;
  }
  readonly path: string;
}

export const KIB = 1024;
export const MIB = 1024 * KIB;

/** A config file larger than this is refused unread (a 1000-VNI config is about 100 KiB). */
export const MAX_CONFIG_BYTES = 4 * MIB;

/** The text of a regular file of at most `maxBytes`; throws FileReadError. */
export async function readBoundedText(path: string, limits: ReadLimits): Promise<string> {
  return (await readBounded(path, limits)).text;
}

/** The text and permission bits of a regular file of at most `maxBytes`; throws FileReadError. */
export async function readBounded(path: string, limits: ReadLimits): Promise<{ text: string; mode: number }> {
  const what = limits.what ?? 'file';
  const timeoutMs = limits.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new FileReadError(
            what,
            path,
            'ETIMEDOUT',
            `the read did not finish within ${timeoutMs / 1000} s: a hung mount?`,
          ),
        ),
      timeoutMs,
    );
  });
  const work = readIt(path, what, limits.maxBytes);
  // A read that finishes after the timeout must not become an unhandled rejection.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function readIt(path: string, what: string, maxBytes: number): Promise<{ text: string; mode: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new FileReadError(what, path, code, code === 'ENOENT' ? 'no such file' : code, { cause: e });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new FileReadError(what, path, 'ENOTREG', `${kindOf(st)}, not a regular file`);
    if (st.size > maxBytes) throw tooBig(what, path, maxBytes);
    // procfs reports size 0: read in chunks to the end, never past maxBytes + 1.
    let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(st.size + 1, 4 * KIB)));
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (buf.length > maxBytes) throw tooBig(what, path, maxBytes);
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, got);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, got, buf.length - got, null);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got > maxBytes) throw tooBig(what, path, maxBytes);
    return { text: buf.toString('utf8', 0, got), mode: st.mode & 0o7777 };
  } finally {
    await fh.close();
  }
}

const tooBig = (what: string, path: string, maxBytes: number): FileReadError =>
  new FileReadError(what, path, 'ETOOBIG', `larger than ${sizeText(maxBytes)}`);

const sizeText = (n: number): string =>
  n % MIB === 0 ? `${n / MIB} MiB` : n % KIB === 0 ? `${n / KIB} KiB` : `${n} bytes`;

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

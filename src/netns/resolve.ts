// FRR's pidfile -> /proc/PID/ns/net -> the named netns (under /run/netns) with the same inode.
// The pidfile is authoritative: it says where FRR runs now. The name is how `ip -n` reaches it
// (the router pod joins a named netns so plumbing survives FRR container restarts; when FRR
// runs in an unnamed netns we attach a name to it).

import { readdir, stat } from 'node:fs/promises';
import { FileReadError, KIB, readBoundedText } from '../io/bounded-read.js';
import { CommandTimeoutError, runCaptured, type RunResult } from '../io/capture.js';
import { messageOf, OperationalError } from '../errors.js';

export interface RouterNetns {
  /** Name under /run/netns, usable with `ip -n`. */
  name: string;
  /** FRR's pid, from the pidfile. */
  pid: number;
  /** Inode of the netns: a change means the router pod was recreated (re-plumb from scratch). */
  inode: number;
  /** True when this call attached the name (it did not exist before). */
  attached: boolean;
}

export class NetnsError extends OperationalError {
  override name = 'NetnsError';
}

export interface ResolveOptions {
  pidFile: string;
  /** Name to find or attach (runtime.netns). */
  preferredName: string;
  /** Attach a name when FRR's netns has none (default true). */
  attach?: boolean;
  /** For tests: where named netns live and which netns counts as "ours". */
  netnsDir?: string;
  selfNetns?: string;
  procDir?: string;
}

/** `ip netns attach` is one bind mount: seconds at most, even on a loaded machine. */
const ATTACH_TIMEOUT_MS = 30_000;

interface NsId {
  dev: number;
  ino: number;
}

const sameNs = (a: NsId, b: NsId): boolean => a.dev === b.dev && a.ino === b.ino;

async function nsId(path: string): Promise<NsId | undefined> {
  try {
    const s = await stat(path);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return undefined;
  }
}

export async function readPidFile(pidFile: string): Promise<number> {
  let text: string;
  try {
    text = await readBoundedText(pidFile, { maxBytes: 4 * KIB, what: 'FRR pidfile' });
  } catch (e) {
    if (e instanceof FileReadError && e.code === 'ENOENT')
      throw new NetnsError(`FRR pidfile ${pidFile} does not exist: is the router pod running?`, { cause: e });
    throw new NetnsError(messageOf(e), { cause: e });
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 1)
    throw new NetnsError(`FRR pidfile ${pidFile} holds no valid pid: ${JSON.stringify(text.trim().slice(0, 40))}`);
  return pid;
}

export async function resolveRouterNetns(opts: ResolveOptions): Promise<RouterNetns> {
  const netnsDir = opts.netnsDir ?? '/run/netns';
  const procDir = opts.procDir ?? '/proc';
  const pid = await readPidFile(opts.pidFile);
  const frrNs = await nsId(`${procDir}/${pid}/ns/net`);
  if (!frrNs) throw new NetnsError(`stale FRR pidfile ${opts.pidFile}: process ${pid} does not exist`);
  const self = await nsId(opts.selfNetns ?? `${procDir}/self/ns/net`);
  if (self && sameNs(self, frrNs)) {
    throw new NetnsError(
      `FRR (pid ${pid}) runs in the host's own network namespace: the router pod must have its own netns (${netnsDir}/${opts.preferredName})`,
    );
  }

  // The preferred name first, then any other name that already points at FRR's netns.
  const names = await readdir(netnsDir).catch(() => [] as string[]);
  const ordered = [opts.preferredName, ...names.filter((n) => n !== opts.preferredName).sort()];
  let preferredTaken = false;
  for (const name of ordered) {
    const id = await nsId(`${netnsDir}/${name}`);
    if (!id) continue;
    if (sameNs(id, frrNs)) return { name, pid, inode: frrNs.ino, attached: false };
    if (name === opts.preferredName) preferredTaken = true;
  }

  if (opts.attach === false) throw new NetnsError(`FRR's netns (pid ${pid}) has no name under ${netnsDir}`);
  // The preferred name points at another netns (a pod recreated outside the named netns):
  // keep that one intact and give FRR's netns a name of its own.
  const name = preferredTaken ? `${opts.preferredName}-${pid}` : opts.preferredName;
  let r: RunResult;
  try {
    r = await runCaptured('ip', ['netns', 'attach', name, String(pid)], undefined, { timeoutMs: ATTACH_TIMEOUT_MS });
  } catch (e) {
    if (e instanceof CommandTimeoutError)
      throw new NetnsError(
        `ip netns attach ${name} ${pid} did not finish within ${ATTACH_TIMEOUT_MS / 1000} s: killed`,
        { cause: e },
      );
    throw new NetnsError(`cannot attach netns name ${name} to pid ${pid}: ${messageOf(e)}`, { cause: e });
  }
  if (r.exitCode !== 0) throw new NetnsError(`cannot attach netns name ${name} to pid ${pid}: ${r.stderr.trim()}`);
  return { name, pid, inode: frrNs.ino, attached: true };
}

// IO: the underlay NICs' snapshots (kernel/nic-snapshot.ts) in <stateDir>/underlay/<nic>.json,
// one file per NIC, written atomically (temp + fsync + rename + fsync of the directory) with
// mode 0600 BEFORE the NIC leaves the host, removed once teardown has given it back. In the
// state dir, not the run dir: a NIC handed back bare after a reboot must find it too.

import { rm } from 'node:fs/promises';
import type { RuntimeConfig } from '../config/types.js';
import { readIfExists, writeFileAtomic } from '../io/atomic-file.js';
import { parseSnapshot, type NicSnapshot } from '../kernel/nic-snapshot.js';
import { nicSnapshotPath, safeNicName as safeName } from './state-files.js';

/** The snapshots on disk of these NICs (a missing or unreadable one is left out). */
export async function readNicSnapshots(rt: RuntimeConfig, nics: string[]): Promise<Map<string, NicSnapshot>> {
  const out = new Map<string, NicSnapshot>();
  for (const nic of nics) {
    if (!safeName(nic)) continue;
    const text = await readIfExists(nicSnapshotPath(rt, nic));
    const s = text === undefined ? undefined : parseSnapshot(text, nic);
    if (s) out.set(nic, s);
  }
  return out;
}

export const writeNicSnapshot = (rt: RuntimeConfig, s: NicSnapshot): Promise<void> =>
  writeFileAtomic(
    nicSnapshotPath(rt, s.nic),
    `${JSON.stringify({ ...s, takenAt: new Date().toISOString() }, null, 2)}\n`,
    { mode: 0o600, dirMode: 0o700 },
  );

export const removeNicSnapshot = async (rt: RuntimeConfig, nic: string): Promise<void> => {
  if (safeName(nic)) await rm(nicSnapshotPath(rt, nic), { force: true });
};

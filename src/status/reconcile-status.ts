// status.json as `status` and `health` read it: whatever the writer (a one-shot apply, or the
// daemon with its extra fields) put there, checked field by field, never trusted blindly.

import type { RuntimeConfig } from '../config/types.js';
import { readIfExists } from '../io/atomic-file.js';
import { statusPath, type ReconcileStatus } from '../reconcile/state-files.js';

export type StatusFile =
  | { found: true; path: string; status: ReconcileStatus }
  | { found: false; path: string; reason: string };

export async function readStatusFile(rt: RuntimeConfig): Promise<StatusFile> {
  const path = statusPath(rt);
  let text: string | undefined;
  try {
    text = await readIfExists(path);
  } catch (e) {
    return { found: false, path, reason: `cannot read ${path}: ${(e as Error).message}` };
  }
  if (text === undefined) return { found: false, path, reason: `no reconcile yet (${path} does not exist)` };
  return parseStatusFile(path, text);
}

/** Pure: the typed status, or why the text is not one. */
export function parseStatusFile(path: string, text: string): StatusFile {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { found: false, path, reason: `${path} is not JSON` };
  }
  const s = o as Partial<ReconcileStatus> | null;
  if (typeof s !== 'object' || s === null || typeof s.ok !== 'boolean' || typeof s.at !== 'string') {
    return { found: false, path, reason: `${path} has no "ok"/"at" fields` };
  }
  const status: ReconcileStatus = {
    ...(s as ReconcileStatus),
    durationMs: typeof s.durationMs === 'number' ? s.durationMs : 0,
    kernelOps: typeof s.kernelOps === 'number' ? s.kernelOps : 0,
    frrReloaded: s.frrReloaded === true,
    conflicts: Array.isArray(s.conflicts) ? s.conflicts.map(String) : [],
    configFiles: Array.isArray(s.configFiles) ? s.configFiles.map(String) : [],
  };
  return { found: true, path, status };
}

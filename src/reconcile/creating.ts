// IO: <runDir>/creating.json, the links ("ns:name") a converge is about to create — written
// (atomically, synced) before the batch that creates them, removed once that batch has marked
// them ours. A run killed in between leaves it, and the next plan adopts the unmarked ones
// (kernel/adopt.ts). In the run dir: links do not survive a reboot either.

import { rm } from 'node:fs/promises';
import type { RuntimeConfig } from '../config/types.js';
import { readIfExists, writeFileAtomic } from '../io/atomic-file.js';
import { creatingPath } from './state-files.js';

export async function readCreating(rt: RuntimeConfig): Promise<Set<string>> {
  const text = await readIfExists(creatingPath(rt));
  if (text === undefined) return new Set();
  try {
    const o = JSON.parse(text) as { links?: unknown };
    return new Set(
      Array.isArray(o.links)
        ? o.links.filter((k): k is string => typeof k === 'string' && /^(host|router):[A-Za-z0-9._-]{1,15}$/.test(k))
        : [],
    );
  } catch {
    return new Set();
  }
}

export const writeCreating = (rt: RuntimeConfig, links: Iterable<string>): Promise<void> =>
  writeFileAtomic(creatingPath(rt), `${JSON.stringify({ at: new Date().toISOString(), links: [...links].sort() })}\n`, {
    mode: 0o644,
    dirMode: 0o755,
  });

export const clearCreating = (rt: RuntimeConfig): Promise<void> => rm(creatingPath(rt), { force: true });

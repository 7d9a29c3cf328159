// FRR's config dir as evpn-node keeps it: `daemons` and `vtysh.conf` (shipped templates, needed
// before FRR starts) and `frr.conf` (rendered). frr.conf is written atomically with mode 0600
// because it holds BGP passwords; FRR loads it as root through `vtysh -b`.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readIfExists, writeFileAtomic, writeIfChanged } from '../io/atomic-file.js';

const TEMPLATES = new URL('../../templates/', import.meta.url);

export const frrConfPath = (frrConfigDir: string): string => join(frrConfigDir, 'frr.conf');

/** Write `daemons` and `vtysh.conf` when missing or different; returns the files written. */
export async function ensureFrrSupportFiles(frrConfigDir: string): Promise<string[]> {
  const written: string[] = [];
  for (const name of ['daemons', 'vtysh.conf']) {
    const text = await readFile(new URL(name, TEMPLATES), 'utf8');
    if (await writeIfChanged(join(frrConfigDir, name), text, { mode: 0o644, dirMode: 0o755 })) written.push(name);
  }
  return written;
}

export const readFrrConf = (frrConfigDir: string): Promise<string | undefined> =>
  readIfExists(frrConfPath(frrConfigDir));

export const writeFrrConf = (frrConfigDir: string, text: string): Promise<void> =>
  writeFileAtomic(frrConfPath(frrConfigDir), text, { mode: 0o600, dirMode: 0o755 });

// File watching with chokidar. chokidar watches only paths that exist, and the FRR pidfile's
// directory disappears and comes back when FRR restarts (a test fabric's /var/run/frr/<ns>, a
// pod's runtime dir). So each file is watched from its grandparent directory (or the nearest
// ancestor that exists), with every event outside the path chain ignored: the watch survives
// the parent directory being removed and created again.

import { watch, type FSWatcher } from 'chokidar';
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

export interface WatchTarget {
  /** A file to watch, or a directory whose direct children are watched (config.d/). */
  path: string;
  dirChildren?: boolean;
}

export interface PathWatcher {
  close(): Promise<void>;
}

/** Calls `onEvent(path)` for every add/change/unlink of a target (or a target dir's child). */
export function watchPaths(
  targets: readonly WatchTarget[],
  onEvent: (path: string, event: string) => void,
): PathWatcher {
  const watchers: FSWatcher[] = [];
  for (const t of targets) {
    const base = watchBase(t.path);
    const chain = new Set<string>();
    for (let p = t.path; p !== base && p !== dirname(p); p = dirname(p)) chain.add(p);
    chain.add(base);
    const depth = relative(base, t.path).split(sep).length - 1 + (t.dirChildren ? 1 : 0);
    const relevant = (p: string): boolean => chain.has(p) || (t.dirChildren === true && dirname(p) === t.path);
    const w = watch(base, { ignoreInitial: true, depth, ignored: (p: string) => !relevant(p) });
    w.on('all', (event, p) => {
      if (p !== base && relevant(p)) onEvent(p, event);
    });
    // A watch error (EACCES, too many watches) must not kill the daemon: the drift check
    // re-reads the pidfile and the config anyway.
    w.on('error', () => undefined);
    watchers.push(w);
  }
  return {
    close: async () => {
      await Promise.all(watchers.map((w) => w.close()));
    },
  };
}

/** The grandparent of `path` if it exists, else the nearest ancestor that does. */
function watchBase(path: string): string {
  let base = dirname(dirname(path));
  while (!existsSync(base) && base !== dirname(base)) base = dirname(base);
  return base;
}

/** The files a config change can come from: main file, config.d/ entries, passwordFiles. */
export function configTargets(configPath: string, passwordFiles: readonly string[]): WatchTarget[] {
  return [
    { path: configPath },
    { path: join(dirname(configPath), 'config.d'), dirChildren: true },
    ...[...new Set(passwordFiles)].map((path) => ({ path })),
  ];
}

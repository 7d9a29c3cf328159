// What this build is: the package version and the git revision it was built from. Both are
// stamped at build time into dist/build-info.json (scripts/build-info; the image build passes
// the revision, its context has no .git). Read once, synchronously: `--version` and the units'
// header need it before anything else runs.

import { readFileSync } from 'node:fs';

export interface BuildInfo {
  version: string;
  /** Short git revision, "-dirty" when built from a changed work tree; "unknown" when not stamped. */
  revision: string;
}

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (cached) return cached;
  // dist/version.js next to dist/build-info.json; src/ and dist/ are both one level below the
  // package root, so package.json is the fallback for an unstamped tree (vitest runs src/).
  const stamped = readJson(new URL('./build-info.json', import.meta.url));
  const pkg = readJson(new URL('../package.json', import.meta.url));
  const version = str(stamped?.version) ?? str(pkg?.version) ?? '0.0.0';
  cached = { version, revision: str(stamped?.revision) ?? 'unknown' };
  return cached;
}

/** "0.1.0 (91a1c53324b7)", or "0.1.0" when the revision is not known. */
export function versionText(b: BuildInfo = buildInfo()): string {
  return b.revision === 'unknown' ? b.version : `${b.version} (${b.revision})`;
}

function readJson(url: URL): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(readFileSync(url, 'utf8')) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

// Neighbor passwords: inline or from a passwordFile. The only config code that reads secrets;
// messages name the file and the rule, never the contents.

import { ConfigError, type ConfigIssue } from './errors.js';
import { formatPath, type Path, type Positions } from './positions.js';
import { PASSWORD_SCHEMA } from './schema.js';
import type { Config } from './types.js';
import { checkString } from './validate-structure.js';
import { FileReadError, KIB, readBounded } from '../io/bounded-read.js';
import { messageOf } from '../errors.js';

/** Neighbor index -> password, for every neighbor that has one. Throws ConfigError. */
export async function readSecrets(config: Config, positions?: Positions): Promise<Map<number, string>> {
  const secrets = new Map<number, string>();
  const issues: ConfigIssue[] = [];
  for (const [i, n] of config.underlay.neighbors.entries()) {
    if (n.password !== undefined) secrets.set(i, n.password);
    else if (n.passwordFile !== undefined) {
      const r = await readPasswordFile(n.passwordFile);
      if ('password' in r) secrets.set(i, r.password);
      else issues.push(issueAt(positions, ['underlay', 'neighbors', i, 'passwordFile'], r.problem, 'error'));
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return secrets;
}

/**
 * Checks every passwordFile without keeping its contents: an unreadable file or bad contents
 * is an error, a file readable by group or others a warning (SPEC).
 */
export async function checkSecretFiles(config: Config, positions: Positions): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  for (const [i, n] of config.underlay.neighbors.entries()) {
    if (n.passwordFile === undefined) continue;
    const at: Path = ['underlay', 'neighbors', i, 'passwordFile'];
    const r = await readPasswordFile(n.passwordFile);
    if ('problem' in r) {
      issues.push(issueAt(positions, at, r.problem, 'error'));
      continue;
    }
    if (r.mode & 0o044) {
      issues.push(
        issueAt(
          positions,
          at,
          `${n.passwordFile} is readable by group or others (mode ${r.mode.toString(8).padStart(4, '0')}); chmod 600 it`,
          'warning',
        ),
      );
    }
  }
  return issues;
}

type PasswordRead = { password: string; mode: number } | { problem: string };

/**
 * A passwordFile: a regular file (a FIFO would block, /dev/zero never ends) of at most 4 KiB
 * (a TCP MD5 key is at most 80 characters), read within 10 s.
 */
async function readPasswordFile(path: string): Promise<PasswordRead> {
  let text: string;
  let mode: number;
  try {
    ({ text, mode } = await readBounded(path, { maxBytes: 4 * KIB, what: 'passwordFile' }));
  } catch (e) {
    return { problem: e instanceof FileReadError ? `cannot read ${path} (${e.reason})` : messageOf(e) };
  }
  // `echo secret > file` leaves one newline; more than that is in the password.
  const password = text.endsWith('\n') ? text.slice(0, -1) : text;
  const why = checkString(PASSWORD_SCHEMA, password);
  return why ? { problem: `contents of ${path} ${why}` } : { password, mode };
}

function issueAt(
  positions: Positions | undefined,
  path: Path,
  message: string,
  severity: ConfigIssue['severity'],
): ConfigIssue {
  const pos = positions?.at(path) ?? { file: '', line: 0, col: 0 };
  return { ...pos, path: formatPath(path), message, severity };
}

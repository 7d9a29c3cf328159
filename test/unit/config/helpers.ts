// Shared by the config unit tests: load YAML texts through the public pure entry point and look
// at issues the way a user sees them (formatIssue lines).

import { formatIssue } from '../../../src/config/errors.js';
import { loadConfigTexts, type LoadResult } from '../../../src/config/load.js';

/** A valid main file; tests put their part in a drop-in (d.yaml), so its lines start at 1. */
export const BASE = `node:
  index: 3
underlay:
  asn: 64514
  nic: eth1
  vtepCIDR: 100.65.0.0/24
  neighbors:
    - address: 192.168.11.2
      asn: 64512
`;

/** config.yaml = BASE, d.yaml = dropIn. */
export const withDropIn = (dropIn: string): LoadResult =>
  loadConfigTexts([
    { path: 'config.yaml', text: BASE },
    { path: 'd.yaml', text: dropIn },
  ]);

/** One file, named x.yaml. */
export const single = (text: string): LoadResult => loadConfigTexts([{ path: 'x.yaml', text }]);

export const lines = (r: LoadResult): string[] => r.issues.map(formatIssue);
export const errorLines = (r: LoadResult): string[] =>
  r.issues.filter((i) => i.severity === 'error').map(formatIssue);
export const warningLines = (r: LoadResult): string[] =>
  r.issues.filter((i) => i.severity === 'warning').map(formatIssue);

/** Errors of a drop-in (BASE + dropIn). */
export const dropInErrors = (dropIn: string): string[] => errorLines(withDropIn(dropIn));

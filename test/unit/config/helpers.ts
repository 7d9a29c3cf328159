// Shared by the config unit tests: load YAML texts through the public pure entry point and look
// at issues the way a user sees them (formatIssue lines).

import { formatIssue } from '../../../src/config/errors.js';
import { loadConfigTexts, type LoadResult } from '../../../src/config/load.js';
import { BASE_YAML } from '../../helpers/config.js';

/** A valid main file (the shared base node); tests put their part in a drop-in (d.yaml), so its lines start at 1. */
export const BASE = BASE_YAML;

/** config.yaml = BASE, d.yaml = dropIn. */
export const withDropIn = (dropIn: string): LoadResult =>
  loadConfigTexts([
    { path: 'config.yaml', text: BASE },
    { path: 'd.yaml', text: dropIn },
  ]);

/** One file, named x.yaml. */
export const single = (text: string): LoadResult => loadConfigTexts([{ path: 'x.yaml', text }]);

export const lines = (r: LoadResult): string[] => r.issues.map(formatIssue);
export const errorLines = (r: LoadResult): string[] => r.issues.filter((i) => i.severity === 'error').map(formatIssue);
export const warningLines = (r: LoadResult): string[] =>
  r.issues.filter((i) => i.severity === 'warning').map(formatIssue);

/** Errors of a drop-in (BASE + dropIn). */
export const dropInErrors = (dropIn: string): string[] => errorLines(withDropIn(dropIn));

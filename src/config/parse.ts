// One YAML file -> plain value + position tree. Syntax errors come back as issues with their
// position (never thrown), so the other files are still read and all errors come out at once.

import { LineCounter, parseAllDocuments, type YAMLError, type YAMLWarning } from 'yaml';
import type { ConfigIssue } from './errors.js';
import type { Layer } from './merge.js';
import { buildPosTree } from './positions.js';
import { checkYamlKeys } from './yaml-keys.js';
import { messageOf } from '../errors.js';

export interface ParsedFile {
  /** undefined when the file could not be used (syntax error, several documents, not a map). */
  layer?: Layer;
  issues: ConfigIssue[];
}

export function parseConfigFile(file: string, text: string): ParsedFile {
  const lc = new LineCounter();
  const issue = (offset: number, message: string, severity: ConfigIssue['severity'] = 'error'): ConfigIssue => {
    const { line, col } = lc.linePos(offset);
    return { file, line, col, path: '', message, severity };
  };
  // uniqueKeys: false: yaml's check is quadratic; yaml-keys.ts checks duplicates (and keys that are
  // JavaScript property names) in one pass before the document becomes a value.
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: false });
  // An empty file (or comments only) is an empty map: an empty drop-in is harmless.
  if (docs.length === 0) return { layer: { value: {}, pos: { pos: { file, line: 1, col: 1 } } }, issues: [] };
  const issues: ConfigIssue[] = [];
  for (const doc of docs) {
    for (const e of doc.errors) issues.push(yamlIssue(file, e, 'error'));
    for (const w of doc.warnings) issues.push(yamlIssue(file, w, 'warning'));
  }
  const [doc, second] = docs;
  if (second)
    issues.push(
      issue(
        second.range[0],
        'a config file holds one YAML document; remove the "---" and what follows or merge it into one',
      ),
    );
  if (!doc || issues.some((i) => i.severity === 'error')) return { issues };
  const keyIssues = checkYamlKeys(doc.contents, file, lc);
  if (keyIssues.length) return { issues: [...issues, ...keyIssues] };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // yaml throws on alias bombs (maxAliasCount) and on a few unresolvable constructs.
    issues.push(issue(0, `YAML: ${messageOf(e).split('\n')[0] ?? 'cannot be read'}`));
    return { issues };
  }
  if (value === null || value === undefined)
    return { layer: { value: {}, pos: { pos: { file, line: 1, col: 1 } } }, issues };
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.push(
      issue(doc.contents?.range?.[0] ?? 0, 'the top level must be a map of keys (node, underlay, l3vnis, ...)'),
    );
    return { issues };
  }
  return { layer: { value, pos: buildPosTree(doc, file, lc) }, issues };
}

/**
 * The first line of yaml's message without its "at line L, column C:" tail and without the
 * source excerpt it appends (which could be a password line).
 */
function yamlIssue(file: string, e: YAMLError | YAMLWarning, severity: ConfigIssue['severity']): ConfigIssue {
  const first = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?\s*$/, '');
  const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
  return { file, line: pos.line, col: pos.col, path: '', message: `YAML: ${first}`, severity };
}

// The keys of one parsed YAML document, checked in one linear walk over its syntax tree, before
// the document becomes a JavaScript value:
//
// - Duplicate keys. yaml's own `uniqueKeys` compares every key of a map with every earlier one
//   (O(n²): 10,000 keys in one map took 1.3 s of a 9 s `validate`), so the check is ours, with a
//   Set per map.
// - Names of JavaScript object properties (`__proto__`, `constructor`, `toString`, ...). Config
//   values are plain objects: `value[key] = ...` with `__proto__` replaces an object's prototype
//   (the merge of drop-ins did that, and `render` crashed on it), and a lookup of `toString` in a
//   map of known keys finds Object.prototype's function instead of nothing. No config key is
//   named like that, so such a key is refused wherever it appears, at any depth, in any file.

import { isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { ConfigIssue } from './errors.js';
import { formatPath, type PathSegment } from './positions.js';

/** Every property name of a plain object, and `prototype`. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

export function checkYamlKeys(root: unknown, file: string, lc: LineCounter): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const posOf = (node: unknown): { line: number; col: number } => lc.linePos((node as Node | null)?.range?.[0] ?? 0);
  // An explicit stack, not recursion (a deeply nested hostile file must not overflow the call
  // stack); each entry links to its parent, so a path is only built for an issue.
  interface Entry {
    node: unknown;
    seg?: PathSegment;
    parent?: Entry;
  }
  const pathOf = (e: Entry | undefined): PathSegment[] => {
    const out: PathSegment[] = [];
    for (let x = e; x?.seg !== undefined; x = x.parent) out.push(x.seg);
    return out.reverse();
  };
  const stack: Entry[] = [{ node: root }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const { node } = entry;
    // An alias points at a node walked where its anchor is.
    if (!node || isAlias(node)) continue;
    if (isMap(node)) {
      const seen = new Map<string, unknown>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        const child: Entry = { node: pair.value, seg: key ?? '?', parent: entry };
        if (key !== undefined && PROTOTYPE_KEYS.has(key)) {
          issues.push({
            file,
            ...posOf(pair.key),
            path: formatPath(pathOf(child)),
            message: `key ${JSON.stringify(key)} is not allowed: it names a JavaScript object property, and no config key is called that`,
            severity: 'error',
          });
          continue;
        }
        if (key !== undefined) {
          const first = seen.get(key);
          if (first !== undefined) {
            issues.push({
              file,
              ...posOf(pair.key),
              path: '',
              message: `YAML: Map keys must be unique (${JSON.stringify(key)} is also at line ${posOf(first).line})`,
              severity: 'error',
            });
          } else seen.set(key, pair.key);
        }
        stack.push(child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, seg: i, parent: entry }));
    }
  }
  return issues;
}

// A config file's text as `validate` quotes it under an issue: split into lines once (an issue
// costs a lookup, not a split of the whole file: 10,000 issues in a 10,000-line file took
// seconds that way), and with every secret value masked.
//
// Which values are secret is read from the YAML syntax tree, not from the line's look: the value
// of a `password` key (or of a key that looks like a misspelt one, `pasword:`) wherever it is,
// whatever its form — tagged (`!!str s3cret`), anchored (`&pw s3cret`), quoted, a block scalar
// over several lines — and, when it is an alias, the anchored value it points at, which sits on
// another line. A line-pattern mask stays on top for a file whose tree is broken.

import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { closest } from './suggest.js';

export const MASK = '<redacted>';

export interface SourceText {
  /** Line `n` (1-based) with tabs as spaces and secrets masked; undefined past the end. */
  line(n: number): string | undefined;
}

export function sourceText(text: string): SourceText {
  const lines = text.split(/\r?\n/);
  const spans = secretSpans(text);
  const cache = new Map<number, string>();
  return {
    line(n) {
      const raw = lines[n - 1];
      if (raw === undefined) return undefined;
      let shown = cache.get(n);
      if (shown === undefined) {
        shown = maskSecretLine(maskSpans(raw, spans.get(n) ?? []).replace(/\t/g, ' '));
        cache.set(n, shown);
      }
      return shown;
    },
  };
}

/** A key whose value is treated as a secret: `password`, or a name close enough to be a typo of it. */
export function isSecretKey(key: string): boolean {
  if (key === 'passwordFile') return false;
  return key === 'password' || closest(key, ['password']) !== undefined || /pass(word|wd)?$/i.test(key);
}

/** `password: s3cret` -> `password: <redacted>`, also tagged or anchored; not passwordFile (a path). */
export function maskSecretLine(line: string): string {
  // Block (`password: x`) and flow (`{password: x, ...}`) style; tags and anchors before the value
  // stay; an unterminated quote masks to the end of the line.
  return line.replace(
    /(\bpassword["']?\s*:[ \t]*)((?:[!&][^\s,}]*[ \t]+)*)("[^"]*"?|'[^']*'?|[^,}\s]+)/g,
    `$1$2${MASK}`,
  );
}

/** Line (1-based) -> column ranges [from, to) (0-based) holding secret text. */
type Spans = Map<number, Array<[number, number]>>;

function secretSpans(text: string): Spans {
  const spans: Spans = new Map();
  let doc: Document;
  const lc = new LineCounter();
  try {
    doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  } catch {
    return spans;
  }
  const add = (node: Node | null | undefined): void => {
    const range = node?.range;
    if (!range) return;
    const [from, to] = [range[0], Math.max(range[0], range[1])];
    const a = lc.linePos(from);
    const b = lc.linePos(to);
    for (let line = a.line; line <= b.line; line++) {
      const start = line === a.line ? a.col - 1 : 0;
      const end = line === b.line ? b.col - 1 : Infinity;
      if (end > start) {
        const list = spans.get(line) ?? [];
        list.push([start, end]);
        spans.set(line, list);
      }
    }
  };
  // An explicit stack: a hostile file may nest deeply. Aliases are not followed (their anchor is
  // walked where it is), except that a secret's alias masks its anchored value.
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        if (isSecretKey(key)) {
          const v = pair.value as Node | null;
          add(v);
          if (isAlias(v)) add(v.resolve(doc));
        } else stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
  }
  return spans;
}

function maskSpans(line: string, ranges: Array<[number, number]>): string {
  if (ranges.length === 0) return line;
  let out = '';
  let at = 0;
  for (const [from, to] of [...ranges].sort((x, y) => x[0] - y[0])) {
    const start = Math.max(from, at);
    const end = Math.min(to, line.length);
    if (end <= start) continue;
    // Leading blanks of a continuation line stay: they show the indentation.
    const lead = /^\s*/.exec(line.slice(start, end))?.[0].length ?? 0;
    out += line.slice(at, start + lead) + MASK;
    at = end;
  }
  return out + line.slice(at);
}

// Where every value came from: a tree mirroring the config value, each node holding the file,
// line and column of the value (and of its key, for maps). Built from the YAML AST per file and
// merged alongside the values (merge.ts), so an error points into the file whose value won.

import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export interface PosNode {
  /** Position of the value. */
  pos: SourcePos;
  /** Position of the key, when the value sits in a map. */
  keyPos?: SourcePos;
  children?: Map<string | number, PosNode>;
}

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/**
 * `l3vnis[1].hostSession.asn`. A key that is not a plain name is quoted (`underlay["a\nb"]`):
 * an unknown key with a newline must not print a line of its own.
 */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (!/^[A-Za-z0-9_$-]+$/.test(seg)) out += `[${JSON.stringify(seg)}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** Lookup of positions by value path; falls back to the nearest ancestor that exists. */
export interface Positions {
  /** Position of the value at `path` (of its nearest existing ancestor when it is absent). */
  at(path: Path): SourcePos;
  /**
   * Position of the key of `path` (of its nearest existing ancestor when it is absent: a missing
   * key is reported at `underlay:`); a list item has no key, its start is used.
   */
  keyAt(path: Path): SourcePos;
}

export function positionsOf(root: PosNode): Positions {
  const walk = (path: Path): { node: PosNode } => {
    let node = root;
    for (const seg of path) {
      const next = node.children?.get(seg);
      if (!next) break;
      node = next;
    }
    return { node };
  };
  return {
    at: (path) => walk(path).node.pos,
    keyAt: (path) => {
      const { node } = walk(path);
      return node.keyPos ?? node.pos;
    },
  };
}

/** Position tree of one parsed YAML document. */
export function buildPosTree(doc: Document, file: string, lc: LineCounter): PosNode {
  const posOf = (offset: number | undefined): SourcePos => {
    const { line, col } = lc.linePos(offset ?? 0);
    return { file, line, col };
  };
  const build = (node: unknown, seen: Set<unknown>): PosNode => {
    const n = node as Node | null | undefined;
    const here: PosNode = { pos: posOf(n?.range?.[0]) };
    // An alias points at its anchor; children positions come from the anchored node, and a
    // cycle (an alias inside its own anchor) stops here.
    const target = isAlias(n) ? n.resolve(doc) : n;
    if (!target || seen.has(target)) return here;
    const inner = new Set(seen).add(target);
    if (isMap(target)) {
      here.children = new Map();
      for (const pair of target.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const child = build(pair.value, inner);
        // `key:` with no value has no value node, or an empty null scalar: point at the key.
        const keyPos = posOf((pair.key as Node | null)?.range?.[0]);
        const v = pair.value as Node | null;
        if (!v || (isScalar(v) && v.value === null && v.range?.[0] === v.range?.[1])) child.pos = keyPos;
        here.children.set(key, { ...child, keyPos });
      }
    } else if (isSeq(target)) {
      here.children = new Map();
      target.items.forEach((item, i) => here.children?.set(i, build(item, inner)));
    }
    return here;
  };
  return build(doc.contents, new Set());
}

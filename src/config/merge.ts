// Drop-in merge (SPEC "Files and paths"): config.yaml, then config.d/*.yaml in lexical order.
// Maps deep-merge; the lists l3vnis, l2vnis and underlay.neighbors append; any other list and
// any scalar: the later file wins. Positions travel with the values, so an item appended from
// a drop-in keeps its drop-in position under its new, merged index.

import { formatPath, type Path, type PosNode } from './positions.js';

/** One parsed file: its plain value and where each part of it came from. */
export interface Layer {
  value: unknown;
  pos: PosNode;
}

/** The lists that collect items from every file instead of being replaced. */
export const APPEND_PATHS: readonly string[] = ['l3vnis', 'l2vnis', 'underlay.neighbors'];

export function mergeLayers(layers: readonly Layer[]): Layer | undefined {
  return layers.reduce<Layer | undefined>((acc, next) => (acc ? mergeAt(acc, next, []) : next), undefined);
}

/** A map as YAML gives one: not a list, and not a Set, Map or byte array (`!!set`, `!!omap`, `!!binary`). */
export const isPlainMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null);

function mergeAt(base: Layer, over: Layer, path: Path): Layer {
  if (isPlainMap(base.value) && isPlainMap(over.value)) {
    const value: Record<string, unknown> = { ...base.value };
    const children = new Map(base.pos.children);
    for (const [key, overValue] of Object.entries(over.value)) {
      const overPos = over.pos.children?.get(key) ?? over.pos;
      const basePos = children.get(key);
      const merged =
        key in value && basePos
          ? mergeAt({ value: value[key], pos: basePos }, { value: overValue, pos: overPos }, [...path, key])
          : { value: overValue, pos: overPos };
      value[key] = merged.value;
      children.set(key, merged.pos);
    }
    // The map itself keeps its first position: a missing key is reported where it was defined.
    return { value, pos: { ...base.pos, children } };
  }
  if (Array.isArray(base.value) && Array.isArray(over.value) && APPEND_PATHS.includes(formatPath(path))) {
    const offset = base.value.length;
    const children = new Map(base.pos.children);
    over.value.forEach((_, i) => {
      const p = over.pos.children?.get(i);
      if (p) children.set(offset + i, p);
    });
    return { value: [...(base.value as unknown[]), ...(over.value as unknown[])], pos: { ...base.pos, children } };
  }
  // Later file wins, position and all (its key position too).
  return over;
}

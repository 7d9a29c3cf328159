// An exception inside a pure stage (parse/validate, derive, FRR model, render) is a property of
// the config that caused it: reported as an invalid config naming its file, so `render` prints
// one line (exit 2) and the daemon keeps or falls back to the last good config instead of
// retrying the same candidate forever. The exceptions are injected: the checks refuse every
// config known to make those stages throw (that is their job), so a real one would be a new bug.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { ConfigError, formatIssue } from '../../../src/config/errors.js';
import { loadConfigTexts } from '../../../src/config/load.js';
import { loadInputs } from '../../../src/reconcile/inputs.js';
import { readDiskConfig } from '../../../src/daemon/config-source.js';
import { BASE } from './helpers.js';

// node.index 13 makes derive throw, and underlay.asn 13 makes validation throw.
vi.mock('../../../src/config/derive.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/config/derive.js')>();
  return {
    ...real,
    deriveNode: (c: Parameters<typeof real.deriveNode>[0]) => {
      if (c.node.index === 13) throw new TypeError("Cannot read properties of undefined (reading 'family')");
      return real.deriveNode(c);
    },
  };
});
vi.mock('../../../src/config/validate-refs.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/config/validate-refs.js')>();
  return {
    ...real,
    checkNeighbors: (c: Parameters<typeof real.checkNeighbors>[0], sink: Parameters<typeof real.checkNeighbors>[1]) => {
      if (c.underlay.asn === 13) throw new RangeError('Maximum call stack size exceeded');
      real.checkNeighbors(c, sink);
    },
  };
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hd-unexpected-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const write = async (text: string): Promise<string> => {
  const path = join(dir, 'config.yaml');
  await writeFile(path, text);
  return path;
};

test('an exception while validating is an error of the config, not a throw', () => {
  const r = loadConfigTexts([{ path: 'x.yaml', text: BASE.replace('asn: 64514', 'asn: 13') }]);
  expect(r.ok).toBe(false);
  expect(r.issues.map(formatIssue)).toEqual([
    'x.yaml: this config cannot be used: reading the config failed: Maximum call stack size exceeded (a check should have caught this: please report it)',
  ]);
});

test('an exception while deriving or rendering: render/plan/apply get a ConfigError naming the file', async () => {
  const path = await write(BASE.replace('index: 3', 'index: 13'));
  const e = await loadInputs(path).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ConfigError);
  expect((e as ConfigError).issues.map(formatIssue)).toEqual([
    `${path}: this config cannot be used: deriving or rendering it failed: Cannot read properties of undefined (reading 'family') (a check should have caught this: please report it)`,
  ]);
});

test('the daemon reads such a candidate as an invalid config (then keeps or falls back to the last good one)', async () => {
  for (const text of [BASE.replace('index: 3', 'index: 13'), BASE.replace('asn: 64514', 'asn: 13')]) {
    const r = await readDiskConfig(await write(text));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.firstError).toMatch(/this config cannot be used: .* failed: /);
  }
  expect((await readDiskConfig(await write(BASE))).ok).toBe(true);
});

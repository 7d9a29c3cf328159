// The corpus: test/fixtures/broken/*.yaml must each be refused with the issue named in its
// header, at the line it names, without an exception escaping; test/fixtures/valid/*.yaml and
// the shipped examples must be accepted.
//
// Header of a broken fixture:
//   # expect: <path>: <message substring>      (path "-" for a file-level issue, e.g. YAML syntax)
//   # line: <N>                                 (optional)

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatIssue } from '../../../src/config/errors.js';
import { loadConfigTexts } from '../../../src/config/load.js';

const root = join(import.meta.dirname, '../../..');
const dir = (d: string): string[] =>
  readdirSync(join(root, d))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

const broken = dir('test/fixtures/broken');

test('the broken corpus has at least 30 configs', () => {
  expect(broken.length).toBeGreaterThanOrEqual(30);
});

describe('broken configs are refused with the expected issue', () => {
  test.each(broken)('%s', (file) => {
    const text = read(`test/fixtures/broken/${file}`);
    const expectLine = /^# expect: (\S+): (.+)$/m.exec(text);
    if (!expectLine) throw new Error(`${file}: no "# expect: <path>: <message>" header`);
    const path = expectLine[1] === '-' ? '' : expectLine[1];
    const message = expectLine[2]?.trim() ?? '';
    const line = /^# line: (\d+)$/m.exec(text)?.[1];

    let result: ReturnType<typeof loadConfigTexts> | undefined;
    expect(() => {
      result = loadConfigTexts([{ path: file, text }]);
    }).not.toThrow();
    const r = result!;
    const shown = r.issues.map(formatIssue).join('\n');
    expect(r.ok, shown).toBe(false);
    expect(r.config).toBeUndefined();
    const hit = r.issues.find((i) => i.severity === 'error' && i.path === path && i.message.includes(message));
    expect(hit, `no error "${path}: ${message}" in:\n${shown}`).toBeDefined();
    if (line) expect(hit?.line, shown).toBe(Number(line));
    expect(hit?.file).toBe(file);
    // Messages are for people: no stack traces, no JavaScript error names.
    expect(shown).not.toMatch(/\n\s+at |TypeError|ReferenceError|undefined/);
  });
});

describe('valid configs and shipped examples are accepted', () => {
  const single = [
    ...dir('test/fixtures/valid').map((f) => `test/fixtures/valid/${f}`),
    ...dir('etc/examples').map((f) => `etc/examples/${f}`),
  ];
  test.each(single)('%s', (file) => {
    const r = loadConfigTexts([{ path: file, text: read(file) }]);
    expect(r.issues.filter((i) => i.severity === 'error').map(formatIssue)).toEqual([]);
    expect(r.config).toBeDefined();
  });

  test('etc/config.yaml + etc/config.d/node.yaml', () => {
    const r = loadConfigTexts(['etc/config.yaml', 'etc/config.d/node.yaml'].map((p) => ({ path: p, text: read(p) })));
    expect(r.issues.map(formatIssue)).toEqual([]);
    expect(r.config?.node.index).toBe(3);
    expect(r.config?.underlay.neighbors).toHaveLength(1);
  });
});

// How issues read: file:line:col: path: message, and netplan-style source line with a caret.

import { expect, test } from 'vitest';
import {
  ConfigError,
  formatIssue,
  formatIssues,
  formatIssueWithSource,
  maskSecretLine,
  type ConfigIssue,
} from '../../../src/config/errors.js';
import { loadConfigTexts } from '../../../src/config/load.js';
import { sourceText } from '../../../src/config/source-text.js';

const issue = (over: Partial<ConfigIssue> = {}): ConfigIssue => ({
  file: 'config.yaml',
  line: 12,
  col: 5,
  path: 'l3vnis[0].vni',
  message: 'must be 1..16777215',
  severity: 'error',
  ...over,
});

test('formatIssue: the SPEC format, warnings marked, file-level issues without a path', () => {
  expect(formatIssue(issue())).toBe('config.yaml:12:5: l3vnis[0].vni: must be 1..16777215');
  expect(formatIssue(issue({ severity: 'warning' }))).toBe(
    'config.yaml:12:5: warning: l3vnis[0].vni: must be 1..16777215',
  );
  expect(formatIssue(issue({ path: '', message: 'YAML: bad' }))).toBe('config.yaml:12:5: YAML: bad');
  expect(formatIssue(issue({ line: 0, col: 0, path: '', message: 'cannot read' }))).toBe('config.yaml: cannot read');
});

test('formatIssueWithSource: the line and a caret under the column', () => {
  const src = 'l3vnis:\n  - vrf: red\n    vni: 0\n';
  expect(formatIssueWithSource(issue({ line: 3, col: 10, message: 'must be 1..16777215' }), src)).toBe(
    'config.yaml:3:10: l3vnis[0].vni: must be 1..16777215\n      vni: 0\n           ^',
  );
});

test('formatIssueWithSource masks password values on the shown line', () => {
  const src = 'underlay:\n  neighbors:\n    - password: "hunter2\n';
  const out = formatIssueWithSource(
    issue({ line: 3, col: 17, path: '', message: 'YAML: Missing closing "quote' }),
    src,
  );
  expect(out).not.toContain('hunter2');
  expect(out).toContain('- password: <redacted>');
});

test('maskSecretLine: block and flow style, not passwordFile', () => {
  expect(maskSecretLine('  password: s3cret')).toBe('  password: <redacted>');
  expect(maskSecretLine('  - {address: 10.0.0.1, password: "s 3", asn: 1}')).toBe(
    '  - {address: 10.0.0.1, password: <redacted>, asn: 1}',
  );
  expect(maskSecretLine('  passwordFile: /etc/x')).toBe('  passwordFile: /etc/x');
});

test('ConfigError carries every issue and lists the errors in its message', () => {
  const e = new ConfigError([issue(), issue({ severity: 'warning', message: 'w' })]);
  expect(e.issues).toHaveLength(2);
  expect(e.message).toBe('invalid config:\nconfig.yaml:12:5: l3vnis[0].vni: must be 1..16777215');
});

test('source lines never show a password, whatever its YAML form', () => {
  const secret = 'Hunter2x';
  const forms = [
    `underlay:\n  neighbors:\n    - password: !!str ${secret}\n      bogus: 1\n`,
    `underlay:\n  neighbors:\n    - password: &pw ${secret}\n      bogus: 1\n`,
    `underlay:\n  neighbors:\n    - password: !!str &pw "${secret}"\n      bogus: 1\n`,
    `x: &pw ${secret}\nunderlay:\n  neighbors:\n    - password: *pw\n`,
    `underlay:\n  neighbors:\n    - password: |\n        ${secret}\n      bogus: 1\n`,
    `underlay:\n  neighbors:\n    - {address: 10.0.0.1, password: !!str '${secret}', asn: 1, bogus: 1}\n`,
    `underlay:\n  neighbors:\n    - pasword: ${secret}\n`,
    `underlay:\n  neighbors:\n    - password: ${secret}\n       ${secret}\n`,
  ];
  for (const text of forms) {
    const src = sourceText(text);
    const lines = text.split('\n').map((_, i) => src.line(i + 1) ?? '');
    expect(lines.join('\n'), text).not.toContain(secret);
    // Every issue of a real load of that text, quoted the way `validate` prints it.
    const r = loadConfigTexts([{ path: 'x.yaml', text }]);
    expect(formatIssues(r.issues, r.sources), text).not.toContain(secret);
  }
  // What stays: the key, its tag and anchor, and other values.
  expect(sourceText(forms[2]!).line(3)).toBe('    - password: !!str &pw <redacted>');
  expect(sourceText(forms[3]!).line(1)).toBe('x: &pw <redacted>');
  expect(sourceText(forms[4]!).line(4)).toBe('        <redacted>');
  expect(sourceText(forms[5]!).line(3)).toBe('    - {address: 10.0.0.1, password: !!str <redacted>, asn: 1, bogus: 1}');
  expect(sourceText('  passwordFile: /etc/x\n').line(1)).toBe('  passwordFile: /etc/x');
  expect(maskSecretLine('    - password: !!str &a s3cret')).toBe('    - password: !!str &a <redacted>');
});

test('a very long source line is shown around the column, the caret still under it', () => {
  const line = `node: ${'['.repeat(5000)}x${']'.repeat(5000)}`;
  const out = formatIssueWithSource(issue({ line: 1, col: 5007, path: '', message: 'YAML: bad' }), `${line}\n`).split(
    '\n',
  );
  expect(out[1]!.length).toBeLessThan(200);
  expect(out[1]![out[2]!.indexOf('^')]).toBe('x');
  const short = formatIssueWithSource(issue({ line: 1, col: 3, path: '', message: 'YAML: bad' }), `${line}\n`).split(
    '\n',
  );
  expect(short[1]!.startsWith('  node: [[')).toBe(true);
  expect(short[1]![short[2]!.indexOf('^')]).toBe('d');
});

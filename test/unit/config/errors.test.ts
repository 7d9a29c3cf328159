// How issues read: file:line:col: path: message, and netplan-style source line with a caret.

import { expect, test } from 'vitest';
import { ConfigError, formatIssue, formatIssueWithSource, maskSecretLine, type ConfigIssue } from '../../../src/config/errors.js';

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
  expect(formatIssue(issue({ severity: 'warning' }))).toBe('config.yaml:12:5: warning: l3vnis[0].vni: must be 1..16777215');
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
  const out = formatIssueWithSource(issue({ line: 3, col: 17, path: '', message: 'YAML: Missing closing "quote' }), src);
  expect(out).not.toContain('hunter2');
  expect(out).toContain('- password: <redacted>');
});

test('maskSecretLine: block and flow style, not passwordFile', () => {
  expect(maskSecretLine('  password: s3cret')).toBe('  password: <redacted>');
  expect(maskSecretLine('  - {address: 10.0.0.1, password: "s 3", asn: 1}')).toBe('  - {address: 10.0.0.1, password: <redacted>, asn: 1}');
  expect(maskSecretLine('  passwordFile: /etc/x')).toBe('  passwordFile: /etc/x');
});

test('ConfigError carries every issue and lists the errors in its message', () => {
  const e = new ConfigError([issue(), issue({ severity: 'warning', message: 'w' })]);
  expect(e.issues).toHaveLength(2);
  expect(e.message).toBe('invalid config:\nconfig.yaml:12:5: l3vnis[0].vni: must be 1..16777215');
});

// Both redactors, ours (src/frr/redact.ts: plan's diff, rawConfig in render, reloader output we
// keep) and the reloader's (scripts/frr-reloader: its replies, which reach status.json), get the
// same texts and must give the same answer, with no secret left, whatever the password looks
// like: FRR's encryption words (7, 0, 8, md5, clear) as passwords used to pass for the keyword,
// leaving the secret in place and masking the next word or the next line instead.
import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { redactFrrText, secretsIn } from '../../../src/frr/redact.js';
import { renderFrrConf } from '../../../src/frr/render.js';
import { buildFrrModel } from '../../../src/frr/build.js';
import { deriveNode } from '../../../src/config/derive.js';
import { nodeConfig } from '../../helpers/config.js';

const RELOADER = new URL('../../../scripts/frr-reloader', import.meta.url).pathname;

/** The reloader's redact(text, secrets_in(config)) for each case, run by Python. */
function reloaderRedact(cases: Array<{ text: string; config: string }>): string[] {
  const py = `
import importlib.machinery, importlib.util, json, sys
loader = importlib.machinery.SourceFileLoader('frr_reloader', sys.argv[1])
spec = importlib.util.spec_from_loader('frr_reloader', loader)
m = importlib.util.module_from_spec(spec)
loader.exec_module(m)
print(json.dumps([m.redact(c['text'], m.secrets_in(c['config'])) for c in json.load(sys.stdin)]))
`;
  return JSON.parse(
    execFileSync('python3', ['-c', py, RELOADER], { input: JSON.stringify(cases) }).toString(),
  ) as string[];
}

const KEYWORD_LIKE = ['7', '0', '8', 'md5', 'clear', 'password', 'md5 clear'];

/** A config with the secret, and what frr-reload.py and vtysh print about it. */
function outputsWith(secret: string): { config: string; texts: string[] } {
  const config = `router bgp 64514\n neighbor 192.0.2.1 remote-as 64512\n neighbor 192.0.2.1 password ${secret}\n neighbor 192.0.2.2 remote-as 64513\n!\n`;
  return {
    config,
    texts: [
      config,
      // frr-reload.py --test: lines to add, as text and as Python reprs.
      `Lines To Add\n============\nrouter bgp 64514\n  neighbor 192.0.2.1 password ${secret}\n`,
      `2026-12-03 INFO: /var/run/frr/reload-ABCDEF.txt content\n['router bgp 64514\\n neighbor 192.0.2.1 password ${secret}\\n',\n 'router bgp 64514\\n neighbor 192.0.2.2 remote-as 64513\\n']\n`,
      `(('router bgp 64514',), 'neighbor 192.0.2.1 password ${secret}')\n`,
      // vtysh refusing a line.
      `line 3: % Unknown command: neighbor 192.0.2.1 password ${secret} extra\n`,
      // Other secret-bearing FRR commands.
      ` ip ospf authentication-key ${secret}\n ip ospf message-digest-key 1 md5 ${secret}\n key-string ${secret}\n isis password md5 ${secret}\n area-password clear ${secret}\n`,
    ],
  };
}

test('keyword-like and ordinary passwords: no secret survives either redactor, and both agree', () => {
  const cases: Array<{ text: string; config: string; secret: string }> = [];
  for (const secret of [...KEYWORD_LIKE, 'Hunter2x', 'it\'s"odd']) {
    const { config, texts } = outputsWith(secret);
    for (const text of texts) cases.push({ text, config, secret });
  }
  const theirs = reloaderRedact(cases);
  cases.forEach((c, i) => {
    const ours = redactFrrText(c.text, secretsIn(c.config));
    expect(ours, c.text).toBe(theirs[i]);
    // Every line that named the secret after its keyword now ends in <redacted> there.
    for (const line of ours.split('\n')) {
      const m = /\b(?:password|authentication-key|key-string|md5)[ \t]+(.*)$/.exec(line);
      if (m) expect(m[1], line).toMatch(/^(?:\S+ )?<redacted>/);
    }
    if (c.secret.length >= 4) expect(ours).not.toContain(c.secret);
  });
  // What stays readable: the command and the peer.
  expect(redactFrrText(' neighbor 192.0.2.1 password 7\n neighbor 192.0.2.1 remote-as 1\n')).toBe(
    ' neighbor 192.0.2.1 password <redacted>\n neighbor 192.0.2.1 remote-as 1\n',
  );
});

test('render redacts passwords inside frr.rawConfig too, and --show-secrets keeps them', () => {
  const raw =
    'router bgp 64514\n neighbor 192.0.2.9 remote-as 65099\n neighbor 192.0.2.9 password 7\n neighbor 192.0.2.8 password rawS3cretX\n';
  const config = nodeConfig({
    frr: { logLevel: 'informational', rawConfig: raw },
    neighbors: [{ address: '192.168.11.2', asn: 64512, password: 'md5' }],
  });
  const model = buildFrrModel(config, deriveNode(config), new Map([[0, 'md5']]));
  const shown = renderFrrConf(model, { redactSecrets: true });
  expect(shown).not.toContain('rawS3cretX');
  expect(shown).toContain(' neighbor 192.0.2.9 password <redacted>\n');
  expect(shown).toContain(' neighbor 192.168.11.2 password <redacted>\n');
  expect(shown.match(/password (?!<redacted>)/g)).toBeNull();
  const full = renderFrrConf(model);
  expect(full).toContain(' neighbor 192.0.2.8 password rawS3cretX\n');
  expect(full).toContain(' neighbor 192.168.11.2 password md5\n');
});

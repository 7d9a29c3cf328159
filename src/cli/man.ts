// Pure: the evpn-node(1) man page (roff, man macros) from the command tree, generated at build
// time (scripts/build-docs writes dist/man/evpn-node.1; the image installs it).

import type { CommandSpec, OptionSpec, ProgramSpec } from './command-tree.js';

export interface ManPageInfo {
  version: string;
  /** YYYY-MM-DD for the page footer. */
  date: string;
}

export function manPage(p: ProgramSpec, info: ManPageInfo): string {
  const name = p.name;
  const out: string[] = [
    `.\\" Generated from the ${name} command tree by scripts/build-docs; do not edit.`,
    `.TH ${name.toUpperCase()} 1 "${info.date}" "${name} ${esc(info.version)}" "User Commands"`,
    '.SH NAME',
    `${name} \\- ${esc(p.description)}`,
    '.SH SYNOPSIS',
    `.B ${name}`,
    '[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]',
    '.SH DESCRIPTION',
    `.B ${name}`,
    'gives a Linux Kubernetes node its network over BGP-EVPN before kubelet starts: FRR runs in a',
    'podman pod with a reloader sidecar, and the controller',
    `(\\fB${name} run\\fR) plumbs the kernel with \\fBip\\fR, renders \\fIfrr.conf\\fR, asks the`,
    "reloader to apply it, and tells systemd when the node's network is ready.",
    '.SH GLOBAL OPTIONS',
    ...p.options.flatMap(option),
    '.SH COMMANDS',
    ...p.commands.flatMap(command),
    '.SH EXIT STATUS',
    '.TP',
    '.B 0',
    'Success.',
    '.TP',
    '.B 1',
    'A runtime failure (the network, FRR or the reloader said no).',
    '.TP',
    '.B 2',
    'An invalid configuration or command line.',
    '.TP',
    '.B 3',
    `Changes are pending (\\fBplan \\-\\-detailed\\-exitcode\\fR), or the node is not converged and healthy (\\fBstatus\\fR), like \\fBsystemctl status\\fR.`,
    '.SH FILES',
    '.TP',
    '.I /etc/evpn-node/config.yaml',
    'The main configuration; drop-ins in',
    '.I /etc/evpn-node/config.d/*.yaml',
    'are merged after it in lexical order.',
    '.TP',
    '.I /var/lib/evpn-node/last-good.yaml',
    'The configuration that last applied.',
    '.TP',
    '.I /run/evpn-node/status.json',
    'The last reconcile, read by \\fBstatus\\fR and \\fBhealth\\fR.',
    '.TP',
    '.I /run/evpn-node/kubelet.env',
    'NODE_IP (and NODE_IPV6) of the primary EVPN interface, for kubelet.',
    '.TP',
    '.I /usr/share/evpn-node/config.schema.json',
    'JSON Schema (draft-07) of the configuration, in the controller image.',
    '.SH SEE ALSO',
    '.BR systemctl (1),',
    '.BR podman (1),',
    '.BR vtysh (1)',
    '',
  ];
  return out.join('\n');
}

function command(c: CommandSpec): string[] {
  const args = c.arguments.map((a) => (a.required ? `\\fI${esc(a.name)}\\fR` : `[\\fI${esc(a.name)}\\fR]`)).join(' ');
  // .SS without arguments takes the next line as the heading.
  const lines = ['.SS', `\\fB${esc(c.name)}\\fR${args ? ` ${args}` : ''}`, esc(sentence(c.description))];
  for (const a of c.arguments) {
    if (a.description)
      lines.push(
        '.TP',
        `.I ${esc(a.name)}`,
        esc(sentence(a.description)) + (a.choices ? ` One of: ${a.choices.map(esc).join(', ')}.` : ''),
      );
  }
  const opts = c.options.filter((o) => o.long !== '--help');
  for (const o of opts) lines.push(...option(o));
  return lines;
}

function option(o: OptionSpec): string[] {
  const flags = [o.short, o.long]
    .filter((f): f is string => f !== undefined)
    .map((f) => `\\fB${esc(f)}\\fR`)
    .join(', ');
  const value = o.value ? ` \\fI${esc(o.value)}\\fR` : '';
  const extra = [
    o.choices ? `One of: ${o.choices.map(esc).join(', ')}.` : '',
    o.defaultValue !== undefined ? `Default: ${esc(o.defaultValue)}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return ['.TP', `${flags}${value}`, `${esc(sentence(o.description))}${extra ? ` ${extra}` : ''}`];
}

const sentence = (s: string): string => {
  const t = s.trim();
  if (!t) return t;
  return `${t[0]?.toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}`;
};

/** Text that roff must not interpret: backslashes, hyphens of options, a leading dot or quote. */
function esc(s: string): string {
  return s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');
}

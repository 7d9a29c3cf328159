// `evpn-node completion bash|zsh`: print a completion script generated from the command tree.
import type { Command } from 'commander';
import { describeProgram } from '../command-tree.js';
import { completionScript, type Shell } from '../completion.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../errors.js';

export function runCompletion(ctx: CliContext, program: Command, shell: Shell): number {
  ctx.out(completionScript(describeProgram(program), shell));
  return EXIT.ok;
}

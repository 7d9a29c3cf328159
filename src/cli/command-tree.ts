// The command line as data, read from the commander program itself: shell completions and the
// man page are generated from it, so neither can drift from the options that really exist.

import type { Command, Option } from 'commander';

export interface OptionSpec {
  /** "--config"; every option here has a long form. */
  long: string;
  short?: string;
  description: string;
  /** The value's name ("path" for `--config <path>`), when the option takes one. */
  value?: string;
  /** The values commander accepts, when it restricts them. */
  choices?: string[];
  defaultValue?: string;
}

export interface ArgumentSpec {
  name: string;
  description: string;
  required: boolean;
  choices?: string[];
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  arguments: ArgumentSpec[];
}

export interface ProgramSpec {
  name: string;
  description: string;
  /** Global options (valid before the command), help and version included. */
  options: OptionSpec[];
  commands: CommandSpec[];
}

export function describeProgram(program: Command): ProgramSpec {
  return {
    name: program.name(),
    description: program.description(),
    options: [...visibleOptions(program), ...builtIns(program)],
    commands: program.commands
      .filter((c) => !(c as unknown as { _hidden?: boolean })._hidden)
      .map((c) => ({
        name: c.name(),
        description: c.description(),
        options: [...visibleOptions(c), ...builtIns(c).filter((o) => o.long === '--help')],
        arguments: c.registeredArguments.map((a) => ({
          name: a.name(),
          description: a.description,
          required: a.required,
          ...(a.argChoices ? { choices: [...a.argChoices] } : {}),
        })),
      })),
  };
}

function visibleOptions(c: Command): OptionSpec[] {
  return c.options.filter((o) => !o.hidden && o.long !== undefined && o.long !== '--version').map(optionSpec);
}

/** --help (every command) and --version (the program), which commander keeps apart. */
function builtIns(c: Command): OptionSpec[] {
  const help = c.createHelp();
  const out: OptionSpec[] = [];
  for (const o of help.visibleOptions(c)) {
    if (o.long === '--help' || o.long === '--version') out.push(optionSpec(o));
  }
  return out;
}

function optionSpec(o: Option): OptionSpec {
  const value = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1];
  const dflt: unknown = o.defaultValue; // commander types it any
  return {
    long: o.long as string,
    ...(o.short ? { short: o.short } : {}),
    description: o.description,
    ...(value ? { value } : {}),
    ...(o.argChoices ? { choices: [...o.argChoices] } : {}),
    ...(value && (typeof dflt === 'string' || typeof dflt === 'number') ? { defaultValue: String(dflt) } : {}),
  };
}

/** Values that are file or directory names, for completion: by the value's name. */
export const isPathValue = (value: string | undefined): boolean =>
  value !== undefined && /(path|file|dir)/i.test(value);

// FrrModel -> frr.conf text. Templates only loop and print (decisions live in build.ts); every
// value is checked to be a single safe token before it reaches a template.

import Handlebars from 'handlebars';
import { readFileSync, readdirSync } from 'node:fs';
import type { FrrModel } from './model.js';
import { assertSafeValues } from './safe-value.js';
import { REDACTED, redactFrrText } from './redact.js';

export { REDACTED };

export interface RenderOptions {
  /** Print every password as `<redacted>` (the `render` command's default). */
  redactSecrets?: boolean;
}

export function renderFrrConf(model: FrrModel, opts: RenderOptions = {}): string {
  assertSafeValues(model);
  const view = opts.redactSecrets ? redact(model) : model;
  const text = template()(view);
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * A copy of the model with every password replaced (the original is left alone), in the
 * neighbors we render and in frr.rawConfig, which is the operator's verbatim FRR text and may
 * hold `password` lines of its own.
 */
function redact(model: FrrModel): FrrModel {
  const hide = <T extends { password: string | null }>(n: T): T => ({
    ...n,
    password: n.password === null ? null : REDACTED,
  });
  return {
    ...model,
    rawConfig: model.rawConfig === null ? null : redactFrrText(model.rawConfig),
    underlay: { ...model.underlay, neighbors: model.underlay.neighbors.map(hide) },
    vrfRouters: model.vrfRouters.map((r) => ({ ...r, neighbors: r.neighbors.map(hide) })),
  };
}

// `src/frr/` under vitest and `dist/frr/` compiled are both two levels below the repo root.
const TEMPLATES = new URL('../../templates/', import.meta.url);

let compiled: Handlebars.TemplateDelegate<FrrModel> | undefined;

/** Compiled once per process: an isolated Handlebars environment with the partials registered. */
function template(): Handlebars.TemplateDelegate<FrrModel> {
  if (compiled) return compiled;
  const hbs = Handlebars.create();
  const partials = new URL('partials/', TEMPLATES);
  for (const file of readdirSync(partials)
    .filter((f) => f.endsWith('.hbs'))
    .sort()) {
    hbs.registerPartial(file.slice(0, -'.hbs'.length), readFileSync(new URL(file, partials), 'utf8'));
  }
  // noEscape: frr.conf is not HTML. strict: a field missing from the model throws instead of
  // printing nothing (the model uses null for "absent").
  compiled = hbs.compile<FrrModel>(readFileSync(new URL('frr.conf.hbs', TEMPLATES), 'utf8'), {
    noEscape: true,
    strict: true,
  });
  return compiled;
}

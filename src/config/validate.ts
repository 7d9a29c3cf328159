// Validation entry: the structural pass (schema), then the semantic rules (validate-*.ts) on the
// defaulted config. Every issue is collected, each with the position of the offending value.

import { applyDefaults } from './defaults.js';
import type { ConfigIssue } from './errors.js';
import { IssueSink } from './issue-sink.js';
import type { Positions } from './positions.js';
import { CONFIG_SCHEMA } from './schema.js';
import type { Config } from './types.js';
import { checkNames } from './validate-names.js';
import { checkNodeFit, checkOverlaps } from './validate-net.js';
import { checkHostSessions, checkNeighbors, checkPrimary, checkReferences, checkUnique } from './validate-refs.js';
import { checkStructure } from './validate-structure.js';
import { checkUnderlayNics } from './validate-underlay.js';
import { checkIndexFrom } from './validate-identity.js';

export interface ValidationResult {
  /** The config with defaults; only trustworthy when `issues` holds no error. */
  config: Config;
  issues: ConfigIssue[];
}

/** Validates a merged plain value (pure). */
export function validateConfig(value: unknown, positions: Positions): ValidationResult {
  const sink = new IssueSink(positions);
  const structure = checkStructure(CONFIG_SCHEMA, value);
  for (const i of structure.issues) sink.error(i.path, i.message, i.at ?? 'value');
  const config = applyDefaults(structure.clean);
  try {
    validateSemantics(config, sink);
  } catch (e) {
    // Semantic rules read a config whose refused parts were removed; should one of them trip
    // over such a hole, the structural errors already explain it. Without them it is a bug.
    if (!structure.issues.length) throw e;
  }
  return { config, issues: sink.issues };
}

/** Cross-field rules on the defaulted config (pure). */
export function validateSemantics(c: Config, sink: IssueSink): void {
  checkNodeFit(c, sink);
  checkOverlaps(c, sink);
  checkUnique(c, sink);
  checkReferences(c, sink);
  checkPrimary(c, sink);
  checkNeighbors(c, sink);
  checkHostSessions(c, sink);
  checkUnderlayNics(c, sink);
  checkIndexFrom(c, sink);
  checkNames(c, sink);
}

// Recorded `ip -N -j -d` output (test/fixtures/ip, captured from real netns by
// RECORD_IP_FIXTURES=1 npx vitest run test/integration/kernel.test.ts) -> ObservedNs.

import { readFileSync } from 'node:fs';
import { parseObservedBatch } from '../../../src/kernel/parse.js';
import type { ObservedNs } from '../../../src/kernel/observed.js';

const dir = new URL('../../fixtures/ip/', import.meta.url);

export const fixtureText = (name: string): string => readFileSync(new URL(`${name}.json`, dir), 'utf8');

export function fixture(name: string, sysctls: Record<string, string> = {}): ObservedNs {
  const rules6 = readFileSync(new URL(`${name}.rules6.json`, dir), 'utf8');
  return { ...parseObservedBatch(fixtureText(name), rules6), sysctls: { ...sysctls } };
}

export const FORWARDING = { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1' };

/** Deep copy, to edit one attribute of a recorded state. */
export const clone = <T>(x: T): T => structuredClone(x);

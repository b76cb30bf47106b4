import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { GatewayError, isGatewayError } from '../../src/faults';
import { tempDir } from '../helpers/db';
import { GIB_DIR } from '../helpers/paths';

/** GİB's report schema; it imports xmldsig and XAdES from its own folder. */
export const EARSIV_XSD = path.join(GIB_DIR, 'earsiv', 'EArsiv.xsd');

/** libxml2's verdict on a report against GİB's EArsiv.xsd (an engine independent of ours). */
export function xmllintEarsiv(xml: Buffer): { ok: boolean; output: string } {
  const dir = tempDir('gw-earsiv-xsd-');
  const file = path.join(dir, 'report.xml');
  fs.writeFileSync(file, xml);
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', EARSIV_XSD, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, output: '' };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The GatewayError a call throws (fails the test when it throws nothing or something else). */
export async function gatewayErrorOf(fn: () => unknown): Promise<GatewayError> {
  let thrown: unknown = null;
  try {
    await fn();
  } catch (err) {
    thrown = err;
  }
  if (!isGatewayError(thrown)) throw new Error(`expected a GatewayError, got ${thrown === null ? 'no error' : String(thrown)}`);
  return thrown;
}

import path from 'node:path';
import { GatewayError, isGatewayError } from '../../src/faults';
import { GIB_DIR } from '../helpers/paths';
import { xmllint } from '../gib/helpers';

/** GİB's report schema; it imports xmldsig and XAdES from its own folder. */
export const EARSIV_XSD = path.join(GIB_DIR, 'earsiv', 'EArsiv.xsd');

/** libxml2's verdict on a report against GİB's EArsiv.xsd (an engine independent of ours). */
export function xmllintEarsiv(xml: Buffer): { ok: boolean; output: string } {
  return xmllint(EARSIV_XSD, xml);
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

/**
 * The simulator's own mali mühür, GİB's: it approves e-Defter berats (edefter.ts). A development seal (clearly
 * marked, issued by a root of its own) kept in `<dataDir>/gib-seal/`, so the root a gateway trusts for GİB's
 * approvals stays the same across restarts; without a dataDir, in a temporary folder for the process's life.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { developmentSealPaths, ensureDevelopmentSeal } from '../signing/dev-seal';
import { createSigner, type Signer } from '../signing/signer';

/** The VKN in the simulator seal's certificate (a made-up one: the seal says it is not GİB's). */
export const SIMULATOR_GIB_VKN = '3900000000';

export function simulatorSeal(dataDir: string | undefined): () => Promise<{ signer: Signer; rootPem: string }> {
  let opened: Promise<{ signer: Signer; rootPem: string }> | null = null;
  return () =>
    (opened ??= (async () => {
      const dir = dataDir ? path.join(dataDir, 'gib-seal') : fs.mkdtempSync(path.join(os.tmpdir(), 'gib-sim-seal-'));
      const config = await ensureDevelopmentSeal(dir, { vkn: SIMULATOR_GIB_VKN, title: 'GELIR IDARESI BASKANLIGI SIMULATORU' });
      return { signer: await createSigner(config), rootPem: fs.readFileSync(developmentSealPaths(dir).rootCertFile, 'utf8') };
    })().catch((err: unknown) => {
      opened = null;
      throw err;
    }));
}

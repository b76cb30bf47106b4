/**
 * A GİB world for e-Defter tests: GİB's simulator in this process over HTTP and a gateway using it, the company's
 * seal on a SoftHSM token, its ledger settings saved and the worker running.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { issueSealCertificate } from '../../src/signing/dev-seal';
import { createSigner, type Signer } from '../../src/signing/signer';
import type { Simulator } from '../../src/simulator';
import { LEDGER_SETTINGS } from './edefter';
import { soapClient, startTestGateway, TEST_VKN, type TestGatewayOptions } from './gateway';
import { createSoftHsmToken, sharedSoftHsmDir, testRootCa, useTokenAsSeal } from './softhsm';

export async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A software seal for `vkn` issued by the tests' root (GİB's simulator trusts it). */
export async function softSeal(dir: string, vkn: string): Promise<Signer> {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = path.join(dir, `${vkn}-${crypto.randomUUID()}.key.pem`);
  const certFile = `${keyFile}.cert.pem`;
  const rootFile = `${keyFile}.root.pem`;
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  fs.writeFileSync(certFile, issueSealCertificate({ publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), vkn, title: `FIRMA ${vkn}`, ca: testRootCa() }));
  fs.writeFileSync(rootFile, testRootCa().certPem);
  return createSigner({ type: 'software', keyFile, certFile, chainFiles: [rootFile] });
}

/**
 * GİB's simulator (in this process, over HTTP) and a gateway using it for e-Defter, the company's seal on a SoftHSM
 * token, its ledger settings saved and the worker running; `env` on top of the gateway's test settings.
 */
export async function startGibWorld(dir: string, sim: Simulator, env: Record<string, string>, opts: Pick<TestGatewayOptions, 'clock'> = {}) {
  const token = await createSoftHsmToken(sharedSoftHsmDir(), { vkn: TEST_VKN, title: 'TEST TICARET A.S.' });
  await sim.start(0);
  const rootFile = path.join(dir, 'test-root.pem');
  fs.writeFileSync(rootFile, testRootCa().certPem);
  const gw = await startTestGateway({
    ...opts,
    env: { GW_GIB_CHECK_EVERY_MS: '100', GW_TRUSTED_ROOTS: rootFile, GW_GIB_TICK_MS: '60000', GW_USER_LIST_SYNC_MS: '3600000', ...env },
    deps: { gib: { efaturaUrl: sim.soapUrl, earsivUrl: sim.earsivUrl, cancelPortalUrl: sim.cancelPortalUrl, edefterUrl: sim.edefterUrl, sealRoots: async () => [await sim.gibSealRoot()] } },
  });
  const client = await soapClient(gw);
  await useTokenAsSeal(gw, token, token.pin, dir);
  await client.SaveLedgerSettingsAsync(LEDGER_SETTINGS);
  gw.gateway.worker.start();
  return { gw, client };
}

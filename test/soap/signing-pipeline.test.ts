import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type * as soap from 'soap';
import { createSigner } from '../../src/signing/signer';
import { verifyXml } from '../../src/signing/verify';
import { signXml } from '../../src/signing/xades';
import { createRootCa } from '../../src/signing/dev-seal';
import { makeInvoice } from '../helpers/invoices';
import { faultOf, OTHER_VKN, soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { TEST_DB_KIND, tempDir } from '../helpers/db';
import { createSoftHsmToken, sharedSoftHsmDir, testRootCa, useTokenAsSeal, type SoftHsmToken } from '../helpers/softhsm';
import { softwareSeal, xmlsecVerify } from '../signing/fixtures';
import { assertXmlCryptoVerifies, xmlCryptoVerify } from '../helpers/xml-crypto-verify';

/** Issue 3 in the pipeline: invoices signed by the tenant's mali mühür on a real token, and caller-signed ones verified. */
describe(`signing in the invoice pipeline (${TEST_DB_KIND})`, function () {
  this.timeout(60_000);
  let gw: TestGateway;
  let client: soap.Client;
  let token: SoftHsmToken;
  const callerCa = createRootCa({ commonName: 'ERP TEST ROOT' });
  const dir = tempDir('gw-sign-');

  before(async () => {
    token = await createSoftHsmToken(sharedSoftHsmDir(), { vkn: TEST_VKN, title: 'TEST TICARET A.S.' });
    const rootsFile = path.join(dir, 'trusted-roots.pem');
    fs.writeFileSync(rootsFile, callerCa.certPem + testRootCa().certPem);
    gw = await startTestGateway({ env: { GW_TRUSTED_ROOTS: rootsFile } });
    client = await soapClient(gw);
  });
  after(async () => {
    await gw.gateway.signers.close();
    await gw.close();
  });

  const useToken = (pin: string) => useTokenAsSeal(gw, token, pin, dir);

  async function sendAndRun(xml: string, opts: Record<string, unknown> = {}) {
    const [res] = await client.SendInvoiceAsync({ document: Buffer.from(xml).toString('base64'), ...opts });
    await gw.gateway.worker.runUntilIdle();
    const [status] = await client.GetStatusAsync({ ettn: res.invoice.ettn });
    const row = await gw.testDb.db('invoices').where({ ettn: res.invoice.ettn }).first();
    return { status: status.invoice, row };
  }

  it('signs with the tenant’s SoftHSM token; xmlsec1, xml-crypto and our verifier accept it, and all reject a one-character change', async () => {
    await useToken(token.pin);
    const { status, row } = await sendAndRun(makeInvoice({ profile: 'TEMELFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, number: null, lines: 5 }), { assignNumber: true });
    expect(status).to.include({ state: 'SIGNED' });
    const history = [status.history.entry].flat();
    expect(history.at(-1).reason).to.equal('mali mühür ile imzalandı (pkcs11)');
    const signed = await gw.gateway.blobs.get(row.signed_sha256);
    expect(signed.toString()).to.contain(`<cbc:ID>${status.invoiceNumber}</cbc:ID>`);
    const ours = await verifyXml(signed, { trustedRoots: [Buffer.from(testRootCa().certPem)], expectedSignerId: TEST_VKN });
    expect(ours.signerId).to.equal(TEST_VKN);
    expect((await xmlsecVerify(signed, testRootCa().certPem)).ok).to.equal(true);
    assertXmlCryptoVerifies(signed);

    const number: string = status.invoiceNumber;
    const other = `${number.slice(0, -1)}${number.endsWith('9') ? '8' : '9'}`;
    const tampered = Buffer.from(signed.toString().replace(`<cbc:ID>${number}</cbc:ID>`, `<cbc:ID>${other}</cbc:ID>`));
    expect(tampered.equals(signed)).to.equal(false);
    expect((await xmlsecVerify(tampered, testRootCa().certPem)).ok).to.equal(false);
    expect(xmlCryptoVerify(tampered).ok).to.equal(false);
    let fault: unknown;
    await verifyXml(tampered, { trustedRoots: [Buffer.from(testRootCa().certPem)] }).catch((e) => (fault = e));
    expect((fault as { fault?: string }).fault).to.equal('SIGNATURE_INVALID');
  });

  it('a wrong PIN fails the job for good: the invoice shows -1 with the PIN fault’s code, nothing is signed', async () => {
    await useToken('000000');
    const { status, row } = await sendAndRun(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: null }), { assignNumber: true });
    expect(status).to.include({ state: 'ERROR' });
    expect(Number(status.status)).to.equal(-1);
    expect(Number(status.code)).to.equal(4403);
    expect(status.description).to.equal('MALI MUHUR PIN HATALI');
    expect(status.portalTab).to.equal('Hatalı');
    expect(row.signed_sha256).to.equal(null);
    await useToken(token.pin);
  });

  describe('documents the caller signed itself (signed=true)', () => {
    async function callerSigned(vkn: string, ca = callerCa, xml?: string): Promise<string> {
      const seal = softwareSeal(tempDir('gw-erp-seal-'), { vkn, ca });
      const signer = await createSigner(seal.config);
      try {
        return (await signXml(xml ?? makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: `SIG2026${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}` }), signer)).toString();
      } finally {
        await signer.close();
      }
    }

    async function expectRejected(xml: string, code: number) {
      const before = await gw.testDb.db('invoices').count({ n: '*' }).first();
      const fault = await client.SendInvoiceAsync({ document: Buffer.from(xml).toString('base64'), signed: true }).then(
        () => null,
        faultOf,
      );
      expect(fault?.code, JSON.stringify(fault)).to.equal(code);
      expect(await gw.testDb.db('invoices').count({ n: '*' }).first()).to.deep.equal(before);
    }

    it('a valid signature of the tenant’s own seal is kept as it is and the invoice moves to İmzalandı', async () => {
      const xml = await callerSigned(TEST_VKN);
      const { status, row } = await sendAndRun(xml, { signed: true });
      expect(status.state).to.equal('SIGNED');
      expect([status.history.entry].flat().at(-1).reason).to.equal('belge cagiranin imzasiyla kabul edildi');
      expect(row.signed_sha256).to.equal(row.document_sha256);
    });

    it('a tampered signed invoice → 1177 GECERSIZ IMZA, nothing stored', async () => {
      const xml = await callerSigned(TEST_VKN);
      const tampered = xml.replace('<cbc:Name>Tedarikçi Anonim Şirketi', '<cbc:Name>Tedarikci Anonim Şirketi');
      expect(tampered).not.to.equal(xml);
      await expectRejected(tampered, 1177);
    });

    it('a certificate from an untrusted root → 4412', async () => {
      await expectRejected(await callerSigned(TEST_VKN, createRootCa({ commonName: 'ROGUE ROOT' })), 4412);
    });

    it('signed by another company’s seal → 1176 IMZA SAHIBI YETKISIZ', async () => {
      await expectRejected(await callerSigned(OTHER_VKN), 1176);
    });

    it('two signatures → 4410', async () => {
      const once = await callerSigned(TEST_VKN);
      const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(once)![0];
      await expectRejected(once.replace('</ext:UBLExtensions>', `<ext:UBLExtension><ext:ExtensionContent>${signature.replace(/Id="/g, 'Id="x')}</ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>`), 4410);
    });

    it('a signed document sent as unsigned is refused (4004), so it is never signed twice', async () => {
      const fault = await client.SendInvoiceAsync({ document: Buffer.from(await callerSigned(TEST_VKN)).toString('base64') }).then(() => null, faultOf);
      expect(fault?.code).to.equal(4004);
    });
  });
});

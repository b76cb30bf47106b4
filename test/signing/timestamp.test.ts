/**
 * Zaman damgası (issue 12): the RFC 3161 client against a local TSA (OpenSSL's `ts`), and XAdES-T's
 * SignatureTimeStamp on a sealed e-Defter document — the token verifies with `openssl ts -verify` over the SHA-256 of
 * the canonical SignatureValue, the document's own signature still verifies with xmlsec1, GİB's XSD still passes,
 * and GİB's approval can still be added beside it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { counterSignBerat, verifyApprovedBerat } from '../../src/gib/protocol/edefter-approval';
import { sealWith } from '../../src/ledger/canonical-out';
import { readCsvJournal } from '../../src/ledger/journal-csv';
import { DEFTER_NAMESPACES } from '../../src/ledger/xbrl-gl';
import { createYevmiyeWriter } from '../../src/ledger/yevmiye-writer';
import { certificatesFrom } from '../../src/signing/cert';
import { createRootCa } from '../../src/signing/dev-seal';
import { createSigner } from '../../src/signing';
import { createRfc3161Client } from '../../src/gib/tsa-client';
import { timestampRequest, tokenOfResponse, withSignatureTimestamp } from '../../src/signing/timestamp';
import { C14N, canonicalBytes } from '../../src/xml/c14n';
import { parseXml } from '../../src/xml/parse';
import { firstChild } from '../../src/xml/query';
import { tempDir } from '../helpers/db';
import { demoDocument, edefterXsdProblems } from '../helpers/edefter';
import { REPO_DIR } from '../helpers/paths';
import { startLocalTsa, type LocalTsa } from '../helpers/tsa';
import { softwareSeal, xmlsecVerify } from './fixtures';

const DS = 'http://www.w3.org/2000/09/xmldsig#';
const XADES = 'http://uri.etsi.org/01903/v1.3.2#';
const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest();

describe('zaman damgası: RFC 3161 client and XAdES-T SignatureTimeStamp on an e-Defter signature', function () {
  this.timeout(60_000);
  let tsa: LocalTsa;
  const dir = tempDir('gw-timestamp-');
  before(async () => {
    tsa = await startLocalTsa();
  });
  after(() => tsa.stop());

  it('a token from the TSA verifies with openssl over the digest sent, and over no other', async () => {
    const digest = sha('belge');
    const token = await createRfc3161Client({ url: tsa.url, timeoutMs: 5000 }).stamp(digest);
    expect(tsa.verify(token, digest)).to.equal(true);
    expect(tsa.verify(token, sha('başka belge'))).to.equal(false);
  });

  it('an answer for another digest or another nonce is refused; an unreachable TSA is a retryable signing failure', async () => {
    const digest = sha('belge');
    const nonce = Buffer.from('0102030405060708', 'hex');
    const res = await fetch(tsa.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: new Uint8Array(timestampRequest(digest, nonce)) });
    const reply = Buffer.from(await res.arrayBuffer());
    expect(tokenOfResponse(reply, digest, nonce).length).to.be.greaterThan(500);
    expect(() => tokenOfResponse(reply, sha('başka'), nonce)).to.throw(/başka bir özete/);
    expect(() => tokenOfResponse(reply, digest, Buffer.from('0102030405060709', 'hex'))).to.throw(/nonce/);
    const err = await createRfc3161Client({ url: 'http://127.0.0.1:9/tsa', timeoutMs: 1000 }).stamp(digest).catch((e: unknown) => e as { fault: string; spec: { retryable: boolean } });
    expect(err).to.deep.include({ fault: 'SIGNER_FAILED' });
    expect((err as { spec: { retryable: boolean } }).spec.retryable).to.equal(true);
  });

  it('a sealed Yevmiye gains a SignatureTimeStamp over its SignatureValue; xmlsec1, GİB\'s XSD and GİB\'s approval still hold', async () => {
    const seal = softwareSeal(dir, { vkn: '1234567801' });
    const signer = await createSigner(seal.config);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const w = await createYevmiyeWriter(out, { ...demoDocument('Y'), firstLineNumber: 1 });
    for await (const e of readCsvJournal(fs.createReadStream(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv')))) await w.entry(e);
    const stamped = new Set<string>();
    await w.end(async (digest) => {
      const signature = await withSignatureTimestamp(await sealWith(signer, DEFTER_NAMESPACES)(digest), createRfc3161Client({ url: tsa.url, timeoutMs: 5000 }), DEFTER_NAMESPACES);
      stamped.add(signature);
      return signature;
    });
    const xml = Buffer.concat(chunks);
    expect(stamped.size).to.equal(1);

    const doc = parseXml(xml);
    const sig = firstChild(doc.root, DS, 'Signature')!;
    const sv = firstChild(sig, DS, 'SignatureValue')!;
    const encapsulated = /<xades:EncapsulatedTimeStamp>([^<]+)</.exec(xml.toString('utf8'))![1]!;
    const token = Buffer.from(encapsulated, 'base64');
    expect(tsa.verify(token, sha(canonicalBytes(doc, { method: C14N, element: sv }))), 'the stamp covers the canonical SignatureValue').to.equal(true);
    expect(xml.toString('utf8')).to.contain('<xades:UnsignedSignatureProperties><xades:SignatureTimeStamp');

    const ca = (seal as { certPem: string; ca: { certPem: string } }).ca.certPem;
    expect((await xmlsecVerify(xml, ca)).ok, 'our own seal still verifies').to.equal(true);
    const file = path.join(fs.mkdtempSync(path.join(dir, 'x')), '1234567801-202601-Y-000000.xml');
    fs.writeFileSync(file, xml);
    expect(edefterXsdProblems(file)).to.deep.equal([]);

    // GİB's approval goes beside the stamp, in the same unsigned properties, and verifies.
    const gibRoot = createRootCa({ commonName: 'GIB TEST KOK' });
    const gib = await createSigner(softwareSeal(fs.mkdtempSync(path.join(dir, 'g')), { vkn: '3900000000', ca: gibRoot, name: 'gib' }).config);
    const approved = await counterSignBerat(xml, gib);
    const usp = firstChild(firstChild(firstChild(firstChild(parseXml(approved).root, DS, 'Signature')!, DS, 'Object')!, XADES, 'QualifyingProperties')!, XADES, 'UnsignedProperties')!;
    expect(usp.children[0]!.children.map((c) => c.local)).to.deep.equal(['SignatureTimeStamp', 'CounterSignature']);
    expect(verifyApprovedBerat(approved, { trustedRoots: certificatesFrom(gibRoot.certPem), now: new Date() }).signatureValue).to.equal(sv.text.replace(/\s+/g, ''));
    expect((await xmlsecVerify(approved, ca)).ok).to.equal(true);
    await signer.close();
    await gib.close();
  });
});

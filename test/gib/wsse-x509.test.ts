/**
 * WS-Security X.509 as GİB's e-Defter web service asks for it (Web Servis Kılavuzu V1.7): the Timestamp and the Body
 * of a SOAP 1.2 message signed with a seal, the certificate path as an X509PKIPathv1 token. Judged by the gateway's
 * verifier (what the simulator will run) and, independently, by xml-crypto on the same bytes.
 */
import { DOMParser } from '@xmldom/xmldom';
import { expect } from 'chai';
import { SignedXml } from 'xml-crypto';
import { certificatesOfPkiPath, pkiPath, signedSoap12, verifySoap12, WsSecurityError } from '../../src/gib/protocol/wsse-x509';
import { createRootCa } from '../../src/signing/dev-seal';
import { createSigner, type Signer } from '../../src/signing';
import { certificatesFrom } from '../../src/signing/cert';
import { softwareSeal, tempDir } from '../signing/fixtures';

const WEB = 'http://webservice.edefter.gib.gov.tr/';
const BODY = '<web:getBatchStatus><paketID>1234567801-202601-YB-000000</paketID></web:getBatchStatus>';

/** xml-crypto's verdict on the message's signature, with the signer's certificate given (it trusts no KeyInfo). */
function xmlCryptoVerdict(xml: Buffer, certPem: string): boolean {
  const doc = new DOMParser().parseFromString(xml.toString('utf8'), 'text/xml');
  const sig = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]!;
  const v = new SignedXml({ publicCert: certPem });
  v.loadSignature(sig as unknown as Node);
  try {
    return v.checkSignature(xml.toString('utf8'));
  } catch {
    return false;
  }
}

describe('WS-Security X.509 (GİB e-Defter web service): Timestamp and Body signed, X509PKIPathv1 token', () => {
  // The real time: the seals below are issued now, valid from an hour ago (a fixed date would fall before them).
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const ca = createRootCa({ commonName: 'WSSE TEST ROOT' });
  const seal = softwareSeal(tempDir('wsse'), { vkn: '1234567801', ca });
  const roots = [certificatesFrom(ca.certPem)[0]!];
  let signer: Signer;
  let message: Buffer;

  before(async () => {
    signer = await createSigner(seal.config);
    message = await signedSoap12(BODY, signer, { now, namespaces: { web: WEB } });
  });
  after(() => signer.close());

  it('the message is GİB\'s shape: token, signature over #Body and #Timestamp with exclusive C14N and RSA-SHA256', () => {
    const text = message.toString('utf8');
    expect(text).to.match(/<wsse:BinarySecurityToken [^>]*ValueType="[^"]*#X509PKIPathv1"/);
    expect(text).to.contain('<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256">');
    expect(text).to.match(/<ds:CanonicalizationMethod Algorithm="http:\/\/www.w3.org\/2001\/10\/xml-exc-c14n#"><ec:InclusiveNamespaces [^>]*PrefixList="soap web"/);
    expect([...text.matchAll(/<ds:Reference URI="#(id|TS)-/g)]).to.have.length(2);
    expect(text).to.match(/<wsse:Reference URI="#X509-[^"]+" ValueType="[^"]*#X509PKIPathv1">/);
  });

  it('the gateway\'s verifier accepts it and names the signer; xml-crypto agrees on the same bytes', () => {
    const v = verifySoap12(message, { trustedRoots: roots, now });
    expect(v.signer.vknTckn).to.equal('1234567801');
    expect(v.body.children[0]!.local).to.equal('getBatchStatus');
    expect(xmlCryptoVerdict(message, seal.certPem)).to.equal(true);
  });

  it('a PkiPath holds the path from the root\'s side to the signer, and reads back signer first', async () => {
    const chain = await signer.certificateChain();
    expect(certificatesOfPkiPath(pkiPath(chain)).map((c) => c.toString('hex'))).to.deep.equal(chain.map((c) => c.toString('hex')));
  });

  const refusals: Array<[string, (m: string) => string, RegExp]> = [
    ['a changed body', (m) => m.replace('YB-000000', 'KB-000000'), /digest does not match/],
    ['a changed timestamp', (m) => m.replace(/<wsu:Expires>[^<]+/, '<wsu:Expires>2030-01-01T00:00:00.000Z'), /digest does not match/],
    ['a changed signature value', (m) => m.replace(/<ds:SignatureValue>(.)/, (_s, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`), /does not verify/],
    ['the signed body moved into the header and another put in its place (wrapping)', (m) => {
      const body = /<soap:Body [^>]*>.*<\/soap:Body>/s.exec(m)![0];
      const moved = body.replace('<soap:Body', '<web:Wrapped').replace('</soap:Body>', '</web:Wrapped>');
      return m.replace('</soap:Header>', `${moved}</soap:Header>`).replace(body, '<soap:Body><web:getBatchStatus><paketID>9999999999-202601-YB-000000</paketID></web:getBatchStatus></soap:Body>');
    }, /neither the Body nor the Timestamp|both be signed/],
  ];
  for (const [what, change, why] of refusals) {
    it(`refuses ${what}`, () => {
      const bad = Buffer.from(change(message.toString('utf8')));
      expect(bad.equals(message)).to.equal(false);
      expect(() => verifySoap12(bad, { trustedRoots: roots, now })).to.throw(WsSecurityError, why);
      if (!what.includes('wrapping')) expect(xmlCryptoVerdict(bad, seal.certPem), 'xml-crypto').to.equal(false);
    });
  }

  it('refuses a seal from another root, and a message out of its time', () => {
    const other = certificatesFrom(createRootCa({ commonName: 'OTHER ROOT' }).certPem);
    expect(() => verifySoap12(message, { trustedRoots: other, now })).to.throw(WsSecurityError, /certificate: untrusted/);
    expect(() => verifySoap12(message, { trustedRoots: roots, now: new Date(now.getTime() + 3_600_000) })).to.throw(WsSecurityError, /timestamp not current/);
  });
});

/**
 * Certificate details the signatures carry, checked against GİB's own sample mali mühür certificate.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import forge from 'node-forge';
import { certInfo, certificatesFrom, verifyChain, vknTcknFromAttributes, type DnAttribute } from '../../src/signing/cert';
import { createRootCa, issueSealCertificate } from '../../src/signing/dev-seal';
import { OLD_SAMPLES_DIR } from '../helpers/paths';

function gibSampleCertificate(): { der: Buffer; subjectName: string } {
  const xml = fs.readFileSync(path.join(OLD_SAMPLES_DIR, '1_TEMEL_FATURA.xml'), 'utf8');
  const b64 = /<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/.exec(xml)![1];
  const subjectName = /<ds:X509SubjectName>([^<]+)<\/ds:X509SubjectName>/.exec(xml)![1];
  return { der: Buffer.from(b64.replace(/\s+/g, ''), 'base64'), subjectName };
}

const attr = (oid: string, value: string): DnAttribute[] => [{ oid, tag: forge.asn1.Type.PRINTABLESTRING as number, value, der: '' }];

describe('signing/cert', () => {
  it('reads a Kamu SM mali mühür certificate: VKN from the subject serialNumber, names as GİB\'s tool writes them', () => {
    const { der, subjectName } = gibSampleCertificate();
    const info = certInfo(der);
    assert.equal(info.vknTckn, '9999999999');
    // Byte for byte the ds:X509SubjectName of GİB's sample (Java's RFC 2253 form, serialNumber as #hex).
    assert.equal(info.subject, subjectName);
    assert.equal(info.issuer, 'CN=Mali Mühür Elektronik Sertifika Hizmet Sağlayıcısı - Sürüm 1,C=TR');
    assert.equal(info.serialDecimal, '662936601706'); // xades:IssuerSerial in the same sample
    assert.equal(info.notAfter.toISOString(), '2015-02-03T11:24:39.000Z');
  });

  it('finds a VKN/TCKN in serialNumber (bare or with an ETSI prefix) or organizationIdentifier, and nothing else', () => {
    assert.equal(vknTcknFromAttributes([attr('2.5.4.5', '1234567890')]), '1234567890');
    assert.equal(vknTcknFromAttributes([attr('2.5.4.5', '12345678901')]), '12345678901');
    assert.equal(vknTcknFromAttributes([attr('2.5.4.5', 'TINTR-12345678901')]), '12345678901');
    assert.equal(vknTcknFromAttributes([attr('2.5.4.97', 'VATTR-1234567890')]), '1234567890');
    assert.equal(vknTcknFromAttributes([attr('2.5.4.3', '1234567890')]), null, 'a CN is not an identity number');
    assert.equal(vknTcknFromAttributes([attr('2.5.4.5', '123456789')]), null);
    assert.equal(vknTcknFromAttributes([attr('2.5.4.5', 'ABC-1234567890')]), null);
  });

  it('builds chains: issuer signature, CA flag, validity of every link, pinning of an end-entity certificate', () => {
    const now = new Date();
    const der = (pem: string) => certificatesFrom(pem)[0];
    const keyPem = () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const root = createRootCa({ commonName: 'R' });
    const leafPem = issueSealCertificate({ publicKey: keyPem(), vkn: '1234567890', title: 'T', ca: root });
    const leaf = der(leafPem);
    assert.ok(verifyChain(leaf, [], [der(root.certPem)], now).ok);
    assert.equal(verifyChain(leaf, [], [], now).problem, 'untrusted');
    assert.ok(verifyChain(leaf, [], [leaf], now).ok, 'pinned');
    assert.equal(verifyChain(leaf, [], [der(root.certPem)], new Date(now.getTime() + 20 * 365 * 86400e3)).problem, 'expired');
    // A certificate "issued" under the leaf's name with the root's key (the leaf is no CA) is refused even when
    // the leaf is trusted.
    const child = issueSealCertificate({ publicKey: keyPem(), vkn: '1234567890', title: 'C', ca: { certPem: leafPem, keyPem: root.keyPem } });
    assert.equal(verifyChain(der(child), [], [leaf], now).ok, false);
  });
});

/**
 * Documents and helpers shared by the signing tests and bench/signing.bench.ts.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRootCa, issueSealCertificate, type CaMaterial } from '../../src/signing/dev-seal';
import type { SoftwareSignerConfig } from '../../src/signing/signer';
import { UBL_SAMPLES_DIR } from '../helpers/paths';

const execFileP = promisify(execFile);

/**
 * GİB's TemelFaturaOrnegi.xml (UBL-TR 1.2.1, CRLF line ends, an xml-stylesheet PI) with its XMLSpy placeholder
 * in ExtensionContent removed, and its invoice line repeated to `lines` lines.
 */
export function sampleInvoice(lines = 1): string {
  const xml = fs
    .readFileSync(path.join(UBL_SAMPLES_DIR, 'TemelFaturaOrnegi.xml'), 'utf8')
    .replace(/\s*<n4:auto-generated_for_wildcard\/>\s*/, '');
  if (lines === 1) return xml;
  const start = xml.indexOf('<cac:InvoiceLine>');
  const end = xml.indexOf('</cac:InvoiceLine>') + '</cac:InvoiceLine>'.length;
  const line = xml.slice(start, end);
  const all = Array.from({ length: lines }, (_, i) => line.replace(/<cbc:ID>1<\/cbc:ID>/, `<cbc:ID>${i + 1}</cbc:ID>`)).join('\r\n\t');
  return xml.slice(0, start) + all + xml.slice(end).replace(/<cbc:LineCountNumeric>1</, `<cbc:LineCountNumeric>${lines}<`);
}

export const SAMPLE_VKN = '1288331521'; // the supplier's VKN in TemelFaturaOrnegi.xml

const made: string[] = [];
process.once('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed when the process exits. */
export function tempDir(tag: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `gw-${tag}-`));
  made.push(d);
  return d;
}

export interface SoftwareSeal {
  config: SoftwareSignerConfig;
  ca: CaMaterial;
  certPem: string;
}

/** A software seal (PEM files in `dir`) issued by `ca` (default: a new root). */
export function softwareSeal(dir: string, opts: { vkn?: string; title?: string; ca?: CaMaterial; notBefore?: Date; notAfter?: Date; name?: string } = {}): SoftwareSeal {
  const ca = opts.ca ?? createRootCa({ commonName: 'SIGNING TEST ROOT' });
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const name = opts.name ?? 'seal';
  const keyFile = path.join(dir, `${name}.key.pem`);
  const certFile = path.join(dir, `${name}.cert.pem`);
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const certPem = issueSealCertificate({
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    vkn: opts.vkn ?? SAMPLE_VKN,
    title: opts.title ?? 'AAA Anonim Şirketi',
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    ca,
  });
  fs.writeFileSync(certFile, certPem);
  return { config: { type: 'software', keyFile, certFile }, ca, certPem };
}

/**
 * Verify with xmlsec1 (libxml2 + OpenSSL), independently of our code. Resolves to xmlsec1's verdict.
 * `integrityOnly`: take the key from ds:KeyValue and skip the chain (OpenSSL's store cannot pin an end-entity
 * certificate, so GİB's 2013 sample can only be checked that way).
 */
export async function xmlsecVerify(
  xml: Buffer | string,
  trustedPem: string,
  opts: { extraArgs?: string[]; integrityOnly?: boolean } = {},
): Promise<{ ok: boolean; output: string }> {
  const dir = tempDir('xmlsec');
  const file = path.join(dir, 'doc.xml');
  const ca = path.join(dir, 'ca.pem');
  fs.writeFileSync(file, xml);
  fs.writeFileSync(ca, trustedPem);
  try {
    // xmlsec1 resolves URI="#…" only through attributes it knows as IDs: xades:SignedProperties/@Id must be named
    // (namespace and node name, "ns:Node"); the enveloped reference (URI="") needs nothing.
    // --enabled-key-data x509: otherwise xmlsec1 takes the key from ds:KeyValue (which GİB's skeleton requires)
    // and never checks the certificate against the trusted root (measured: a foreign root "verified").
    const { stdout, stderr } = await execFileP('xmlsec1', [
      '--verify',
      ...(opts.integrityOnly ? [] : ['--enabled-key-data', 'x509']),
      '--trusted-pem',
      ca,
      '--id-attr:Id',
      'http://uri.etsi.org/01903/v1.3.2#:SignedProperties',
      ...(opts.extraArgs ?? []),
      file,
    ]);
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

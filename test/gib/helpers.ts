import { isGatewayError } from '../../src/faults';
/**
 * Shared by the GİB protocol tests: GİB's files (read in place, never copied into the repository), an independent
 * XSD check with libxml2's xmllint, and a software seal for signing.
 *
 * Why xmllint and not the project's compiled validator (src/validation/ubl-tr/xsd.ts): GİB's envelope schema
 * (Envelope/PackageProxy_1_2.xsd → Package_1_2.xsd) imports UBL-Invoice-2.1.xsd & co. from its own folder, where
 * they are not shipped, and the HR-XML schemas it imports use xs:union (OAGIS code lists), which the compiled
 * validator does not implement ("only restriction is supported"). libxml2 skips an import it cannot load and takes
 * the one already imported for the namespace, so a wrapper schema that first imports UBL-TR 1.2.1's maindoc schemas
 * and then GİB's envelope schema validates a whole envelope, documents inside included (the ElementList wildcard
 * is processContents="strict"). Every *_ZARF.xml and system response sample of GİB's package passes it.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRootCa, issueSealCertificate, type CaMaterial } from '../../src/signing/dev-seal';
import { createSigner, type Signer } from '../../src/signing/signer';
import { GIB_DIR, OLD_SAMPLES_DIR, UBL_SAMPLES_DIR, UBL_XSD_DIR } from '../helpers/paths';

export { GIB_DIR, OLD_SAMPLES_DIR, UBL_SAMPLES_DIR };
export const DOCS_DIR = path.join(GIB_DIR, 'docs');
export const ENVELOPE_XSD_DIR = path.join(GIB_DIR, 'e-fatura-paketi', 'xsd', 'Envelope');
export const WSDL_FILE = path.join(GIB_DIR, 'e-fatura-paketi', 'wsdl', 'EFatura_Test.wsdl');

export function sample(name: string): Buffer {
  return fs.readFileSync(path.join(OLD_SAMPLES_DIR, name));
}

export function ublSample(name: string): Buffer {
  return fs.readFileSync(path.join(UBL_SAMPLES_DIR, name));
}

export function doc(name: string): string {
  return fs.readFileSync(path.join(DOCS_DIR, name), 'utf8');
}

const made: string[] = [];
process.once('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(tag: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `gw-gib-${tag}-`));
  made.push(d);
  return d;
}

let wrapper: string | null = null;

/** The wrapper schema (in a temp dir): UBL-TR 1.2.1 maindoc schemas, then GİB's envelope schema. */
function envelopeSchema(): string {
  if (wrapper) return wrapper;
  const dir = tempDir('xsd');
  const maindoc = path.join(UBL_XSD_DIR, 'maindoc');
  const imports = [
    ['urn:oasis:names:specification:ubl:schema:xsd:Invoice-2', path.join(maindoc, 'UBL-Invoice-2.1.xsd')],
    ['urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2', path.join(maindoc, 'UBL-ApplicationResponse-2.1.xsd')],
    ['urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2', path.join(maindoc, 'UBL-DespatchAdvice-2.1.xsd')],
    ['urn:oasis:names:specification:ubl:schema:xsd:ReceiptAdvice-2', path.join(maindoc, 'UBL-ReceiptAdvice-2.1.xsd')],
    ['http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader', path.join(ENVELOPE_XSD_DIR, 'PackageProxy_1_2.xsd')],
  ];
  const xsd =
    '<?xml version="1.0"?>\n<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">\n' +
    imports.map(([ns, loc]) => `  <xs:import namespace="${ns}" schemaLocation="${loc}"/>\n`).join('') +
    '</xs:schema>\n';
  wrapper = path.join(dir, 'envelope-wrapper.xsd');
  fs.writeFileSync(wrapper, xsd);
  return wrapper;
}

export interface XsdResult {
  ok: boolean;
  /** xmllint's messages without its schema-loading warnings. */
  output: string;
}

/** libxml2's verdict on a document against an XSD file — an engine independent of ours. */
export function xmllint(schema: string, xml: Buffer): XsdResult {
  const dir = tempDir('doc');
  const file = path.join(dir, 'doc.xml');
  fs.writeFileSync(file, xml);
  try {
    const out = execFileSync('xmllint', ['--noout', '--nonet', '--schema', schema, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, output: out };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`
      .split('\n')
      .filter((l) => !/warning|Skipping (the )?import/.test(l))
      .join('\n');
    return { ok: false, output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Validate an envelope, a UBL ApplicationResponse/Invoice, or a ProcessUserAccount against GİB's schemas. */
export function validateGib(xml: Buffer): XsdResult {
  return xmllint(envelopeSchema(), xml);
}

let wsdlSchema: string | null = null;

/**
 * The WSDL's two inline schemas as files: xmlmime (the base64Binary type with its contentType attribute) and GİB's
 * eFatura types, with the import pointed at the first. Validates a SOAP Body's child element.
 */
export function validateWsdlBody(bodyElement: Buffer): XsdResult {
  if (!wsdlSchema) {
    const dir = tempDir('wsdl');
    const wsdl = fs.readFileSync(WSDL_FILE, 'utf8');
    const schemas = [...wsdl.matchAll(/<xs:schema[\s\S]*?<\/xs:schema>/g)].map((m) => m[0]);
    const mime = schemas.find((s) => s.includes('targetNamespace="http://www.w3.org/2005/05/xmlmime"'))!;
    const gib = schemas.find((s) => s.includes('targetNamespace="http://gib.gov.tr/vedop3/eFatura"'))!;
    fs.writeFileSync(path.join(dir, 'xmlmime.xsd'), `<?xml version="1.0"?>\n${mime}`);
    wsdlSchema = path.join(dir, 'efatura.xsd');
    fs.writeFileSync(
      wsdlSchema,
      `<?xml version="1.0"?>\n${gib.replace('<xs:import namespace="http://www.w3.org/2005/05/xmlmime" />', '<xs:import namespace="http://www.w3.org/2005/05/xmlmime" schemaLocation="xmlmime.xsd"/>')}`,
    );
  }
  return xmllint(wsdlSchema, bodyElement);
}

export interface TestSeal {
  signer: Signer;
  ca: CaMaterial;
  vkn: string;
}

/** A software seal for `vkn`, issued by a fresh root (the key in a temp dir). */
export async function testSeal(vkn: string, title: string): Promise<TestSeal> {
  const dir = tempDir('seal');
  const ca = createRootCa({ commonName: 'GIB PROTOCOL TEST ROOT' });
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = path.join(dir, 'seal.key.pem');
  const certFile = path.join(dir, 'seal.cert.pem');
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(certFile, issueSealCertificate({ publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), vkn, title, ca }));
  const signer = await createSigner({ type: 'software', keyFile, certFile });
  return { signer, ca, vkn };
}

/**
 * GİB's UBL-TR 1.2.1 TemelFaturaOrnegi.xml (CRLF line ends, an xml-stylesheet processing instruction before the
 * root) with the editor's placeholder in ExtensionContent removed, so the signer can put the signature there.
 */
export function sampleInvoice(): Buffer {
  return Buffer.from(ublSample('TemelFaturaOrnegi.xml').toString('utf8').replace(/\s*<n4:auto-generated_for_wildcard\/>\s*/, ''), 'utf8');
}

export const SAMPLE_SUPPLIER_VKN = '1288331521'; // AccountingSupplierParty of TemelFaturaOrnegi.xml

/** The message of the REQUEST_FIELD fault a builder throws for a bad spec (anything else is rethrown). */
export function fieldError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isGatewayError(err) && err.fault === 'REQUEST_FIELD') return err.message;
    throw err;
  }
  throw new Error('expected REQUEST_FIELD');
}

/**
 * Verification of enveloped XAdES signatures on documents that arrive (invoices, application responses,
 * envelopes…), with the checks that stop signature wrapping. Everything — structure, references, digests — is
 * read from one parse (src/xml), so no second parser can see a different document than the one checked.
 *
 * Order of checks and faults:
 *   1. exactly one ds:Signature (counter-signatures nested inside it do not count): SIGNATURE_MISSING /
 *      SIGNATURE_MULTIPLE;
 *   2. structure: one Reference URI="" with the enveloped-signature transform (plus at most a C14N transform)
 *      covering the whole document; the SignedProperties reference resolves, by a unique Id, to
 *      xades:SignedProperties inside this signature's own Object/QualifyingProperties; any other reference stays
 *      inside the signature; on UBL documents the signature sits in ext:UBLExtensions of the root:
 *      SIGNATURE_WRAPPING;
 *   3. digests, SignatureValue, SigningCertificate digest/serial, KeyValue = certificate key: SIGNATURE_INVALID;
 *   4. certificate chain to one of `trustedRoots`, validity at `now`: SIGNATURE_UNTRUSTED;
 *   5. VKN/TCKN from the certificate: SIGNATURE_OWNER_UNKNOWN when there is none and one is expected,
 *      SIGNER_NOT_AUTHORISED when it differs from `expectedSignerId`.
 * SHA-1 is refused as digest and signature algorithm (GİB's schematron refuses rsa-sha1 for UBL 2.1).
 */
import crypto from 'node:crypto';
import { GatewayError, isGatewayError } from '../faults';
import { certificatesFrom, certInfo, verifyChain, type CertInfo } from './cert';
import { C14N, canonicalBytes, isC14nMethod, type C14nMethod } from '../xml/c14n';
import { parseXml, type XmlDocument, type XmlElement } from '../xml/parse';
import { attrValue, childrenNamed, elementsById, firstChild, textContent } from '../xml/query';
import { DS_NS, ENVELOPED, EXT_NS, SIGNED_PROPERTIES_TYPE, XADES141_NS, XADES_NS } from './xades';

export interface VerifyOptions {
  /** Trust anchors, DER or PEM (a PEM buffer may hold several). A trusted end-entity certificate pins itself. */
  trustedRoots: Array<Buffer | string>;
  /** VKN/TCKN the signer must have. */
  expectedSignerId?: string;
  now?: Date;
}

export interface VerifyResult {
  signerId: string | null;
  /** The signer's certificate, DER. */
  certificate: Buffer;
  signingTime: Date | null;
}

const DIGESTS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};
const SIGNATURE_METHODS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': 'sha384',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'sha512',
};
const EXC_NS = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const UBL_MAINDOC_PREFIX = 'urn:oasis:names:specification:ubl:schema:xsd:';

function wrapping(detail: string): GatewayError {
  return new GatewayError('SIGNATURE_WRAPPING', { detail }, detail);
}

function invalid(detail: string): GatewayError {
  return new GatewayError('SIGNATURE_INVALID', { detail }, detail);
}

interface ParsedReference {
  el: XmlElement;
  uri: string;
  type: string | undefined;
  transforms: Array<{ algorithm: string; prefixes?: string[] }>;
  digestAlgorithm: string;
  digestValue: Buffer;
}

function only(parent: XmlElement, ns: string, local: string, what: string, fault: (d: string) => GatewayError): XmlElement {
  const found = childrenNamed(parent, ns, local);
  if (found.length !== 1) throw fault(`${what}: expected one ${local}, found ${found.length}`);
  return found[0];
}

function inclusivePrefixes(el: XmlElement): string[] | undefined {
  const inc = firstChild(el, EXC_NS, 'InclusiveNamespaces');
  const list = inc ? attrValue(inc, 'PrefixList') : undefined;
  return list ? list.trim().split(/\s+/) : undefined;
}

function base64(doc: XmlDocument, el: XmlElement, what: string): Buffer {
  const text = textContent(doc, el).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw invalid(`${what} is not base64`);
  return Buffer.from(text, 'base64');
}

function isInside(el: XmlElement, ancestor: XmlElement): boolean {
  for (let e: XmlElement | null = el; e; e = e.parent) if (e === ancestor) return true;
  return false;
}

export async function verifyXml(xml: Buffer | string, opts: VerifyOptions): Promise<VerifyResult> {
  let doc: XmlDocument;
  try {
    doc = parseXml(xml);
  } catch (err) {
    // The parser's DOCUMENT_DOCTYPE, DOCUMENT_LIMIT and XML_UNPARSABLE as they are; whatever else (not XML at all)
    // is unparsable too.
    if (isGatewayError(err) && (err.fault === 'DOCUMENT_DOCTYPE' || err.fault === 'DOCUMENT_LIMIT' || err.fault === 'XML_UNPARSABLE')) throw err;
    throw new GatewayError('XML_UNPARSABLE', { detail: err instanceof Error ? err.message : String(err) }, err);
  }

  // 1. Exactly one signature (not counting counter-signatures inside it).
  const signatures: XmlElement[] = [];
  const findSignatures = (el: XmlElement): void => {
    if (el.ns === DS_NS && el.local === 'Signature') signatures.push(el);
    else for (const c of el.children) findSignatures(c);
  };
  findSignatures(doc.root);
  if (signatures.length === 0) throw new GatewayError('SIGNATURE_MISSING');
  if (signatures.length > 1) throw new GatewayError('SIGNATURE_MULTIPLE', {}, `${signatures.length} signatures`);
  const sig = signatures[0];

  // 2. Structure.
  const root = doc.root;
  if (sig === root) throw wrapping('an enveloped signature must be inside the document it signs');
  if (root.ns.startsWith(UBL_MAINDOC_PREFIX)) {
    const content = sig.parent;
    const ext = content?.parent;
    const exts = ext?.parent;
    const ok =
      content?.ns === EXT_NS && content.local === 'ExtensionContent' &&
      ext?.ns === EXT_NS && ext.local === 'UBLExtension' &&
      exts?.ns === EXT_NS && exts.local === 'UBLExtensions' && exts.parent === root;
    if (!ok) throw wrapping('the signature is not in the root element\'s ext:UBLExtensions');
  }
  const signedInfo = only(sig, DS_NS, 'SignedInfo', 'Signature', invalid);
  const signatureValueEl = only(sig, DS_NS, 'SignatureValue', 'Signature', invalid);
  const c14nEl = only(signedInfo, DS_NS, 'CanonicalizationMethod', 'SignedInfo', invalid);
  const c14nMethod = attrValue(c14nEl, 'Algorithm') ?? '';
  if (!isC14nMethod(c14nMethod)) throw invalid(`canonicalization ${c14nMethod} not supported`);
  const sigMethod = attrValue(only(signedInfo, DS_NS, 'SignatureMethod', 'SignedInfo', invalid), 'Algorithm') ?? '';
  const sigHash = SIGNATURE_METHODS[sigMethod];
  if (!sigHash) throw invalid(`signature method ${sigMethod} not accepted`);

  const references: ParsedReference[] = childrenNamed(signedInfo, DS_NS, 'Reference').map((el) => {
    const transformsEl = firstChild(el, DS_NS, 'Transforms');
    const transforms = transformsEl
      ? childrenNamed(transformsEl, DS_NS, 'Transform').map((t) => ({ algorithm: attrValue(t, 'Algorithm') ?? '', prefixes: inclusivePrefixes(t) }))
      : [];
    const dm = only(el, DS_NS, 'DigestMethod', 'Reference', invalid);
    return {
      el,
      uri: attrValue(el, 'URI') ?? '\u0000missing',
      type: attrValue(el, 'Type'),
      transforms,
      digestAlgorithm: attrValue(dm, 'Algorithm') ?? '',
      digestValue: base64(doc, only(el, DS_NS, 'DigestValue', 'Reference', invalid), 'DigestValue'),
    };
  });
  if (references.length === 0) throw invalid('no Reference');

  const docRefs = references.filter((r) => r.uri === '');
  if (docRefs.length !== 1) throw wrapping(`expected one Reference URI="", found ${docRefs.length}`);
  const docRef = docRefs[0];
  if (docRef.type === SIGNED_PROPERTIES_TYPE) throw wrapping('the document reference is typed SignedProperties');
  const [first, ...rest] = docRef.transforms;
  if (!first || first.algorithm !== ENVELOPED) throw wrapping('the document reference lacks the enveloped-signature transform');
  if (rest.length > 1 || (rest.length === 1 && !isC14nMethod(rest[0].algorithm))) {
    throw wrapping(`document reference transforms not accepted: ${docRef.transforms.map((t) => t.algorithm).join(', ')}`);
  }

  const targets = new Map<ParsedReference, XmlElement>();
  const ids = elementsById(doc);
  for (const ref of references) {
    if (ref === docRef) continue;
    if (!/^#[A-Za-z_][\w.-]*$/.test(ref.uri)) throw wrapping(`reference URI ${ref.uri} not accepted`);
    const matches = ids.get(ref.uri.slice(1)) ?? [];
    if (matches.length !== 1) throw wrapping(`${matches.length} elements carry Id ${ref.uri.slice(1)}`);
    const target = matches[0];
    if (!isInside(target, sig)) throw wrapping(`reference ${ref.uri} points outside the signature`);
    if (ref.transforms.length > 1 || (ref.transforms.length === 1 && !isC14nMethod(ref.transforms[0].algorithm))) {
      throw wrapping(`reference ${ref.uri}: transforms not accepted`);
    }
    targets.set(ref, target);
  }

  const spRefs = references.filter((r) => r.type === SIGNED_PROPERTIES_TYPE);
  if (spRefs.length !== 1) throw invalid(`expected one SignedProperties reference, found ${spRefs.length}`);
  const signedProperties = targets.get(spRefs[0])!;
  const qualifying = signedProperties.parent;
  const object = qualifying?.parent;
  const isXades = (e: XmlElement | null | undefined, local: string) => !!e && (e.ns === XADES_NS || e.ns === XADES141_NS) && e.local === local;
  if (!isXades(signedProperties, 'SignedProperties') || !isXades(qualifying, 'QualifyingProperties') || object?.ns !== DS_NS || object.local !== 'Object' || object.parent !== sig) {
    throw wrapping('the SignedProperties reference does not point at this signature\'s xades:SignedProperties');
  }
  const sigId = attrValue(sig, 'Id');
  const target = attrValue(qualifying!, 'Target');
  if (target !== undefined && sigId !== undefined && target !== `#${sigId}`) throw wrapping(`QualifyingProperties Target ${target} is not this signature`);

  // 3. Digests and signature value.
  for (const ref of references) {
    const hash = DIGESTS[ref.digestAlgorithm];
    if (!hash) throw invalid(`digest method ${ref.digestAlgorithm} not accepted`);
    const c14n = ref === docRef ? rest[0] : ref.transforms[0];
    const method = (c14n?.algorithm ?? C14N) as C14nMethod;
    const octets =
      ref === docRef
        ? canonicalBytes(doc, { method, exclude: sig, dropComments: true, inclusivePrefixes: c14n?.prefixes })
        : canonicalBytes(doc, { method, element: targets.get(ref)!, dropComments: true, inclusivePrefixes: c14n?.prefixes });
    const digest = crypto.createHash(hash).update(octets).digest();
    if (!digest.equals(ref.digestValue)) throw invalid(ref === docRef ? 'document digest does not match' : `digest of ${ref.uri} does not match`);
  }

  const keyInfo = firstChild(sig, DS_NS, 'KeyInfo');
  const certs: CertInfo[] = [];
  if (keyInfo) {
    for (const data of childrenNamed(keyInfo, DS_NS, 'X509Data')) {
      for (const c of childrenNamed(data, DS_NS, 'X509Certificate')) {
        try {
          certs.push(certInfo(base64(doc, c, 'X509Certificate')));
        } catch (err) {
          if (err instanceof GatewayError) throw err;
          throw invalid('X509Certificate cannot be read');
        }
      }
    }
  }
  if (!certs.length) throw invalid('no X509Certificate in KeyInfo');

  // The signing certificate is the one SignedProperties names by digest; otherwise the signature is not XAdES.
  const ssp = firstChild(signedProperties, signedProperties.ns, 'SignedSignatureProperties');
  const signingCert = ssp ? firstChild(ssp, signedProperties.ns, 'SigningCertificate') ?? firstChild(ssp, signedProperties.ns, 'SigningCertificateV2') : undefined;
  const certRef = signingCert ? firstChild(signingCert, signedProperties.ns, 'Cert') : undefined;
  const certDigest = certRef ? firstChild(certRef, signedProperties.ns, 'CertDigest') : undefined;
  if (!certRef || !certDigest) throw invalid('SignedProperties has no SigningCertificate');
  const cdMethod = firstChild(certDigest, DS_NS, 'DigestMethod');
  const cdHash = DIGESTS[(cdMethod && attrValue(cdMethod, 'Algorithm')) ?? ''];
  if (!cdHash) throw invalid('SigningCertificate digest method not accepted');
  const cdValue = base64(doc, only(certDigest, DS_NS, 'DigestValue', 'CertDigest', invalid), 'CertDigest');
  const leaf = certs.find((c) => crypto.createHash(cdHash).update(c.der).digest().equals(cdValue));
  if (!leaf) throw invalid('no KeyInfo certificate matches SigningCertificate');
  const issuerSerial = firstChild(certRef, signedProperties.ns, 'IssuerSerial');
  const serialEl = issuerSerial ? firstChild(issuerSerial, DS_NS, 'X509SerialNumber') : undefined;
  if (serialEl && textContent(doc, serialEl).trim() !== leaf.serialDecimal) throw invalid('SigningCertificate serial number does not match');

  const keyValue = keyInfo ? firstChild(keyInfo, DS_NS, 'KeyValue') : undefined;
  const rsaKeyValue = keyValue ? firstChild(keyValue, DS_NS, 'RSAKeyValue') : undefined;
  if (rsaKeyValue) {
    const mod = firstChild(rsaKeyValue, DS_NS, 'Modulus');
    const jwk = leaf.x509.publicKey.export({ format: 'jwk' });
    if (!mod || !stripZeros(base64(doc, mod, 'Modulus')).equals(Buffer.from(jwk.n ?? '', 'base64url'))) {
      throw invalid('KeyValue is not the signing certificate\'s key');
    }
  }

  const signedInfoC14n = canonicalBytes(doc, { method: c14nMethod, element: signedInfo, inclusivePrefixes: inclusivePrefixes(c14nEl) });
  const signatureValue = base64(doc, signatureValueEl, 'SignatureValue');
  let good = false;
  try {
    good = crypto.verify(sigHash, signedInfoC14n, { key: leaf.x509.publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, signatureValue);
  } catch {
    good = false;
  }
  if (!good) throw invalid('SignatureValue does not verify');

  // 4. Trust.
  const anchors = opts.trustedRoots.flatMap((r) => certificatesFrom(r));
  const now = opts.now ?? new Date();
  const chain = verifyChain(
    leaf.der,
    certs.filter((c) => c !== leaf).map((c) => c.der),
    anchors,
    now,
  );
  if (!chain.ok) throw new GatewayError('SIGNATURE_UNTRUSTED', { detail: `${chain.problem}: ${chain.detail ?? ''}` }, chain.problem);

  // 5. Owner.
  const signerId = leaf.vknTckn;
  if (opts.expectedSignerId !== undefined) {
    if (!signerId) throw new GatewayError('SIGNATURE_OWNER_UNKNOWN', {}, leaf.subject);
    if (signerId !== opts.expectedSignerId) {
      throw new GatewayError('SIGNER_NOT_AUTHORISED', { detail: `${signerId} != ${opts.expectedSignerId}` }, signerId);
    }
  }

  const stEl = ssp ? firstChild(ssp, signedProperties.ns, 'SigningTime') : undefined;
  const st = stEl ? new Date(textContent(doc, stEl).trim()) : null;
  return { signerId, certificate: leaf.der, signingTime: st && !Number.isNaN(st.getTime()) ? st : null };
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/**
 * A third verifier of the gateway's XAdES-BES signatures, independent of src/signing/verify.ts and of xmlsec1:
 * xml-crypto 6 (node-saml). Which DOM: this helper reads the document with the project's @xmldom/xmldom 0.9 (to pick
 * the signature and check its shape), but xml-crypto 6.3.2 depends on @xmldom/xmldom ^0.8.15 and carries its own copy
 * (node_modules/xml-crypto/node_modules/@xmldom/xmldom, 0.8.15): `checkSignature` parses the document again with that
 * copy, and every digest and canonical form below is computed on it. The signature node handed to `loadSignature`
 * comes from the 0.9 parse; xml-crypto finds it again in its own parse by its SignatureValue (`findLoadedSignature`,
 * which refuses two signatures with the same value). xml-crypto cannot be made to run on 0.9 (its calls to
 * `parseFromString` pass no MIME type, which 0.9 requires), so "xml-crypto on xmldom 0.9" is not what runs here.
 * It checks, for one ds:Signature:
 *
 * - the shape GİB's documents have (Ek-3, e-fatura-paketi/xml): exactly two References — URI="" whose only Transform
 *   is enveloped-signature (the whole document without this signature, implicit inclusive C14N), and
 *   Type="http://uri.etsi.org/01903#SignedProperties" pointing at the xades:SignedProperties of this very signature;
 * - both digests and the SignatureValue over SignedInfo, by xml-crypto's `checkSignature` (with the certificate from
 *   KeyInfo — the first ds:X509Certificate, `SignedXml.getCertFromKeyInfo` — or the one given), and that xml-crypto
 *   reports both references as validated (`getSignedReferences()`): its `checkSignature` *returns* false when a
 *   digest fails and *throws* when the signature value fails, and this helper turns both into `ok: false`;
 * - that xades:SigningCertificate's CertDigest is the digest of that certificate (the XAdES-BES binding).
 *
 * It proves integrity only: no chain, no validity dates (that is what verify.ts and xmlsec1 --trusted-pem do).
 *
 * What xml-crypto 6.3 does differently from XML-DSig (read in node_modules/xml-crypto/lib), and what this helper
 * does about it:
 *
 * 1. **URI="" loses the processing instructions outside the root element.** `validateReference` dereferences
 *    URI="" as `xpath.select1("//*", doc)` — the document *element* — so the canonical octets start at `<Invoice`.
 *    XML-DSig §4.4.3.2 makes URI="" the whole document (comments removed), and C14N §2.1 renders a PI before the
 *    root as `<?target data?>` + LF (after it: LF + PI). GİB's samples (TemelFaturaOrnegi.xml and the rest) carry
 *    `<?xml-stylesheet …?>` before the root, so on every such invoice xml-crypto computes another document digest
 *    than xmlsec1, libxml2 and GİB's own signing tool. Unless `plain: true`, this helper adds exactly those PI
 *    renderings around xml-crypto's canonical form of the root element (an instance override of its private
 *    `getCanonReferenceXml`, for the URI="" reference only; everything inside the root — enveloped transform,
 *    namespaces, escaping — stays xml-crypto's) and lists it in `completed`. A changed, added or removed top-level
 *    PI still fails. `plain: true` shows the unpatched behaviour (test/signing/xml-crypto.test.ts asserts it).
 * 2. **Processing instructions inside the signed content** are rendered by xml-crypto's C14N as escaped text of their
 *    data (`processInner` takes any node with `.data` for text; a PI with empty data throws "Unable to canonicalize
 *    node type: 7"): documents with a PI inside an element do not verify in xml-crypto. Not patched.
 * 3. **xml:* attributes are not inherited by a document subset's apex.** Inclusive C14N 1.0 (§2.4) puts the xml:lang /
 *    xml:space / xml:base of the ancestors on the apex of SignedInfo and SignedProperties (libxml2 does; the gateway's
 *    signer does); xml-crypto's C14N only carries namespace declarations down (`ancestorNamespaces`). A document with
 *    `xml:lang` on an ancestor of the signature therefore fails the SignedProperties digest and the signature value.
 *    Not patched.
 * 4. SignedInfo is canonicalised with the ancestor namespaces of the *first* ds:SignedInfo in the document
 *    (`findAncestorNs(doc, "//*[local-name()='SignedInfo']")`), whatever signature was loaded; this helper refuses to
 *    check any but the first signature rather than report a wrong verdict.
 * 5. xmldom (0.8.15 as 0.9) normalises line ends the XML 1.1 way (U+0085 and U+2028 become LF too); a document with those characters
 *    in signed text would be canonicalised differently than XML 1.0 says. None of the gateway's documents has them.
 *
 * The gateway's own documents (makeInvoice, the signed invoices of the pipeline, e-Arşiv reports, ApplicationResponses,
 * cancellation requests and decisions, user-account documents) have none of 2–5, so xml-crypto verifies them as they are.
 */
import crypto from 'node:crypto';
import { DOMParser, type Document as XDocument, type Element as XElement, type Node as XNode } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';

const DS = 'http://www.w3.org/2000/09/xmldsig#';
const XADES = 'http://uri.etsi.org/01903/v1.3.2#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const SIGNED_PROPERTIES_TYPE = 'http://uri.etsi.org/01903#SignedProperties';
const DIGESTS: Record<string, string> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};

export interface XmlCryptoVerifyOptions {
  /** Check the signature value with this certificate (PEM or DER) instead of the one in KeyInfo. */
  cert?: string | Buffer;
  /** Which ds:Signature (its Id); default: the document's only signature that is not inside another one. */
  signatureId?: string;
  /** xml-crypto exactly as it is, without the completion for processing instructions outside the root (see above). */
  plain?: boolean;
}

export interface XmlCryptoReference {
  uri: string;
  type: string | null;
  transforms: string[];
  /**
   * xml-crypto's finding on this reference's digest. It checks the references in order and stops at the first wrong
   * one ('not checked' after it, or when the shape check above failed first).
   */
  digest: 'valid' | 'invalid' | 'not checked';
  error: string | null;
}

export interface XmlCryptoVerdict {
  ok: boolean;
  /** Everything that failed; empty when ok. */
  errors: string[];
  references: XmlCryptoReference[];
  /** The SignatureValue over the canonical SignedInfo; null when xml-crypto did not get that far. */
  signatureValueOk: boolean | null;
  /** The certificate the signature value was checked with (PEM), null if none was found. */
  certificate: string | null;
  /** What this helper added to xml-crypto's canonical forms (item 1 above), e.g. ['2 processing instructions outside the root']. */
  completed: string[];
}

/** The private member of SignedXml this helper wraps (see item 1 of the file comment). */
interface CanonReferenceHook {
  getCanonReferenceXml(doc: XDocument, ref: { uri?: string }, node: XNode): string;
}

function toText(xml: Buffer | string): string {
  const s = typeof xml === 'string' ? xml : xml.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

function toPem(cert: string | Buffer): string {
  if (typeof cert === 'string' && cert.includes('-----BEGIN')) return cert;
  return new crypto.X509Certificate(typeof cert === 'string' ? Buffer.from(cert, 'base64') : cert).toString();
}

function children(el: XElement, ns: string, local: string): XElement[] {
  const out: XElement[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as XElement).namespaceURI === ns && (n as XElement).localName === local) out.push(n as XElement);
  }
  return out;
}

function isInside(node: XNode, ancestor: XNode): boolean {
  for (let p = node.parentNode; p; p = p.parentNode) if (p === ancestor) return true;
  return false;
}

/** C14N (§2.1) of the processing instructions outside the document element, as xml-crypto leaves them out. */
function topLevelPis(doc: XDocument): { before: string; after: string; count: number } {
  let before = '';
  let after = '';
  let count = 0;
  let seenRoot = false;
  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n === doc.documentElement) {
      seenRoot = true;
      continue;
    }
    if (n.nodeType !== 7) continue; // comments are not in URI=""'s node-set; text and doctype never output
    const target = n.nodeName;
    if (target.toLowerCase() === 'xml') continue; // xmldom keeps the XML declaration as a PI; it is not one
    const data = (n as unknown as { data: string }).data;
    const pi = `<?${target}${data ? ` ${data}` : ''}?>`;
    if (seenRoot) after += `\n${pi}`;
    else before += `${pi}\n`;
    count++;
  }
  return { before, after, count };
}

/**
 * Verify one XAdES-BES signature with xml-crypto. Never throws for a bad signature: the verdict says what failed.
 */
export function xmlCryptoVerify(xml: Buffer | string, opts: XmlCryptoVerifyOptions = {}): XmlCryptoVerdict {
  const text = toText(xml);
  const errors: string[] = [];
  const completed: string[] = [];
  const verdict = (references: XmlCryptoReference[] = [], certificate: string | null = null, signatureValueOk: boolean | null = null): XmlCryptoVerdict => ({
    ok: errors.length === 0,
    errors,
    references,
    signatureValueOk,
    certificate,
    completed,
  });

  let doc: XDocument;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(text, 'text/xml');
  } catch (err) {
    errors.push(`not well-formed: ${(err as Error).message}`);
    return verdict();
  }

  // Which signature: the one asked for, or the only outermost one (XAdES counter-signatures sit inside another).
  const all = Array.from(doc.getElementsByTagNameNS(DS, 'Signature'));
  const outermost = all.filter((s) => !all.some((o) => o !== s && isInside(s, o)));
  const sig = opts.signatureId !== undefined ? all.find((s) => s.getAttribute('Id') === opts.signatureId) : outermost.length === 1 ? outermost[0] : undefined;
  if (!sig) {
    errors.push(opts.signatureId !== undefined ? `no ds:Signature with Id ${opts.signatureId}` : `${outermost.length} outermost ds:Signature elements, expected 1`);
    return verdict();
  }
  if (all[0] !== sig) {
    errors.push('xml-crypto canonicalises SignedInfo in the namespace context of the first ds:SignedInfo only (item 4): not the first signature');
    return verdict();
  }

  // The shape: two references, enveloped document and this signature's SignedProperties.
  const signedInfo = children(sig, DS, 'SignedInfo')[0];
  const refs = signedInfo ? children(signedInfo, DS, 'Reference') : [];
  const shape = refs.map((r) => ({
    uri: r.getAttribute('URI') ?? '',
    type: r.getAttribute('Type'),
    transforms: children(r, DS, 'Transforms').flatMap((t) => children(t, DS, 'Transform')).map((t) => t.getAttribute('Algorithm') ?? ''),
  }));
  const docRefs = shape.filter((r) => r.uri === '');
  const spRefs = shape.filter((r) => r.type === SIGNED_PROPERTIES_TYPE);
  if (refs.length !== 2 || docRefs.length !== 1 || spRefs.length !== 1) {
    errors.push(`expected one URI="" and one SignedProperties reference, found ${JSON.stringify(shape)}`);
  }
  if (docRefs.length === 1 && (docRefs[0].transforms.length !== 1 || docRefs[0].transforms[0] !== ENVELOPED)) {
    errors.push(`URI="" must have exactly the enveloped-signature transform, has ${JSON.stringify(docRefs[0].transforms)}`);
  }
  let signedProperties: XElement | undefined;
  if (spRefs.length === 1) {
    const id = spRefs[0].uri.startsWith('#') ? spRefs[0].uri.slice(1) : null;
    signedProperties = Array.from(sig.getElementsByTagNameNS(XADES, 'SignedProperties')).find((e) => id !== null && e.getAttribute('Id') === id);
    if (!signedProperties) errors.push(`SignedProperties reference ${spRefs[0].uri} does not point at this signature's xades:SignedProperties`);
  }
  const unchecked = (): XmlCryptoReference[] => shape.map((r) => ({ ...r, digest: 'not checked', error: null }));
  if (errors.length) return verdict(unchecked());

  // The certificate: given, or the first X509Certificate in KeyInfo (xml-crypto's own getCertFromKeyInfo).
  const keyInfo = children(sig, DS, 'KeyInfo')[0] ?? null;
  const certificate = opts.cert !== undefined ? toPem(opts.cert) : SignedXml.getCertFromKeyInfo(keyInfo as unknown as Node);
  if (!certificate) {
    errors.push('no certificate (none given, no ds:X509Certificate in KeyInfo)');
    return verdict(unchecked(), null);
  }

  const sx = new SignedXml({ publicCert: certificate });
  if (!opts.plain) {
    const hook = sx as unknown as CanonReferenceHook;
    const base = hook.getCanonReferenceXml.bind(sx);
    hook.getCanonReferenceXml = (d, ref, node) => {
      const canon = base(d, ref, node);
      if (ref.uri !== '' || node !== d.documentElement) return canon;
      const pis = topLevelPis(d);
      if (pis.count > 0) completed.push(`${pis.count} processing instruction${pis.count === 1 ? '' : 's'} outside the root`);
      return pis.before + canon + pis.after;
    };
  }

  // checkSignature returns false when a digest is wrong and throws when the signature value is (or on anything
  // it refuses); both are failures here.
  let checked = false;
  let thrown: string | null = null;
  try {
    sx.loadSignature(sig as unknown as Node);
    checked = sx.checkSignature(text);
    if (!checked) errors.push('xml-crypto: checkSignature returned false (a reference does not validate)');
  } catch (err) {
    thrown = (err as Error).message;
    errors.push(`xml-crypto: ${thrown}`);
  }
  const signatureValueFailed = thrown !== null && thrown.startsWith('invalid signature: the signature value');

  // What xml-crypto found for each reference, in its order (it stops at the first wrong digest).
  const loaded = sx.getReferences() as Array<{ uri?: string; validationError?: Error; signedReference?: string }>;
  let stopped = false;
  const references: XmlCryptoReference[] = shape.map((r) => {
    const x = loaded.find((l) => (l.uri ?? '') === r.uri);
    if (!x) return { ...r, digest: 'not checked', error: 'not loaded by xml-crypto' };
    if (x.validationError) {
      stopped = true;
      return { ...r, digest: 'invalid', error: x.validationError.message };
    }
    // false returned: the ones before the wrong one passed; thrown on the signature value: all digests passed.
    const valid = checked ? x.signedReference !== undefined : thrown === null ? !stopped : signatureValueFailed;
    return { ...r, digest: valid ? 'valid' : 'not checked', error: null };
  });
  for (const r of references) if (r.digest === 'invalid') errors.push(`reference ${r.uri === '' ? 'URI=""' : r.uri}: ${r.error}`);
  if (checked && (sx.getSignedReferences().length !== 2 || references.some((r) => r.digest !== 'valid'))) {
    errors.push(`xml-crypto validated ${sx.getSignedReferences().length} references, expected both`);
  }
  const signatureValueOk = checked ? true : signatureValueFailed ? false : null;

  // XAdES-BES: SigningCertificate names the certificate that verified.
  if (signedProperties) {
    const certDigest = Array.from(signedProperties.getElementsByTagNameNS(XADES, 'CertDigest'))[0];
    const method = certDigest ? children(certDigest, DS, 'DigestMethod')[0]?.getAttribute('Algorithm') : undefined;
    const value = certDigest ? (children(certDigest, DS, 'DigestValue')[0]?.textContent ?? '').trim() : '';
    const hash = method ? DIGESTS[method] : undefined;
    if (!hash) errors.push(`xades:SigningCertificate: no CertDigest with a known DigestMethod (${method ?? 'none'})`);
    else if (value !== crypto.createHash(hash).update(new crypto.X509Certificate(certificate).raw).digest('base64')) {
      errors.push('xades:SigningCertificate/CertDigest is not the digest of the verifying certificate');
    }
  }
  return verdict(references, certificate, signatureValueOk);
}

/** Throws with xml-crypto's reasons unless the signature verifies. */
export function assertXmlCryptoVerifies(xml: Buffer | string, opts: XmlCryptoVerifyOptions = {}): XmlCryptoVerdict {
  const v = xmlCryptoVerify(xml, opts);
  if (!v.ok) throw new Error(`xml-crypto does not verify the signature:\n  ${v.errors.join('\n  ')}`);
  return v;
}

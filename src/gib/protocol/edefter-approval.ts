/**
 * GİB's approval of a berat (Teknik Kılavuz §1 h: a berat that passed every check "Gelir İdaresi Başkanlığı mali
 * mührü ile de mühürlenerek GIB onaylı beratı oluşturulur"). The berat's schema allows one ds:Signature (the
 * taxpayer's), so GİB's seal goes where XAdES puts a second party's signature over the first: an
 * xades:CounterSignature in the taxpayer signature's xades:UnsignedSignatureProperties (ETSI TS 101 903 §7.2.4),
 * whose one reference (Type CountersignedSignature) digests the taxpayer's ds:SignatureValue. Unsigned properties
 * are outside everything the taxpayer signed, so the taxpayer's signature still verifies on the approved berat.
 *
 * `counterSignBerat` is GİB's side (the simulator); `verifyApprovedBerat` the gateway's, when it downloads the
 * approved berat: the reference must resolve to exactly that SignatureValue (a countersignature moved onto another
 * signature is refused), the digest and the RSA-SHA256 value must verify, and the seal's chain must be trusted.
 */
import crypto from 'node:crypto';
import { certInfo, verifyChain, type CertInfo } from '../../signing/cert';
import type { Signer } from '../../signing/signer';
import { C14N, EXC_C14N, canonicalBytes } from '../../xml/c14n';
import { NS } from '../../xml/namespaces';
import { parseXml, type XmlDocument, type XmlElement } from '../../xml/parse';
import { attrValue, childrenNamed, elementsById, firstChild, textContent } from '../../xml/query';

export const COUNTERSIGNED_SIGNATURE_TYPE = 'http://uri.etsi.org/01903#CountersignedSignature';
const DS = NS.ds;
const XADES = NS.xades;
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

export class BeratApprovalError extends Error {
  override name = 'BeratApprovalError';
}

/** The berat's own (taxpayer's) signature: the ds:Signature child of the root, its SignatureValue and XAdES properties. */
function taxpayerSignature(doc: XmlDocument) {
  const sigs = childrenNamed(doc.root, DS, 'Signature');
  if (sigs.length !== 1) throw new BeratApprovalError(`beratta bir ds:Signature olmalı, ${sigs.length} var`);
  const sig = sigs[0]!;
  const sv = firstChild(sig, DS, 'SignatureValue');
  const svId = sv && attrValue(sv, 'Id');
  if (!sv || !svId) throw new BeratApprovalError('beratın ds:SignatureValue öğesi (Id ile) yok');
  const qp = childrenNamed(sig, DS, 'Object').map((o) => firstChild(o, XADES, 'QualifyingProperties')).find(Boolean);
  if (!qp) throw new BeratApprovalError('beratın imzasında xades:QualifyingProperties yok');
  return { sig, sv, svId, qp, value: textContent(doc, sv).replace(/\s+/g, '') };
}

const sha256b64 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('base64');

/**
 * The approved berat: `berat` (as the taxpayer sealed it) with GİB's countersignature added by `signer`. Only the
 * countersignature's text is inserted; every other byte stays as it was.
 */
export async function counterSignBerat(berat: Buffer, signer: Signer): Promise<Buffer> {
  const doc = parseXml(berat);
  const { sv, svId, qp } = taxpayerSignature(doc);
  // The taxpayer's unsigned properties (a SignatureTimeStamp) stay; the approval goes after them.
  const usp = firstChild(firstChild(qp, XADES, 'UnsignedProperties') ?? qp, XADES, 'UnsignedSignatureProperties');
  if (usp && firstChild(usp, XADES, 'CounterSignature')) throw new BeratApprovalError('beratta zaten bir onay mührü var');
  const chain = await signer.certificateChain();
  const id = `GIB-Onay-${crypto.randomUUID()}`;
  const digest = sha256b64(canonicalBytes(doc, { method: C14N, element: sv }));
  const signedInfo =
    `<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${C14N}"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm="${RSA_SHA256}"></ds:SignatureMethod>` +
    `<ds:Reference Type="${COUNTERSIGNED_SIGNATURE_TYPE}" URI="#${svId}"><ds:Transforms><ds:Transform Algorithm="${C14N}"></ds:Transform></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${SHA256}"></ds:DigestMethod><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>`;
  // The issuers that are not self-signed roots travel with the seal (a root in KeyInfo proves nothing).
  const certs = chain.filter((d, i) => i === 0 || !certInfo(d).x509.checkIssued(certInfo(d).x509));
  const keyInfo = `<ds:KeyInfo><ds:X509Data>${certs.map((d) => `<ds:X509Certificate>${d.toString('base64')}</ds:X509Certificate>`).join('')}</ds:X509Data></ds:KeyInfo>`;
  const around = usp ? ['', ''] : [`<xades:UnsignedProperties xmlns:xades="${XADES}"><xades:UnsignedSignatureProperties>`, '</xades:UnsignedSignatureProperties></xades:UnsignedProperties>'];
  const open = `${around[0]}<xades:CounterSignature xmlns:xades="${XADES}"><ds:Signature xmlns:ds="${DS}" Id="${id}">${signedInfo}<ds:SignatureValue>`;
  const close = `</ds:SignatureValue>${keyInfo}</ds:Signature></xades:CounterSignature>${around[1]}`;
  const at = usp ? usp.endTagStart : qp.endTagStart;
  // SignedInfo is signed as it is canonicalised where it will sit (inclusive C14N renders the namespaces in scope).
  const placed = Buffer.concat([berat.subarray(0, at), Buffer.from(`${open}${close}`, 'utf8'), berat.subarray(at)]);
  const placedDoc = parseXml(placed);
  const si = counterSignatureOf(placedDoc).signedInfo;
  const value = await signer.sign(canonicalBytes(placedDoc, { method: C14N, element: si }), 'RSA-SHA256');
  return Buffer.concat([berat.subarray(0, at), Buffer.from(`${open}${value.toString('base64')}${close}`, 'utf8'), berat.subarray(at)]);
}

function counterSignatureOf(doc: XmlDocument) {
  const { qp } = taxpayerSignature(doc);
  const usp = firstChild(firstChild(qp, XADES, 'UnsignedProperties') ?? qp, XADES, 'UnsignedSignatureProperties');
  const cs = usp ? childrenNamed(usp, XADES, 'CounterSignature') : [];
  if (cs.length !== 1) throw new BeratApprovalError(`GİB onay mührü (xades:CounterSignature) bulunamadı (${cs.length})`);
  const sig = firstChild(cs[0]!, DS, 'Signature');
  const signedInfo = sig && firstChild(sig, DS, 'SignedInfo');
  if (!sig || !signedInfo) throw new BeratApprovalError('GİB onay mührünün ds:Signature/ds:SignedInfo öğesi yok');
  return { sig, signedInfo };
}

export interface ApprovedBerat {
  /** The taxpayer's SignatureValue (base64, no white space) the approval covers. */
  signatureValue: string;
  /** GİB's seal. */
  seal: CertInfo;
}

/** Checks GİB's countersignature on an approved berat; throws BeratApprovalError saying what is wrong. */
export function verifyApprovedBerat(xml: Buffer, opts: { trustedRoots: Buffer[]; now: Date }): ApprovedBerat {
  let doc: XmlDocument;
  try {
    doc = parseXml(xml);
  } catch (err) {
    throw new BeratApprovalError(`GİB onaylı berat okunamadı: ${err instanceof Error ? err.message : String(err)}`);
  }
  const taxpayer = taxpayerSignature(doc);
  const { sig, signedInfo } = counterSignatureOf(doc);
  const refs = childrenNamed(signedInfo, DS, 'Reference');
  if (refs.length !== 1) throw new BeratApprovalError(`onay mührü bir referans taşımalı, ${refs.length} var`);
  const ref = refs[0]!;
  if (attrValue(ref, 'Type') !== COUNTERSIGNED_SIGNATURE_TYPE) throw new BeratApprovalError('onay mührünün referansı CountersignedSignature türünde değil');
  const targets = elementsById(doc).get((attrValue(ref, 'URI') ?? '').replace(/^#/, '')) ?? [];
  if (targets.length !== 1 || targets[0] !== taxpayer.sv) throw new BeratApprovalError('onay mührü beratın imza değerini göstermiyor');
  const method = (el: XmlElement | undefined) => {
    const a = el ? attrValue(el, 'Algorithm') : undefined;
    if (a !== C14N && a !== EXC_C14N) throw new BeratApprovalError(`bilinmeyen kanonikleştirme ${a}`);
    return a;
  };
  const transforms = childrenNamed(firstChild(ref, DS, 'Transforms') ?? ref, DS, 'Transform');
  const digestMethod = attrValue(firstChild(ref, DS, 'DigestMethod') ?? ref, 'Algorithm');
  if (digestMethod !== SHA256) throw new BeratApprovalError(`bilinmeyen özet yöntemi ${digestMethod}`);
  const digest = sha256b64(canonicalBytes(doc, { method: transforms.length ? method(transforms[0]) : C14N, element: taxpayer.sv }));
  if (digest !== textContent(doc, firstChild(ref, DS, 'DigestValue') ?? ref).trim()) throw new BeratApprovalError('onay mührünün özeti beratın imza değeriyle uyuşmuyor');
  if (attrValue(firstChild(signedInfo, DS, 'SignatureMethod') ?? signedInfo, 'Algorithm') !== RSA_SHA256) throw new BeratApprovalError('onay mührü RSA-SHA256 değil');
  const certs = childrenNamed(firstChild(firstChild(sig, DS, 'KeyInfo') ?? sig, DS, 'X509Data') ?? sig, DS, 'X509Certificate').map((c) => Buffer.from(textContent(doc, c).replace(/\s+/g, ''), 'base64'));
  if (!certs.length) throw new BeratApprovalError('onay mührünün sertifikası yok');
  const seal = certInfo(certs[0]!);
  const value = Buffer.from(textContent(doc, firstChild(sig, DS, 'SignatureValue') ?? sig).replace(/\s+/g, ''), 'base64');
  const si = canonicalBytes(doc, { method: method(firstChild(signedInfo, DS, 'CanonicalizationMethod')), element: signedInfo });
  if (!crypto.verify('sha256', si, seal.x509.publicKey, value)) throw new BeratApprovalError('onay mührünün imza değeri doğrulanamadı');
  const trust = verifyChain(certs[0]!, certs.slice(1), opts.trustedRoots, opts.now);
  if (!trust.ok) throw new BeratApprovalError(`onay mührünün sertifikasına güvenilmiyor: ${trust.problem}${trust.detail ? ` (${trust.detail})` : ''}`);
  return { signatureValue: taxpayer.value, seal };
}

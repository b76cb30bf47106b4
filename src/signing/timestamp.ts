/**
 * A timestamp (zaman damgası) on a signature: an RFC 3161 client, and XAdES-T's SignatureTimeStamp (ETSI TS 101 903
 * §7.3) — a TSA's token over the SHA-256 of the canonicalised ds:SignatureValue, in the signature's
 * xades:UnsignedSignatureProperties. e-Defter's berat signature may carry one (issue 12; the Teknik Kılavuz calls it
 * optional). The TSA is whatever `TimestampAuthority` answers: src/gib/tsa-client.ts speaks RFC 3161 over HTTP
 * (application/timestamp-query), as Kamu SM's and the commercial TSAs do; tests run OpenSSL's `ts` as a local TSA.
 * This module is the codec: the request, the answer's checks, and where the token goes.
 *
 * The client checks that the token answers this request (status granted or grantedWithMods, the message imprint is
 * the digest sent, the nonce is ours); the TSA's own signature on the token is the TSA's to vouch for, trusted by
 * configuration (GW_LEDGER_TSA_URL), as a verifier checks it later with the TSA's certificate.
 */
import crypto from 'node:crypto';
import forge from 'node-forge';
import { GatewayError } from '../faults';
import { C14N, canonicalBytes } from '../xml/c14n';
import { NS } from '../xml/namespaces';
import { parseXml } from '../xml/parse';
import { firstChild } from '../xml/query';

export interface TimestampAuthority {
  /** A TimeStampToken (DER, a CMS ContentInfo) over `sha256`. */
  stamp(sha256: Buffer): Promise<Buffer>;
}

const a = forge.asn1;
const SHA256_OID = '2.16.840.1.101.3.4.2.1';

const der = (node: forge.asn1.Asn1) => Buffer.from(a.toDer(node).getBytes(), 'binary');
const fromDer = (b: Buffer) => a.fromDer(forge.util.createBuffer(b.toString('binary')));
const integer = (n: Buffer) => a.create(a.Class.UNIVERSAL, a.Type.INTEGER, false, n.toString('binary'));

/** TimeStampReq (RFC 3161 §2.4.1): version 1, SHA-256 imprint, a nonce, certReq true. */
export function timestampRequest(sha256: Buffer, nonce: Buffer): Buffer {
  return der(
    a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [
      a.create(a.Class.UNIVERSAL, a.Type.INTEGER, false, a.integerToDer(1).getBytes()),
      a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [
        a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [a.create(a.Class.UNIVERSAL, a.Type.OID, false, a.oidToDer(SHA256_OID).getBytes()), a.create(a.Class.UNIVERSAL, a.Type.NULL, false, '')]),
        a.create(a.Class.UNIVERSAL, a.Type.OCTETSTRING, false, sha256.toString('binary')),
      ]),
      integer(nonce),
      a.create(a.Class.UNIVERSAL, a.Type.BOOLEAN, false, String.fromCharCode(0xff)),
    ]),
  );
}

/** A timestamp that could not be had: SIGNER_FAILED, retryable (the TSA may answer later). */
export const timestampFailed = (detail: string) => new GatewayError('SIGNER_FAILED', { detail: `zaman damgası: ${detail}` });
const failed = timestampFailed;

/** The token of a TimeStampResp, once it is checked to answer (sha256, nonce). */
export function tokenOfResponse(resp: Buffer, sha256: Buffer, nonce: Buffer): Buffer {
  let top: forge.asn1.Asn1[];
  try {
    top = fromDer(resp).value as forge.asn1.Asn1[];
  } catch {
    throw failed('TSA yanıtı okunamadı');
  }
  const status = a.derToInteger(forge.util.createBuffer(((top[0]!.value as forge.asn1.Asn1[])[0]!.value as string)));
  if (status !== 0 && status !== 1) throw failed(`TSA isteği reddetti (PKIStatus ${status})`);
  const token = top[1];
  if (!token) throw failed('TSA yanıtında damga yok');
  // ContentInfo{ signedData, [0] SignedData{ version, digestAlgorithms, encapContentInfo{ tstInfo, [0] OCTET STRING(TSTInfo) } } }
  const signedData = ((token.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  const econtent = ((signedData[2]!.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!;
  const tstInfo = a.fromDer(forge.util.createBuffer(econtent.constructed ? (econtent.value as forge.asn1.Asn1[]).map((p) => p.value as string).join('') : (econtent.value as string))).value as forge.asn1.Asn1[];
  const imprint = tstInfo[2]!.value as forge.asn1.Asn1[];
  if (Buffer.from(imprint[1]!.value as string, 'binary').compare(sha256) !== 0) throw failed('damga başka bir özete ait');
  const theirNonce = tstInfo.find((n, i) => i > 4 && n.tagClass === a.Class.UNIVERSAL && n.type === a.Type.INTEGER);
  const normalise = (b: Buffer) => b.subarray(b.findIndex((x) => x !== 0));
  if (!theirNonce || normalise(Buffer.from(theirNonce.value as string, 'binary')).compare(normalise(nonce)) !== 0) throw failed('damganın nonce değeri isteğinki değil');
  return der(token);
}

/**
 * XAdES-T: `signature` (a ds:Signature element's text, XAdES-BES, as sealWith makes it) with a SignatureTimeStamp
 * over its SignatureValue, from `tsa`. `rootNamespaces` are those in scope where the signature sits (inclusive C14N
 * renders them). The document's own digest is untouched: unsigned properties are outside what was signed.
 */
export async function withSignatureTimestamp(signature: string, tsa: TimestampAuthority, rootNamespaces: ReadonlyArray<readonly [string, string]>): Promise<string> {
  const decls = rootNamespaces.map(([p, u]) => ` xmlns:${p}="${u}"`).join('');
  const doc = parseXml(`<edefter:x${decls}>${signature}</edefter:x>`);
  const sig = firstChild(doc.root, NS.ds, 'Signature');
  const sv = sig && firstChild(sig, NS.ds, 'SignatureValue');
  if (!sv) throw failed('imzada ds:SignatureValue yok');
  const token = await tsa.stamp(crypto.createHash('sha256').update(canonicalBytes(doc, { method: C14N, element: sv })).digest());
  const stamp =
    `<xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:SignatureTimeStamp Id="SignatureTimeStamp_${crypto.randomUUID()}">` +
    `<ds:CanonicalizationMethod Algorithm="${C14N}"></ds:CanonicalizationMethod><xades:EncapsulatedTimeStamp>${token.toString('base64')}</xades:EncapsulatedTimeStamp>` +
    '</xades:SignatureTimeStamp></xades:UnsignedSignatureProperties></xades:UnsignedProperties>';
  const at = signature.lastIndexOf('</xades:QualifyingProperties>');
  if (at < 0) throw failed('imzada xades:QualifyingProperties yok');
  return `${signature.slice(0, at)}${stamp}${signature.slice(at)}`;
}

/**
 * WS-Security with an X.509 signature, as GİB's e-Defter web service asks (Web Servis Kılavuzu V1.7 §2.3 and its
 * SOAP sample): the SOAP 1.2 message's wsu:Timestamp and soap:Body are signed with the taxpayer's (or the
 * integrator's) mali mühür — RSA-SHA256, exclusive C14N, the certificate path in a wsse:BinarySecurityToken of type
 * X509PKIPathv1 referenced directly from ds:KeyInfo. `signedSoap12` makes such a message around a body; `verifySoap12`
 * checks one as GİB would (the simulator): both parts referenced and unchanged, the signature good, the path trusted,
 * the timestamp current. The references must resolve to *the* soap:Body and *the* Timestamp of wsse:Security, so a
 * signed body moved elsewhere (signature wrapping) is refused.
 */
import crypto from 'node:crypto';
import { certInfo, verifyChain, type CertInfo } from '../../signing/cert';
import type { Signer } from '../../signing/signer';
import { canonicalBytes, EXC_C14N } from '../../xml/c14n';
import { NS } from '../../xml/namespaces';
import { parseXml, type XmlDocument, type XmlElement } from '../../xml/parse';
import { attrValue, elementsById, firstChild, textContent } from '../../xml/query';

export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const WSSE11_NS = 'http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd';
export const X509_PKIPATH = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509PKIPathv1';
const BASE64_BINARY = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';
const DS = NS.ds;
const EC = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const DIGESTS: Record<string, string> = { 'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256', 'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1' };

export class WsSecurityError extends Error {
  override name = 'WsSecurityError';
}

/** DER of a PkiPath: SEQUENCE OF Certificate, from the trust anchor's side to the signer's certificate last. */
export function pkiPath(chainLeafFirst: Buffer[]): Buffer {
  const body = Buffer.concat([...chainLeafFirst].reverse());
  // DER length: short form below 128, else 0x80 | the count of big-endian length bytes, then those bytes.
  let len = Buffer.from([body.length]);
  if (body.length >= 0x80) {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(body.length);
    const trimmed = bytes.subarray(bytes.findIndex((b) => b !== 0));
    len = Buffer.concat([Buffer.from([0x80 | trimmed.length]), trimmed]);
  }
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}

/** The certificates of a PkiPath, signer's first. */
export function certificatesOfPkiPath(der: Buffer): Buffer[] {
  const readLength = (at: number): [number, number] => {
    const first = der[at]!;
    if (first < 0x80) return [first, at + 1];
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new WsSecurityError('PkiPath: bad length');
    return [der.readUIntBE(at + 1, n), at + 1 + n];
  };
  if (der[0] !== 0x30) throw new WsSecurityError('PkiPath: not a SEQUENCE');
  const [len, start] = readLength(1);
  if (start + len !== der.length) throw new WsSecurityError('PkiPath: length');
  const certs: Buffer[] = [];
  for (let at = start; at < der.length; ) {
    if (der[at] !== 0x30) throw new WsSecurityError('PkiPath: not a certificate');
    const [l, s] = readLength(at + 1);
    certs.push(der.subarray(at, s + l));
    at = s + l;
  }
  return certs.reverse();
}

const sha256b64 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('base64');

/**
 * A SOAP 1.2 message with `body` (the Body's content; its namespaces declared on itself or in `namespaces`) whose
 * Timestamp and Body are signed with `signer`. `namespaces` are declared on the Envelope (e.g. `web` for GİB's).
 */
export async function signedSoap12(
  body: string,
  signer: Signer,
  opts: { now: Date; ttlSeconds?: number; namespaces?: Record<string, string> } = { now: new Date() },
): Promise<Buffer> {
  const chain = await signer.certificateChain();
  const ids = { token: `X509-${crypto.randomUUID()}`, sig: `SIG-${crypto.randomUUID()}`, ts: `TS-${crypto.randomUUID()}`, body: `id-${crypto.randomUUID()}` };
  const extra = Object.entries(opts.namespaces ?? {});
  const prefixes = extra.map(([p]) => p);
  const envOpen = `<soap:Envelope xmlns:soap="${NS.soap12}"${extra.map(([p, u]) => ` xmlns:${p}="${u}"`).join('')}>`;
  const created = opts.now.toISOString();
  const expires = new Date(opts.now.getTime() + (opts.ttlSeconds ?? 300) * 1000).toISOString();
  const securityOpen = `<soap:Header><wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}" soap:mustUnderstand="true">`;
  const token = `<wsse:BinarySecurityToken EncodingType="${BASE64_BINARY}" ValueType="${X509_PKIPATH}" wsu:Id="${ids.token}">${pkiPath(chain).toString('base64')}</wsse:BinarySecurityToken>`;
  const timestamp = `<wsu:Timestamp wsu:Id="${ids.ts}"><wsu:Created>${created}</wsu:Created><wsu:Expires>${expires}</wsu:Expires></wsu:Timestamp>`;
  const securityClose = '</wsse:Security></soap:Header>';
  const bodyXml = `<soap:Body xmlns:wsu="${WSU_NS}" wsu:Id="${ids.body}">${body}</soap:Body>`;
  const unsigned = `${envOpen}${securityOpen}${token}${timestamp}${securityClose}${bodyXml}</soap:Envelope>`;

  // One parse of the message for the two digests (exclusive C14N renders only what each part uses, and `prefixes`).
  const doc = parseXml(unsigned);
  const byId = elementsById(doc);
  const digestOf = (id: string) => sha256b64(canonicalBytes(doc, { method: EXC_C14N, element: byId.get(id)![0]!, inclusivePrefixes: prefixes }));
  const inclusive = (list: string[]) => (list.length ? `<ec:InclusiveNamespaces xmlns:ec="${EC}" PrefixList="${list.join(' ')}"></ec:InclusiveNamespaces>` : '');
  const reference = (id: string) =>
    `<ds:Reference URI="#${id}"><ds:Transforms><ds:Transform Algorithm="${EXC_C14N}">${inclusive(prefixes)}</ds:Transform></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></ds:DigestMethod><ds:DigestValue>${digestOf(id)}</ds:DigestValue></ds:Reference>`;
  const signedInfo =
    `<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${EXC_C14N}">${inclusive(['soap', ...prefixes])}</ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${RSA_SHA256}"></ds:SignatureMethod>${reference(ids.body)}${reference(ids.ts)}</ds:SignedInfo>`;
  // SignedInfo canonicalised where it will sit (its in-scope namespaces, of which exclusive C14N keeps what it uses).
  const context = parseXml(`${envOpen}<soap:Header><wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}"><ds:Signature xmlns:ds="${DS}">${signedInfo}</ds:Signature></wsse:Security></soap:Header></soap:Envelope>`);
  const si = firstChild(firstChild(firstChild(firstChild(context.root, NS.soap12, 'Header')!, WSSE_NS, 'Security')!, DS, 'Signature')!, DS, 'SignedInfo')!;
  const value = await signer.sign(canonicalBytes(context, { method: EXC_C14N, element: si, inclusivePrefixes: ['soap', ...prefixes] }), 'RSA-SHA256');
  const signature =
    `<ds:Signature xmlns:ds="${DS}" Id="${ids.sig}">${signedInfo}<ds:SignatureValue>${value.toString('base64')}</ds:SignatureValue>` +
    `<ds:KeyInfo><wsse:SecurityTokenReference xmlns:wsse11="${WSSE11_NS}" wsse11:TokenType="${X509_PKIPATH}"><wsse:Reference URI="#${ids.token}" ValueType="${X509_PKIPATH}"></wsse:Reference></wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature>`;
  return Buffer.from(`${envOpen}${securityOpen}${token}${signature}${timestamp}${securityClose}${bodyXml}</soap:Envelope>`, 'utf8');
}

export interface VerifiedSoap12 {
  doc: XmlDocument;
  body: XmlElement;
  /** The signer's certificate. */
  signer: CertInfo;
}

/**
 * Checks a message made like signedSoap12's; throws WsSecurityError saying what is wrong. `trustedRoots: null` checks
 * the message's integrity only (a stand-in with no roots configured, as the simulator's other services do).
 */
export function verifySoap12(xml: Buffer, opts: { trustedRoots: Buffer[] | null; now: Date; maxSkewSeconds?: number }): VerifiedSoap12 {
  const doc = parseXml(xml);
  const env = doc.root;
  if (env.ns !== NS.soap12 || env.local !== 'Envelope') throw new WsSecurityError('not a SOAP 1.2 envelope');
  const body = firstChild(env, NS.soap12, 'Body');
  const security = firstChild(firstChild(env, NS.soap12, 'Header') ?? env, WSSE_NS, 'Security');
  if (!body || !security) throw new WsSecurityError('no soap:Body or wsse:Security');
  const sig = firstChild(security, DS, 'Signature');
  const ts = firstChild(security, WSU_NS, 'Timestamp');
  const tokenEl = firstChild(security, WSSE_NS, 'BinarySecurityToken');
  if (!sig || !ts || !tokenEl) throw new WsSecurityError('no ds:Signature, wsu:Timestamp or BinarySecurityToken');
  const si = firstChild(sig, DS, 'SignedInfo');
  const sv = firstChild(sig, DS, 'SignatureValue');
  if (!si || !sv) throw new WsSecurityError('no SignedInfo or SignatureValue');
  const prefixList = (el: XmlElement | undefined) => (el ? (attrValue(firstChild(el, EC, 'InclusiveNamespaces') ?? el, 'PrefixList') ?? '').split(/\s+/).filter(Boolean) : []);

  // Every reference digests exactly the Body or the Timestamp, and both are referenced.
  const byId = elementsById(doc);
  const covered = new Set<XmlElement>();
  for (const ref of si.children.filter((c) => c.ns === DS && c.local === 'Reference')) {
    const uri = attrValue(ref, 'URI') ?? '';
    const targets = uri.startsWith('#') ? byId.get(uri.slice(1)) ?? [] : [];
    if (targets.length !== 1) throw new WsSecurityError(`reference ${uri} does not name one element`);
    const target = targets[0]!;
    if (target !== body && target !== ts) throw new WsSecurityError(`reference ${uri} is neither the Body nor the Timestamp`);
    const transforms = firstChild(ref, DS, 'Transforms')?.children.filter((c) => c.ns === DS && c.local === 'Transform') ?? [];
    if (transforms.length !== 1 || attrValue(transforms[0]!, 'Algorithm') !== EXC_C14N) throw new WsSecurityError(`reference ${uri}: exclusive C14N expected`);
    const algorithm = DIGESTS[attrValue(firstChild(ref, DS, 'DigestMethod') ?? ref, 'Algorithm') ?? ''];
    if (!algorithm) throw new WsSecurityError(`reference ${uri}: unknown digest method`);
    const digest = crypto.createHash(algorithm).update(canonicalBytes(doc, { method: EXC_C14N, element: target, inclusivePrefixes: prefixList(transforms[0]) })).digest('base64');
    if (digest !== textContent(doc, firstChild(ref, DS, 'DigestValue') ?? ref).trim()) throw new WsSecurityError(`reference ${uri}: digest does not match (changed after signing)`);
    covered.add(target);
  }
  if (!covered.has(body) || !covered.has(ts)) throw new WsSecurityError('the Body and the Timestamp must both be signed');

  const cm = firstChild(si, DS, 'CanonicalizationMethod');
  if (attrValue(cm ?? si, 'Algorithm') !== EXC_C14N) throw new WsSecurityError('SignedInfo: exclusive C14N expected');
  if (attrValue(firstChild(si, DS, 'SignatureMethod') ?? si, 'Algorithm') !== RSA_SHA256) throw new WsSecurityError('SignedInfo: RSA-SHA256 expected');
  const chain = certificatesOfPkiPath(Buffer.from(textContent(doc, tokenEl).replace(/\s+/g, ''), 'base64'));
  if (!chain.length) throw new WsSecurityError('no certificate in the token');
  const leaf = certInfo(chain[0]!);
  const signedInfo = canonicalBytes(doc, { method: EXC_C14N, element: si, inclusivePrefixes: prefixList(cm) });
  if (!crypto.verify('sha256', signedInfo, leaf.x509.publicKey, Buffer.from(textContent(doc, sv).replace(/\s+/g, ''), 'base64'))) {
    throw new WsSecurityError('signature value does not verify');
  }
  if (opts.trustedRoots) {
    const trust = verifyChain(chain[0]!, chain.slice(1), opts.trustedRoots, opts.now);
    if (!trust.ok) throw new WsSecurityError(`certificate: ${trust.problem} (${trust.detail ?? ''})`);
  }
  const skew = (opts.maxSkewSeconds ?? 300) * 1000;
  const created = Date.parse(textContent(doc, firstChild(ts, WSU_NS, 'Created') ?? ts));
  const expires = Date.parse(textContent(doc, firstChild(ts, WSU_NS, 'Expires') ?? ts));
  if (!(created <= opts.now.getTime() + skew) || !(expires >= opts.now.getTime() - skew)) throw new WsSecurityError('timestamp not current');
  return { doc, body, signer: leaf };
}

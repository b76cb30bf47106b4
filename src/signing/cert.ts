/**
 * X.509 helpers shared by the signers, the XAdES writer and the verifier: DER/PEM input, the names and numbers a
 * XAdES signature carries, the VKN/TCKN of a mali mühür, and chain building against trusted roots.
 *
 * Node's crypto.X509Certificate does the signature and issuer checks (OpenSSL); node-forge's ASN.1 reader gives
 * the raw subject attributes, which Node only exposes as a display string.
 */
import crypto from 'node:crypto';
import forge from 'node-forge';
import { GatewayError } from '../faults';
import type { SignerDescription } from './signer';

export const OID_SERIAL_NUMBER = '2.5.4.5';
export const OID_ORGANIZATION_IDENTIFIER = '2.5.4.97';

export interface DnAttribute {
  oid: string;
  /** ASN.1 universal tag of the value (19 PrintableString, 12 UTF8String, …). */
  tag: number;
  value: string;
  /** DER of the value, for the RFC 4514 '#hex' form. */
  der: string;
}

export interface CertInfo {
  der: Buffer;
  x509: crypto.X509Certificate;
  /** RFC 4514 / RFC 2253 string, the way Java's X500Principal#getName() writes it (GİB's samples use that). */
  subject: string;
  issuer: string;
  subjectAttributes: DnAttribute[][];
  /** Serial number in decimal (xades:IssuerSerial) and upper-case hex. */
  serialDecimal: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  /** VKN (10 digits) or TCKN (11 digits) of the holder, or null. */
  vknTckn: string | null;
  sha256: Buffer;
  /** Base64 of the DER without line breaks. */
  base64: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** One or more certificates from PEM text, a DER buffer, or base64 text. */
export function certificatesFrom(input: Buffer | string): Buffer[] {
  const text = typeof input === 'string' ? input : input.subarray(0, 64).toString('latin1').includes('-----BEGIN') ? input.toString('latin1') : null;
  if (text === null) return [Buffer.from(input as Buffer)];
  const out: Buffer[] = [];
  for (const m of text.matchAll(PEM_CERT)) out.push(Buffer.from(m[1].replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
  if (out.length === 0 && /^[\sA-Za-z0-9+/=]+$/.test(text)) out.push(Buffer.from(text.replace(/\s+/g, ''), 'base64'));
  return out;
}

export function derToPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

const cache = new WeakMap<Buffer, CertInfo>();

/** Parse a DER certificate; results are cached per Buffer object (the signers hand out the same Buffer). */
export function certInfo(der: Buffer): CertInfo {
  const hit = cache.get(der);
  if (hit) return hit;
  const x509 = new crypto.X509Certificate(der);
  const asn = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  const tbs = (asn.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
  const off = tbs[0].tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  const issuerRdns = readName(tbs[off + 2]);
  const validity = tbs[off + 3].value as forge.asn1.Asn1[];
  const subjectRdns = readName(tbs[off + 4]);
  const serialHex = x509.serialNumber.toUpperCase();
  const info: CertInfo = {
    der,
    x509,
    subject: formatRfc4514(subjectRdns),
    issuer: formatRfc4514(issuerRdns),
    subjectAttributes: subjectRdns,
    serialDecimal: BigInt(`0x${serialHex}`).toString(10),
    serialHex,
    notBefore: readTime(validity[0]),
    notAfter: readTime(validity[1]),
    vknTckn: vknTcknFromAttributes(subjectRdns),
    sha256: crypto.createHash('sha256').update(der).digest(),
    base64: der.toString('base64'),
  };
  cache.set(der, info);
  return info;
}

function readTime(node: forge.asn1.Asn1): Date {
  const s = node.value as string;
  return node.type === forge.asn1.Type.UTCTIME ? forge.asn1.utcTimeToDate(s) : forge.asn1.generalizedTimeToDate(s);
}

function readName(node: forge.asn1.Asn1): DnAttribute[][] {
  const rdns: DnAttribute[][] = [];
  for (const set of node.value as forge.asn1.Asn1[]) {
    const rdn: DnAttribute[] = [];
    for (const seq of set.value as forge.asn1.Asn1[]) {
      const [oidNode, valNode] = seq.value as forge.asn1.Asn1[];
      const oid = forge.asn1.derToOid(oidNode.value as string);
      rdn.push({ oid, tag: valNode.type, value: decodeString(valNode), der: forge.asn1.toDer(valNode).getBytes() });
    }
    rdns.push(rdn);
  }
  return rdns;
}

function decodeString(node: forge.asn1.Asn1): string {
  const raw = typeof node.value === 'string' ? node.value : '';
  switch (node.type as number) {
    case forge.asn1.Type.UTF8:
      return Buffer.from(raw, 'binary').toString('utf8');
    case forge.asn1.Type.BMPSTRING: {
      const b = Buffer.from(raw, 'binary');
      let s = '';
      for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b.readUInt16BE(i));
      return s;
    }
    case 28: /* UniversalString */ {
      const b = Buffer.from(raw, 'binary');
      let s = '';
      for (let i = 0; i + 3 < b.length; i += 4) s += String.fromCodePoint(b.readUInt32BE(i));
      return s;
    }
    default:
      return Buffer.from(raw, 'binary').toString('latin1');
  }
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

function escapeDnValue(v: string): string {
  let s = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (s.startsWith('#') || s.startsWith(' ')) s = `\\${s}`;
  if (s.endsWith(' ') && s.length > 1) s = `${s.slice(0, -1)}\\ `;
  return s;
}

/** RFC 4514: last RDN first; unknown attribute types as OID=#hex(DER), as Java prints them. */
export function formatRfc4514(rdns: DnAttribute[][]): string {
  return rdns
    .slice()
    .reverse()
    .map((rdn) =>
      rdn
        .map((a) => {
          const short = SHORT_NAMES[a.oid];
          return short ? `${short}=${escapeDnValue(a.value)}` : `${a.oid}=#${Buffer.from(a.der, 'binary').toString('hex')}`;
        })
        .join('+'),
    )
    .join(',');
}

/**
 * The VKN (10 digits) or TCKN (11 digits) of a mali mühür / e-imza certificate. Kamu SM puts it in the subject
 * serialNumber (2.5.4.5) as a PrintableString — GİB's own sample certificate has `2.5.4.5=#130a39393939393939393939`
 * ("9999999999"). ETSI EN 319 412-1 certificates may carry a semantics prefix ("VATTR-", "TINTR-", "IDCTR-",
 * "PNOTR-") there or an organizationIdentifier (2.5.4.97); both are accepted.
 */
export function vknTcknFromAttributes(rdns: DnAttribute[][]): string | null {
  const pick = (oid: string): string | null => {
    for (const rdn of rdns) {
      for (const a of rdn) {
        if (a.oid !== oid) continue;
        const m = /^(?:[A-Z]{3}[A-Z]{2}-)?(\d{10,11})$/.exec(a.value.trim());
        if (m) return m[1];
      }
    }
    return null;
  };
  return pick(OID_SERIAL_NUMBER) ?? pick(OID_ORGANIZATION_IDENTIFIER);
}

export type ChainProblem = 'untrusted' | 'expired' | 'not-yet-valid' | 'bad-signature';

export interface ChainResult {
  ok: boolean;
  problem?: ChainProblem;
  detail?: string;
  /** Leaf first, trust anchor last. */
  path: CertInfo[];
}

/**
 * Build a path from `leaf` through `intermediates` to one of `trustedRoots` and check each link's signature and
 * every certificate's validity at `now`. A trusted certificate may be the leaf itself (pinning).
 */
export function verifyChain(leaf: Buffer, intermediates: Buffer[], trustedRoots: Buffer[], now: Date): ChainResult {
  const leafInfo = certInfo(leaf);
  const trusted = trustedRoots.map((d) => certInfo(d));
  const pool = intermediates.map((d) => certInfo(d)).filter((c) => !c.der.equals(leaf));
  const path: CertInfo[] = [leafInfo];
  const isTrusted = (c: CertInfo): boolean => trusted.some((t) => t.der.equals(c.der));
  let current = leafInfo;
  for (let depth = 0; depth < 10; depth++) {
    if (isTrusted(current)) {
      for (const c of path) {
        if (now < c.notBefore) return { ok: false, problem: 'not-yet-valid', detail: c.subject, path };
        if (now > c.notAfter) return { ok: false, problem: 'expired', detail: c.subject, path };
      }
      return { ok: true, path };
    }
    const candidates = [...trusted, ...pool].filter((p) => !path.includes(p) && current.x509.checkIssued(p.x509));
    let next: CertInfo | undefined;
    for (const cand of candidates) {
      if (cand.x509.ca && current.x509.verify(cand.x509.publicKey)) {
        next = cand;
        break;
      }
    }
    if (!next) {
      const problem: ChainProblem = candidates.length ? 'bad-signature' : 'untrusted';
      return { ok: false, problem, detail: `no trusted issuer for ${current.subject}`, path };
    }
    path.push(next);
    current = next;
  }
  return { ok: false, problem: 'untrusted', detail: 'chain too long', path };
}

/** Throw SIGNER_CERT_EXPIRED / SIGNER_CERT_NOT_YET_VALID when `now` is outside the certificate's validity. */
export function checkValidity(cert: CertInfo, now: Date): void {
  if (now.getTime() < cert.notBefore.getTime()) {
    throw new GatewayError('SIGNER_CERT_NOT_YET_VALID', { notBefore: cert.notBefore.toISOString() }, 'NOT_YET_VALID');
  }
  if (now.getTime() > cert.notAfter.getTime()) {
    throw new GatewayError('SIGNER_CERT_EXPIRED', { notAfter: cert.notAfter.toISOString() }, 'EXPIRED');
  }
}

/** What `Signer#describe()` reports, from the leaf certificate. */
export function describeCertificate(label: string, leaf: Buffer): SignerDescription {
  const info = certInfo(leaf);
  return {
    label,
    subject: info.subject,
    serialNumber: info.serialHex,
    notBefore: info.notBefore,
    notAfter: info.notAfter,
    vknTckn: info.vknTckn,
  };
}

/**
 * The electronic contract a customer signs with its own seal before its services are opened at GİB (seed 003:
 * "imzalanacak elektronik sözleşme … mali mühür ile imzalama"). It names the integrator, the company as GİB will
 * know it (title, VKN/TCKN, GB and PK aliases) and every service with its opening date and, for services GİB opens,
 * the user-account document (HR-XML) that will be sent — the "XML'i Göster" of the seed — so the customer's
 * signature covers exactly what is done in its name. Signed as XAdES-BES, enveloped, the signature the root's last
 * child; accepted only when the signature is sound, chains to a trusted root, its certificate carries the tenant's
 * own VKN/TCKN, and the document is, signature aside, the one the gateway issued.
 */
import { GatewayError, isGatewayError } from '../faults';
import { XML_DECLARATION, leaf } from '../gib/protocol/markup';
import { signXml } from '../signing/xades';
import type { Signer } from '../signing/signer';
import { verifyXml, type VerifyResult } from '../signing/verify';
import { canonicalBytes } from '../xml/c14n';
import { parseXml } from '../xml/parse';
import { firstChild, textContent } from '../xml/query';
import { turkishIsoWithOffset } from '../turkish-time';

export const CONTRACT_NS = 'urn:acik-entegrator:activation:1';
const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';

export const CONTRACT_SIGNATURE_PLACEMENT = { parentXPath: '/c:AktivasyonSozlesmesi', namespaces: { c: CONTRACT_NS }, position: 'last' } as const;

export interface ContractService {
  code: string;
  name: string;
  /** The line the activation tool answers with, e.g. "e-Fatura Hizmeti açma". */
  operation: string;
  /** null: "Hesap Hemen Açılsın". */
  activationAt: Date | null;
  /** The unsigned HR-XML ProcessUserAccount for the service (GİB services only). */
  gibDocument?: Buffer;
}

export interface ContractSpec {
  contractId: string;
  issuedAt: Date;
  integrator: { vkn: string; title: string };
  company: { vkn: string; title: string; gbAlias: string; pkAlias: string };
  services: readonly ContractService[];
}

const TEXT =
  'Bu sözleşme ile yukarıda unvanı ve vergi kimlik numarası yazılı firma, listelenen e-Belge hizmetlerinin ' +
  'entegratör aracılığıyla Gelir İdaresi Başkanlığı nezdinde belirtilen tarihlerde açılmasını, bu amaçla GİB\'e ' +
  'iletilecek kullanıcı hesabı belgelerinin entegratörün mali mührü ile imzalanarak gönderilmesini kabul eder. ' +
  'Sözleşme firmanın mali mührü ile imzalandığında yürürlüğe girer.';

/** The contract as issued (UTF-8, unsigned). */
export function buildContract(spec: ContractSpec): Buffer {
  const services = spec.services
    .map(
      (s) =>
        `<Hizmet kod="${s.code}">` +
        leaf('Ad', s.name) +
        leaf('Islem', s.operation) +
        leaf('AcilisTarihi', s.activationAt ? turkishIsoWithOffset(s.activationAt) : 'Hesap Hemen Açılsın') +
        (s.gibDocument ? leaf('GIBKullaniciHesabi', s.gibDocument.toString('base64')) : '') +
        '</Hizmet>\n',
    )
    .join('');
  const xml =
    `${XML_DECLARATION}\n` +
    `<AktivasyonSozlesmesi xmlns="${CONTRACT_NS}">\n` +
    leaf('SozlesmeNo', spec.contractId) + '\n' +
    leaf('DuzenlenmeZamani', turkishIsoWithOffset(spec.issuedAt)) + '\n' +
    `<Entegrator>${leaf('VKN', spec.integrator.vkn)}${leaf('Unvan', spec.integrator.title)}</Entegrator>\n` +
    `<Firma>${leaf('VKN', spec.company.vkn)}${leaf('Unvan', spec.company.title)}` +
    `${leaf('GondericiBirimEtiketi', spec.company.gbAlias)}${leaf('PostaKutusuEtiketi', spec.company.pkAlias)}</Firma>\n` +
    `<Hizmetler>\n${services}</Hizmetler>\n` +
    leaf('Metin', TEXT) + '\n' +
    '</AktivasyonSozlesmesi>\n';
  return Buffer.from(xml, 'utf8');
}

/** Signs the contract with the customer's seal (the CLI's contract:sign, and the development set-up). */
export function signContract(xml: Buffer, signer: Signer, signingTime?: Date): Promise<Buffer> {
  return signXml(xml, signer, { placement: CONTRACT_SIGNATURE_PLACEMENT, claimedRole: null, ...(signingTime ? { signingTime } : {}) });
}

/** The contract number written in a (signed or unsigned) contract; CONTRACT_CHANGED when it is not a contract. */
export function contractIdOf(xml: Buffer): string {
  const doc = parseXml(xml);
  const root = doc.root;
  const id = root.ns === CONTRACT_NS && root.local === 'AktivasyonSozlesmesi' ? firstChild(root, CONTRACT_NS, 'SozlesmeNo') : undefined;
  const text = id ? textContent(doc, id).trim() : '';
  if (!text) throw new GatewayError('CONTRACT_CHANGED', { detail: 'AktivasyonSozlesmesi/SozlesmeNo yok' });
  return text;
}

/** Canonical bytes of the document without its signature, whitespace between elements ignored. */
function content(xml: Buffer, withoutSignature: boolean): string {
  const doc = parseXml(xml);
  const sig = withoutSignature ? doc.root.children.find((c) => c.ns === DS_NS && c.local === 'Signature') ?? null : null;
  return canonicalBytes(doc, { exclude: sig }).toString('utf8').replace(/>\s+</g, '><');
}

/**
 * Verifies a signed contract against the one issued: the signature (XAdES, trusted roots, validity at `now`), the
 * signer being the tenant itself (CONTRACT_SIGNER 4709), and the signed content being the issued one (4707).
 */
export async function verifySignedContract(signed: Buffer, issued: Buffer, opts: { trustedRoots: Buffer[]; tenantVkn: string; now: Date }): Promise<VerifyResult> {
  let result: VerifyResult;
  try {
    result = await verifyXml(signed, { trustedRoots: opts.trustedRoots, expectedSignerId: opts.tenantVkn, now: opts.now });
  } catch (err) {
    if (!isGatewayError(err)) throw err;
    if (err.fault === 'DOCUMENT_DOCTYPE' || err.fault === 'DOCUMENT_LIMIT') throw err;
    if (err.fault === 'SIGNER_NOT_AUTHORISED' || err.fault === 'SIGNATURE_OWNER_UNKNOWN') throw new GatewayError('CONTRACT_SIGNER', { detail: err.message }, err);
    throw new GatewayError('CONTRACT_SIGNATURE', { detail: err.message }, err);
  }
  if (content(signed, true) !== content(issued, false)) throw new GatewayError('CONTRACT_CHANGED', { detail: 'imzalanan içerik düzenlenen sözleşmeden farklı' });
  return result;
}

import { GatewayError } from '../faults';
import type { UserService } from '../gib/protocol';

/**
 * The services a tenant can order (seed 003's Hizmetlerim list). `gib`: the account GİB opens for it with a
 * USERENVELOPE (Özel Entegrasyon Kılavuzu §5; null: nothing to open at GİB); `contract`: whether the customer signs
 * the electronic contract with its own seal before it opens (the services GİB is told about, and those the seed's
 * activation tool lists: e-Defter and Faktoring Bilgi Köprüsü too). Services with neither (e-Ticaret, SMS,
 * Mailing) are Aktif as soon as they are activated. `opening` is the line the activation tool answers with
 * ("e-Fatura Hizmeti açma. Sonuç: Başarılı"), in the seed's own spelling.
 */
export const SERVICES = {
  EFATURA: { name: 'e-Fatura', gib: 'EFATURA', contract: true, opening: 'e-Fatura Hizmeti açma', closing: 'e-Fatura Hizmeti kapatma' },
  EARSIV: { name: 'e-Arşiv', gib: 'EARSIV', contract: true, opening: 'e-Arşiv hizmeti açma', closing: 'e-Arşiv hizmeti kapatma' },
  EIRSALIYE: { name: 'e-İrsaliye', gib: 'EIRSALIYE', contract: true, opening: 'e-İrsaliye hizmeti açma', closing: 'e-İrsaliye hizmeti kapatma' },
  EARSIV_SAKLAMA: { name: 'e-Arşiv Saklama', gib: 'EARSIV_ARSIV', contract: true, opening: 'e-Arşiv Saklama hizmeti açma', closing: 'e-Arşiv Saklama hizmeti kapatma' },
  EDEFTER: { name: 'e-Defter', gib: null, contract: true, opening: 'e-Defter hizmeti açma', closing: 'e-Defter hizmeti kapatma' },
  FAKTORING: { name: 'Faktoring Bilgi Köprüsü', gib: null, contract: true, opening: 'Faktoring Bilgi Köprüsü hizmeti açma', closing: 'Faktoring Bilgi Köprüsü hizmeti kapatma' },
  ETICARET: { name: 'e-Ticaret', gib: null, contract: false, opening: 'e-Ticaret hizmeti açma', closing: 'e-Ticaret hizmeti kapatma' },
  EARSIV_SMS: { name: 'e-Arşiv SMS', gib: null, contract: false, opening: 'e-Arşiv SMS hizmeti açma', closing: 'e-Arşiv SMS hizmeti kapatma' },
  EARSIV_MAILING: { name: 'eArsivMailing', gib: null, contract: false, opening: 'eArsivMailing hizmeti açma', closing: 'eArsivMailing hizmeti kapatma' },
} as const satisfies Record<string, { name: string; gib: UserService | null; contract: boolean; opening: string; closing: string }>;

export type ServiceCode = keyof typeof SERVICES;
export const SERVICE_CODES = Object.keys(SERVICES) as ServiceCode[];

export function isServiceCode(value: string): value is ServiceCode {
  return Object.hasOwn(SERVICES, value);
}

/** A service code as a caller wrote it (any case), or SERVICE_UNKNOWN (4701). */
export function serviceCode(value: string): ServiceCode {
  const code = value.trim().toUpperCase();
  if (!isServiceCode(code)) throw new GatewayError('SERVICE_UNKNOWN', { service: value.trim().slice(0, 40) });
  return code;
}

/** The context a service's activation machine starts with: what its guards ask. */
export function serviceContext(code: ServiceCode): Record<string, unknown> {
  const s = SERVICES[code];
  return { contract: s.contract, ...(s.gib ? { gibService: s.gib } : {}) };
}

/** What the e-Fatura Gelen Kutusu and İptal Talepleri screens share: fault lines, GİB's services, ids from URLs. */
import { GatewayError } from '../../faults';
import type { Ettn } from '../../ids';
import type { PortalServices } from '../deps';
import { ettnOf } from '../list';

/** A refusal as the user reads it: the service's Turkish message and its code. */
export function faultLine(err: GatewayError): string {
  return `${err.message} (Hata kodu: ${err.code})`;
}

/** A GİB-side service, or PORTAL_GIB_OFF in a gateway without GİB configured. */
export function gibService<K extends 'applicationResponses' | 'efaturaCancel'>(services: PortalServices, name: K): NonNullable<PortalServices[K]> {
  const service = services[name];
  if (!service) throw new GatewayError('PORTAL_GIB_OFF');
  return service as NonNullable<PortalServices[K]>;
}

/** The ETTN in a URL; anything else is a page that does not exist. */
export function ettnParam(value: unknown): Ettn {
  const ettn = typeof value === 'string' ? ettnOf(value) : null;
  if (!ettn) throw new GatewayError('PORTAL_NOT_FOUND');
  return ettn;
}

/** A read of the tenant's own records: another company's (or none) is the portal's 404. */
export async function ownRecord<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof GatewayError && (err.fault === 'DOCUMENT_NOT_FOUND' || err.fault === 'CANCEL_REQUEST_NOT_FOUND')) throw new GatewayError('PORTAL_NOT_FOUND');
    throw err;
  }
}

/** A day typed in a form (YYYY-MM-DD, as <input type=date> sends it; 29.01.2020 as a person types it), or null. */
export function formDay(value: string | null, label: string): string | null {
  if (value === null) return null;
  const tr = /^(\d{2})[.\-/](\d{2})[.\-/](\d{4})$/.exec(value);
  const iso = tr ? `${tr[3]}-${tr[2]}-${tr[1]}` : value;
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T00:00:00Z`) : null;
  if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== iso) throw new GatewayError('PORTAL_INPUT', { field: label });
  return iso;
}

/** Whole days from one YYYY-MM-DD to another. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** A query string of the non-empty values. */
export function queryString(values: Record<string, string | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

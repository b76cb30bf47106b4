/**
 * The kontör price list (issue 14): what each service costs to order (a one-off price per service of the catalogue,
 * ./catalogue.ts) and what each billable document consumes from the tenant's balance. Amounts are integer kuruş
 * everywhere; they are written the Turkish way ("21.957,81") only in messages.
 *
 * The defaults below are the gateway's own; GW_PRICE_LIST_FILE (src/config.ts) names a JSON file that overrides any
 * of them: `{ "services": { "EFATURA": 50000, … }, "documents": { "EFATURA": 50, "EARSIV": 30, "LEDGER_MONTH": 2500 } }`.
 * Pure data and checks: the configuration reads the file at start (src/config.ts), so this module sits below it.
 */
import { SERVICE_CODES, type ServiceCode } from './catalogue';

/** What consumes kontör: an e-Fatura and an e-Arşiv invoice accepted by SendInvoice, a month of e-Defter. */
export const BILLABLE_DOCUMENTS = ['EFATURA', 'EARSIV', 'LEDGER_MONTH'] as const;
export type BillableDocument = (typeof BILLABLE_DOCUMENTS)[number];

export interface PriceList {
  /** The price of ordering each service (paid with the order, not taken from the balance). */
  services: Readonly<Record<ServiceCode, number>>;
  /** What each billable document takes from the balance. */
  documents: Readonly<Record<BillableDocument, number>>;
}

/** The gateway's default prices (kuruş): an integrator sets its own with GW_PRICE_LIST_FILE. */
export const DEFAULT_PRICES: PriceList = {
  services: {
    EFATURA: 50_000,
    EARSIV: 30_000,
    EIRSALIYE: 30_000,
    EARSIV_SAKLAMA: 20_000,
    EDEFTER: 40_000,
    FAKTORING: 0,
    ETICARET: 10_000,
    EARSIV_SMS: 5_000,
    EARSIV_MAILING: 5_000,
  },
  documents: { EFATURA: 50, EARSIV: 30, LEDGER_MONTH: 2_500 },
};

/** The most any one price or order may be (10 milliard TL): far beyond any real one, well inside a double's integers. */
export const MAX_KURUS = 1_000_000_000_000;

function amount(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_KURUS) {
    throw new Error(`${where} must be a whole number of kuruş from 0 to ${MAX_KURUS}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function section<K extends string>(value: unknown, name: string, keys: readonly K[], defaults: Readonly<Record<K, number>>): Record<K, number> {
  const out: Record<K, number> = { ...defaults };
  if (value === undefined) return out;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`"${name}" must be an object`);
  for (const [key, price] of Object.entries(value)) {
    if (!(keys as readonly string[]).includes(key)) throw new Error(`"${name}.${key}" is not one of ${keys.join(', ')}`);
    out[key as K] = amount(price, `"${name}.${key}"`);
  }
  return out;
}

/**
 * A price list file's content over the defaults: only `services` and `documents`, only known codes, whole kuruş.
 * Throws an Error saying what is wrong (the configuration turns it into a ConfigError).
 */
export function parsePriceList(json: unknown, defaults: PriceList = DEFAULT_PRICES): PriceList {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('the price list must be a JSON object');
  for (const key of Object.keys(json)) if (key !== 'services' && key !== 'documents') throw new Error(`"${key}" is not "services" or "documents"`);
  const j = json as { services?: unknown; documents?: unknown };
  return {
    services: section(j.services, 'services', SERVICE_CODES, defaults.services),
    documents: section(j.documents, 'documents', BILLABLE_DOCUMENTS, defaults.documents),
  };
}

/** Kuruş as Turkish money: 2195781 → "21.957,81", -220000 → "-2.200,00". */
export function formatKurus(kurus: number): string {
  const sign = kurus < 0 ? '-' : '';
  const abs = Math.abs(kurus);
  const lira = Math.trunc(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${sign}${lira},${String(abs % 100).padStart(2, '0')}`;
}

/** The overdraft as the seed shows it beside the balance ("Ekst. Limit: -2.200"): a negative amount. */
export function formatLimit(limitKurus: number): string {
  return formatKurus(limitKurus === 0 ? 0 : -limitKurus);
}

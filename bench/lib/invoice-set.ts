/**
 * The outgoing-list benchmarks' data set (bench/outgoing-list.bench.ts over SOAP, bench/portal-list.bench.ts over the
 * portal's pages): N invoices of one company written straight into the database as two years of trading — 70 %
 * e-Arşiv, 30 % e-Fatura, nearly all concluded, a few per cent failed or in progress, receivers from a few large
 * customers to many one-off buyers, five number series. Deterministic: the same rows on every run and both databases.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { createDb } from '../../src/db/connect';

export const START = Date.parse('2025-01-01T06:00:00Z');
const SPAN_MS = 700 * 86_400_000;

/** A small deterministic generator: the same data set on every run and on both databases. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const EARSIV_STATES: Array<[string, number]> = [['SUCCESS', 0.95], ['CANCEL_REPORTED', 0.02], ['ERROR', 0.015], ['SIGNED', 0.005], ['IN_REPORT', 0.01]];
export const EFATURA_STATES: Array<[string, number]> = [['DELIVERED', 0.6], ['ACCEPTED', 0.3], ['REJECTED', 0.03], ['GIB_REJECTED', 0.02], ['AWAITING_RECEIVER', 0.03], ['SIGNED', 0.01], ['ERROR', 0.01]];

function pick(r: number, table: Array<[string, number]>): string {
  let acc = 0;
  for (const [name, p] of table) if (r < (acc += p)) return name;
  return table[table.length - 1]![0];
}

export async function build(db: ReturnType<typeof createDb>, tenantId: number, count: number, seed: number) {
  const random = rng(seed);
  const series = new Map<string, number>();
  const batch: Record<string, unknown>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await db.batchInsert('invoices', batch.splice(0), 400); // SQLite takes at most 500 terms in a compound SELECT
  };
  const sha = createHash('sha256').update(randomBytes(8)).digest('hex');
  for (let i = 0; i < count; i++) {
    const created = new Date(START + Math.floor((i / count) * SPAN_MS) + Math.floor(random() * 30_000));
    const earsiv = random() < 0.7;
    const year = created.getUTCFullYear();
    const prefix = earsiv ? (random() < 0.9 ? 'EAR' : 'MAG') : random() < 0.97 ? 'EFT' : random() < 0.5 ? 'IHR' : 'ABC';
    const key = `${prefix}${year}`;
    const seq = (series.get(key) ?? 0) + 1;
    series.set(key, seq);
    // Receivers: e-Fatura to 2,000 companies, the first 20 of them taking half; e-Arşiv to 200,000 people, mostly once.
    const receiver = earsiv
      ? String(10_000_000_000 + Math.floor(random() * 200_000))
      : String(1_000_000_000 + (random() < 0.5 ? Math.floor(random() * 20) : Math.floor(random() * 2000)));
    const state = pick(random(), earsiv ? EARSIV_STATES : EFATURA_STATES);
    const issued = new Date(created.getTime() - Math.floor(random() * 3) * 86_400_000).toISOString().slice(0, 10);
    batch.push({
      tenant_id: tenantId,
      machine: earsiv ? 'earsiv-invoice' : 'efatura-invoice',
      state,
      version: 5,
      ettn: randomUUID(),
      invoice_number: `${key}${String(seq).padStart(9, '0')}`,
      kind: earsiv ? 'EARSIV' : 'EFATURA',
      profile_id: earsiv ? 'EARSIVFATURA' : random() < 0.4 ? 'TICARIFATURA' : 'TEMELFATURA',
      type_code: 'SATIS',
      issue_date: issued,
      receiver_id: receiver,
      receiver_name: earsiv ? 'AHMET YILMAZ' : `FIRMA ${receiver} A.S.`,
      currency: 'TRY',
      payable_amount: (100 + Math.floor(random() * 1_000_000) / 100).toFixed(2),
      received_sha256: sha,
      document_sha256: sha,
      signed_sha256: sha,
      caller_signed: false,
      context: state === 'ERROR' ? '{"code":1163,"codeDescription":"HATALI"}' : '{}',
      created_at: created.toISOString(),
      updated_at: created.toISOString(),
    });
    if (batch.length >= 20_000) await flush();
  }
  await flush();
}

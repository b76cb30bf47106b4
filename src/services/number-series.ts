import type { Knex } from 'knex';
import { GatewayError } from '../faults';

const MAX_SEQUENCE = 999_999_999;

/**
 * Takes the next invoice number of a tenant's series for a year, inside the caller's transaction: gapless because a
 * rolled-back transaction gives its number back, restarting each year because the year is part of the key, never
 * reused because the counter only grows. On PostgreSQL the increment's row lock serialises concurrent senders;
 * SQLite has one writer. Format (DOMAIN.md): 3-character prefix + 4-digit year + 9-digit sequence.
 */
export async function nextInvoiceNumber(
  trx: Knex.Transaction,
  series: { tenantId: number; kind: string; prefix: string; year: number },
): Promise<string> {
  await trx('number_series')
    .insert({ tenant_id: series.tenantId, kind: series.kind, prefix: series.prefix, year: series.year, last_value: 0 })
    .onConflict(['tenant_id', 'prefix', 'year'])
    .ignore();
  const [row] = await trx('number_series')
    .where({ tenant_id: series.tenantId, prefix: series.prefix, year: series.year })
    .increment('last_value', 1)
    .returning(['last_value', 'kind']);
  if (row.kind !== series.kind) {
    throw new GatewayError('REQUEST_FIELD', { field: `numberSeries (${series.prefix} serisi ${row.kind} icin kullaniliyor)` });
  }
  const value = Number(row.last_value);
  if (value > MAX_SEQUENCE) throw new GatewayError('NUMBER_SERIES_EXHAUSTED', { series: `${series.prefix}${series.year}` });
  return `${series.prefix}${series.year}${String(value).padStart(9, '0')}`;
}

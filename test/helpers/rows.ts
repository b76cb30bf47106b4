import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

/** Inserts a tenant and an invoice row directly, for tests of the store and the queue below the services. */
export async function insertTenant(db: Knex, vkn = '1234567801'): Promise<number> {
  const [row] = await db('tenants')
    .insert({ vkn, title: 'T', gb_alias: 'gb', pk_alias: 'pk', created_at: new Date().toISOString() })
    .returning('id');
  return Number(row.id);
}

export async function insertInvoice(
  db: Knex,
  tenantId: number,
  opts: { machine?: string; state?: string; context?: Record<string, unknown> } = {},
): Promise<number> {
  const now = new Date().toISOString();
  const [row] = await db('invoices')
    .insert({
      tenant_id: tenantId,
      machine: opts.machine ?? 'earsiv-invoice',
      state: opts.state ?? 'RECEIVED',
      version: 1,
      ettn: randomUUID(),
      kind: 'EARSIV',
      profile_id: 'EARSIVFATURA',
      type_code: 'SATIS',
      issue_date: '2026-01-01',
      receiver_id: '11111111111',
      currency: 'TRY',
      payable_amount: '118.00',
      received_sha256: 'a'.repeat(64),
      document_sha256: 'a'.repeat(64),
      context: JSON.stringify(opts.context ?? {}),
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return Number(row.id);
}

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

/** Rows in every table of the database (migrations' own bookkeeping left out), to show a request stored nothing. */
export async function tableCounts(db: Knex): Promise<Record<string, number>> {
  const client = String(db.client.config.client);
  const names: string[] = client === 'pg'
    ? (await db.raw(`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`)).rows.map((r: { name: string }) => r.name)
    : (await db.raw(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`)).map((r: { name: string }) => r.name);
  const counts: Record<string, number> = {};
  for (const name of names.filter((n) => !n.startsWith('knex_')).sort()) {
    const row = await db(name).count({ n: '*' }).first();
    counts[name] = Number(row!.n);
  }
  return counts;
}

import type { Knex } from 'knex';
import { machineColumns } from './002_gib';

/**
 * Service activation and kontör (issue 14; seed 003). A tenant's services (tenant_services, one row per service,
 * driven by the activation machine: ordered, paid, signed, sent to GİB, Aktif, closed), the electronic contracts the
 * customer signs with its own seal (activation_contracts), orders and their payments (service_orders), and the
 * credits: one balance with its overdraft limit per metered tenant (credit_accounts) and every movement of it
 * (credit_movements: unique per tenant, kind and reference, so a retried document is never charged twice). The
 * tenant's e-mail address receives the notices.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('tenants', (t) => {
    t.string('email', 200).nullable();
    t.boolean('public_sector').notNullable().defaultTo(false); // KAMU or ÖZEL: GİB's UserOptionCode differs
  });
  await db.schema.createTable('tenant_services', (t) => {
    t.increments('id').primary();
    machineColumns(t);
    t.string('service', 20).notNullable(); // EFATURA, EARSIV, … (src/activation/catalogue.ts)
    t.string('ordered_at', 30).notNullable();
    t.string('opened_at', 30).nullable(); // Hizmet Açılış Tarihi: when the paid service was opened to the tenant
    t.string('activation_at', 30).nullable(); // Aktivasyon Tarihi: chosen (waiting) or reached (Aktif)
    t.string('envelope_id', 64).nullable(); // the USERENVELOPE of the last send to GİB
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['tenant_id', 'service']);
    t.index(['envelope_id']);
  });
  await db.schema.createTable('activation_contracts', (t) => {
    t.increments('id').primary();
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.string('contract_id', 36).notNullable().unique();
    t.text('services').notNullable(); // JSON: [{ service, activationAt|null }]
    t.string('xml_sha256', 64).notNullable(); // the contract as issued (its bytes in the blob store)
    t.string('state', 12).notNullable(); // ISSUED | SIGNED | SUPERSEDED
    t.string('signed_sha256', 64).nullable();
    t.string('signer', 400).nullable();
    t.string('created_at', 30).notNullable();
    t.string('signed_at', 30).nullable();
    t.index(['tenant_id', 'state']);
  });
  await db.schema.createTable('service_orders', (t) => {
    t.increments('id').primary();
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.text('services').notNullable(); // JSON: [{ service, priceKurus }]
    t.bigInteger('credits_kurus').notNullable(); // kontör bought with the order
    t.bigInteger('total_kurus').notNullable();
    t.string('payment_method', 10).notNullable(); // CARD | WIRE
    t.string('state', 12).notNullable(); // PENDING | PAID
    t.string('created_at', 30).notNullable();
    t.string('paid_at', 30).nullable();
    t.string('confirmed_by', 100).nullable();
    t.index(['tenant_id']);
  });
  await db.schema.createTable('credit_accounts', (t) => {
    t.integer('tenant_id').primary().references('tenants.id');
    t.bigInteger('balance_kurus').notNullable();
    t.bigInteger('limit_kurus').notNullable(); // the overdraft: the balance may go down to -limit
    t.string('updated_at', 30).notNullable();
  });
  await db.schema.createTable('credit_movements', (t) => {
    t.increments('id').primary();
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.string('kind', 10).notNullable(); // PURCHASE | CHARGE | REFUND | ADJUST
    t.string('ref', 100).notNullable(); // ORDER:12, EFATURA:<ettn>, LEDGER:2026-11, …
    t.bigInteger('amount_kurus').notNullable(); // signed
    t.bigInteger('balance_after_kurus').notNullable();
    t.string('description', 300).notNullable();
    t.string('actor', 100).notNullable();
    t.string('at', 30).notNullable();
    t.unique(['tenant_id', 'kind', 'ref']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['credit_movements', 'credit_accounts', 'service_orders', 'activation_contracts', 'tenant_services']) await db.schema.dropTableIfExists(table);
  await db.schema.alterTable('tenants', (t) => {
    t.dropColumn('email');
    t.dropColumn('public_sector');
  });
}

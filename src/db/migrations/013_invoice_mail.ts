import type { Knex } from 'knex';

/**
 * e-Arşiv e-mail delivery (issue 16, eArsivMailing): one row per invoice and kind (the invoice itself, or the notice
 * of its cancellation) with the recipient, the delivery's state (src/db/invoice-mails.ts), how many sends were tried,
 * the last error, when it went out and its Message-ID. `sending_at` is the claim of a send in progress, so that a
 * job run twice never mails twice.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('invoice_mails', (t) => {
    t.increments('id').primary();
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.integer('invoice_id').notNullable().references('invoices.id');
    t.string('kind', 20).notNullable(); // INVOICE, CANCELLATION
    t.string('recipient', 254).nullable();
    t.string('state', 20).notNullable(); // PENDING, SENT, ERROR, NO_ADDRESS, SKIPPED, SERVICE_OFF, OFF
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('last_error', 500).nullable();
    t.string('sending_at', 30).nullable();
    t.string('sent_at', 30).nullable();
    t.string('message_id', 250).nullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['invoice_id', 'kind']);
    t.index(['tenant_id', 'state']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('invoice_mails');
}

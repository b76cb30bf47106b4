import type { Knex } from 'knex';

/**
 * What travelling GİB's protocols needs: the synced user list, every envelope in and out (the routing key of GİB's
 * system responses), the receiver side's inbox, the system responses as they came (noise included), e-Fatura
 * cancellation requests and the daily e-Arşiv reports. Machine-driven tables carry machine/state/version/context.
 */
/** What the one persistence path (src/db/machine-store.ts) needs of a machine-driven table, with its tenant (010 uses it too). */
export function machineColumns(t: Knex.CreateTableBuilder): void {
  t.integer('tenant_id').notNullable().references('tenants.id');
  t.string('machine', 40).notNullable();
  t.string('state', 40).notNullable();
  t.integer('version').notNullable().defaultTo(1);
  t.text('context').notNullable().defaultTo('{}');
}

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('invoices', (t) => {
    t.string('envelope_id', 36); // the SENDERENVELOPE that carries it (e-Fatura)
    t.index(['envelope_id']);
  });

  // GİB's user list (e-Fatura registered users and their aliases), replaced as a whole on each sync.
  await db.schema.createTable('gib_users', (t) => {
    t.string('vkn_tckn', 11).notNullable();
    t.string('alias', 250).notNullable();
    t.string('role', 2).notNullable(); // GB | PK
    t.string('title', 250);
    t.string('document_type', 40);
    t.string('first_creation_time', 30);
    t.string('synced_at', 30).notNullable();
    t.primary(['vkn_tckn', 'alias', 'role']);
  });

  // Small named facts that must survive restarts (e.g. when the user list was last synced).
  await db.schema.createTable('gateway_state', (t) => {
    t.string('name', 100).primary();
    t.text('value').notNullable();
    t.string('updated_at', 30).notNullable();
  });

  await db.schema.createTable('envelopes', (t) => {
    t.string('id', 36).notNullable(); // envelope UUID, lower case
    // Both directions can hold the same id: an envelope between two tenants of this gateway leaves as OUT and
    // comes back from GİB as IN.
    t.string('direction', 3).notNullable(); // OUT | IN
    t.integer('tenant_id').references('tenants.id'); // null: an incoming envelope for no tenant of ours
    t.string('type', 20).notNullable(); // SENDERENVELOPE | POSTBOXENVELOPE | SYSTEMENVELOPE | UNKNOWN (unreadable)
    t.string('element_type', 30);
    t.string('sender_vkn', 11);
    t.string('sender_alias', 250);
    t.string('receiver_vkn', 11);
    t.string('receiver_alias', 250);
    t.string('about_envelope_id', 36); // a response's envelope: the envelope it answers
    t.string('blob_sha256', 64).notNullable(); // OUT: the envelope XML; IN: the ZIP as received
    t.string('file_name', 60);
    t.string('md5', 32);
    // OUT: CREATED → SENT; IN: RECEIVED → PROCESSED | REFUSED (answered with an error system response).
    t.string('status', 20).notNullable();
    t.integer('gib_code'); // OUT: the last GİB status code heard about it
    t.text('gib_description');
    t.string('sent_at', 30);
    t.string('response_at', 30); // last system response
    t.string('next_poll_at', 30); // OUT: when getApplicationResponse is due (null: not polled)
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.primary(['id', 'direction']);
    t.index(['next_poll_at']);
    t.index(['about_envelope_id']);
  });

  // Every system response received, whether or not it matched an envelope of ours (GİB sends noise: keep it).
  await db.schema.createTable('gib_responses', (t) => {
    t.increments('id').primary();
    t.string('system_envelope_id', 36).notNullable();
    t.string('about_envelope_id', 36).notNullable();
    t.integer('code').notNullable();
    t.text('description');
    t.boolean('matched').notNullable();
    t.string('received_at', 30).notNullable();
    t.unique(['system_envelope_id', 'about_envelope_id']);
  });

  // The receiver side: invoices other companies sent to a tenant.
  await db.schema.createTable('incoming_invoices', (t) => {
    t.increments('id').primary();
    machineColumns(t);
    t.string('ettn', 36).notNullable();
    t.string('invoice_number', 16).notNullable();
    t.string('profile_id', 40).notNullable();
    t.string('type_code', 40).notNullable();
    t.string('issue_date', 10).notNullable();
    t.string('sender_vkn', 11).notNullable();
    t.string('sender_name', 250);
    t.string('sender_alias', 250).notNullable();
    t.string('receiver_alias', 250).notNullable();
    t.string('currency', 3).notNullable();
    t.string('payable_amount', 30).notNullable();
    t.string('document_sha256', 64).notNullable();
    t.string('envelope_id', 36).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['tenant_id', 'ettn']);
  });

  // e-Fatura cancellation requests the tenant made at GİB's cancellation portal (seed 004).
  await db.schema.createTable('cancel_requests', (t) => {
    t.increments('id').primary();
    machineColumns(t);
    t.integer('invoice_id').notNullable().references('invoices.id');
    t.string('portal_id', 36).notNullable().unique();
    t.string('requested_at', 30).notNullable();
    t.string('decided_at', 30);
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.index(['tenant_id', 'requested_at']);
  });

  // Daily e-Arşiv reports; report_items makes "no ETTN reported twice" a database rule.
  await db.schema.createTable('earsiv_reports', (t) => {
    t.increments('id').primary();
    machineColumns(t);
    t.string('uuid', 36).notNullable().unique();
    t.string('period_date', 10).notNullable(); // the Istanbul day reported
    t.integer('section').notNullable(); // bölüm: 1, 2, … within the day
    t.string('blob_sha256', 64);
    t.string('paket_id', 100);
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['tenant_id', 'period_date', 'section']);
  });
  await db.schema.createTable('earsiv_report_items', (t) => {
    t.integer('report_id').notNullable().references('earsiv_reports.id');
    t.integer('invoice_id').notNullable().references('invoices.id');
    t.string('kind', 10).notNullable(); // INVOICE | CANCEL
    t.primary(['invoice_id', 'kind']);
    t.index(['report_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['earsiv_report_items', 'earsiv_reports', 'cancel_requests', 'incoming_invoices', 'gib_responses', 'envelopes', 'gateway_state', 'gib_users']) {
    await db.schema.dropTableIfExists(table);
  }
  await db.schema.alterTable('invoices', (t) => {
    t.dropIndex(['envelope_id']);
    t.dropColumn('envelope_id');
  });
}

import type { Knex } from 'knex';

// Timestamps are ISO-8601 UTC text (sortable, identical on SQLite and PostgreSQL); JSON is text.
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('tenants', (t) => {
    t.increments('id').primary();
    t.string('vkn', 11).notNullable().unique(); // VKN (10 digits) or TCKN (11)
    t.string('title', 250).notNullable();
    t.string('gb_alias', 250).notNullable();
    t.string('pk_alias', 250).notNullable();
    t.string('efatura_series', 3).notNullable().defaultTo('EFT');
    t.string('earsiv_series', 3).notNullable().defaultTo('EAR');
    t.text('signer_config'); // JSON; null = the gateway's default signer
    t.string('created_at', 30).notNullable();
  });

  await db.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.string('username', 100).notNullable().unique();
    t.string('password_hash', 200).notNullable(); // scrypt
    t.text('password_sealed').notNullable(); // AES-256-GCM, for PasswordDigest; key lives outside the database
    t.integer('failed_attempts').notNullable().defaultTo(0);
    t.string('locked_until', 30);
    t.string('created_at', 30).notNullable();
  });

  await db.schema.createTable('number_series', (t) => {
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.string('kind', 20).notNullable();
    t.string('prefix', 3).notNullable();
    t.integer('year').notNullable();
    t.integer('last_value').notNullable().defaultTo(0);
    t.primary(['tenant_id', 'prefix', 'year']);
  });

  await db.schema.createTable('invoices', (t) => {
    t.increments('id').primary();
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.string('machine', 40).notNullable();
    t.string('state', 40).notNullable();
    t.integer('version').notNullable().defaultTo(1);
    t.string('ettn', 36).notNullable();
    t.string('invoice_number', 16);
    t.string('kind', 10).notNullable(); // EFATURA | EARSIV
    t.string('profile_id', 40).notNullable();
    t.string('type_code', 40).notNullable();
    t.string('issue_date', 10).notNullable();
    t.string('receiver_id', 11).notNullable();
    t.string('receiver_name', 250);
    t.string('currency', 3).notNullable();
    t.string('payable_amount', 30).notNullable();
    t.string('received_sha256', 64).notNullable(); // what the caller sent: idempotency key with the ETTN
    t.string('document_sha256', 64).notNullable(); // the stored original (after number assignment)
    t.string('signed_sha256', 64);
    t.boolean('caller_signed').notNullable().defaultTo(false);
    t.text('context').notNullable().defaultTo('{}');
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['tenant_id', 'ettn']);
    t.unique(['tenant_id', 'invoice_number']);
  });

  // One append-only audit trail for every machine.
  await db.schema.createTable('state_history', (t) => {
    t.increments('id').primary();
    t.string('machine', 40).notNullable();
    t.integer('entity_id').notNullable();
    t.integer('version').notNullable();
    t.string('from_state', 40);
    t.string('to_state', 40).notNullable();
    t.string('event', 40).notNullable();
    t.string('actor', 100).notNullable();
    t.text('reason');
    t.integer('code');
    t.string('at', 30).notNullable();
    t.index(['machine', 'entity_id']);
  });

  await db.schema.createTable('jobs', (t) => {
    t.increments('id').primary();
    t.string('task', 60).notNullable();
    t.string('job_key', 200).notNullable().unique(); // idempotency: one live job per key
    t.text('payload').notNullable();
    t.string('run_at', 30).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable();
    t.string('locked_by', 100);
    t.string('locked_at', 30);
    t.text('last_error');
    t.string('failed_at', 30); // exhausted: stays visible
    t.string('created_at', 30).notNullable();
    t.index(['run_at']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['jobs', 'state_history', 'invoices', 'number_series', 'users', 'tenants']) {
    await db.schema.dropTableIfExists(table);
  }
}

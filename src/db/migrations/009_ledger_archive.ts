import type { Knex } from 'knex';

/**
 * e-Defter's 10-year archive (e-Saklama, issue 13). A tenant's month as the archive knows it (ledger_backups, driven
 * by the ledger-backup machine), every stored file of every version of it (ledger_archive_files: a send stores a new
 * version and keeps the earlier ones), the tenant's append-only hash chain over what was stored and deleted
 * (ledger_archive_chain: each entry commits to the previous one; ledger_archive_heads holds the last, the one value
 * a tenant keeps elsewhere to prove nothing was cut off the end), files being uploaded in chunks
 * (ledger_archive_uploads: the bytes received so far, so an upload resumes where it stopped) and the tenant's backup
 * setting (automatic or not). The files themselves are in the archive store (local files or S3), content-addressed.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('ledger_backups', (t) => {
    t.increments('id').primary();
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.string('machine', 40).notNullable();
    t.string('state', 40).notNullable();
    t.integer('version').notNullable().defaultTo(1);
    t.text('context').notNullable().defaultTo('{}');
    t.string('period', 7).notNullable(); // YYYY-MM
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['tenant_id', 'period']);
  });
  await db.schema.createTable('ledger_archive_files', (t) => {
    t.increments('id').primary();
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.integer('backup_id').notNullable().references('ledger_backups.id');
    t.string('period', 7).notNullable();
    t.integer('set_version').notNullable(); // the month's send that stored it: 1, 2, …
    t.string('kind', 6).notNullable(); // Y | K | YB | KB | GIB-YB | GIB-KB | DR
    t.integer('part').notNullable();
    t.string('file_name', 80).notNullable();
    t.string('object_key', 120).notNullable(); // <vkn>/<sha256> in the archive store
    t.string('sha256', 64).notNullable();
    t.bigInteger('size_bytes').notNullable();
    t.string('source', 10).notNullable(); // PROGRAM (sent by an e-Defter program) | GATEWAY (the gateway's own books)
    t.string('stored_at', 30).notNullable();
    t.string('retain_until', 30).notNullable();
    t.boolean('store_locked').notNullable(); // the store itself holds it (S3 Object Lock)
    t.string('deleted_at', 30);
    t.unique(['backup_id', 'set_version', 'file_name']);
    t.index(['tenant_id', 'period']);
  });
  await db.schema.createTable('ledger_archive_chain', (t) => {
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.integer('seq').notNullable(); // 1, 2, … per tenant
    t.string('action', 10).notNullable(); // STORE | DELETE
    t.integer('file_id').notNullable().references('ledger_archive_files.id');
    t.string('period', 7).notNullable();
    t.integer('set_version').notNullable();
    t.string('file_name', 80).notNullable();
    t.string('sha256', 64).notNullable();
    t.bigInteger('size_bytes').notNullable();
    t.string('retain_until', 30).notNullable(); // chained, so a shortened retention is caught
    t.string('at', 30).notNullable();
    t.string('prev_hash', 64).notNullable();
    t.string('entry_hash', 64).notNullable();
    t.primary(['tenant_id', 'seq']);
  });
  await db.schema.createTable('ledger_archive_heads', (t) => {
    t.integer('tenant_id').primary().references('tenants.id');
    t.integer('seq').notNullable();
    t.string('entry_hash', 64).notNullable();
  });
  await db.schema.createTable('ledger_archive_uploads', (t) => {
    t.increments('id').primary();
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.string('period', 7).notNullable();
    t.string('file_name', 80).notNullable();
    t.bigInteger('total_bytes').notNullable();
    t.string('sha256', 64).notNullable(); // as the sender declared it; checked when the last byte is in
    t.bigInteger('received_bytes').notNullable();
    t.string('path', 500).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['tenant_id', 'period', 'file_name']);
  });
  await db.schema.createTable('ledger_backup_settings', (t) => {
    t.integer('tenant_id').primary().references('tenants.id');
    t.boolean('automatic').notNullable();
    t.string('updated_at', 30).notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['ledger_backup_settings', 'ledger_archive_uploads', 'ledger_archive_heads', 'ledger_archive_chain', 'ledger_archive_files', 'ledger_backups']) {
    await db.schema.dropTableIfExists(table);
  }
}

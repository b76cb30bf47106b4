import type { Knex } from 'knex';

/**
 * e-Logo's PostBoxService (issue 15): its sessions (Login's sessionID, kept only as its SHA-256, with an idle
 * expiry) and the inbox pull loop's marks (GetDocumentDone: a document is handed out by GetDocument until its
 * uuid is marked done for that kind — EINVOICE, APPLICATIONRESPONSE, SYSTEMRESPONSE).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('elogo_sessions', (t) => {
    t.string('id_sha256', 64).primary();
    t.integer('user_id').notNullable().references('users.id');
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.string('created_at', 30).notNullable();
    t.string('expires_at', 30).notNullable();
    t.index(['expires_at']);
  });
  await db.schema.createTable('elogo_pulled', (t) => {
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.string('kind', 20).notNullable();
    t.string('uuid', 64).notNullable();
    t.string('done_at', 30).notNullable();
    t.primary(['tenant_id', 'kind', 'uuid']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('elogo_pulled');
  await db.schema.dropTableIfExists('elogo_sessions');
}

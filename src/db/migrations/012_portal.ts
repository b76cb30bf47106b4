import type { Knex } from 'knex';

/**
 * The web portal's sessions (issue 16), in the database so that every gateway process behind a load balancer knows
 * them: kept by the SHA-256 of the cookie's value, with the user, the tenant, the CSRF token of its forms, an idle
 * expiry and an absolute one, and a one-shot message for the next page (flash).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('portal_sessions', (t) => {
    t.string('id_sha256', 64).primary();
    t.integer('user_id').notNullable().references('users.id');
    t.integer('tenant_id').notNullable().references('tenants.id');
    t.string('csrf_token', 64).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('expires_at', 30).notNullable();
    t.string('ends_at', 30).notNullable();
    t.text('flash');
    t.index(['expires_at']);
    t.index(['user_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('portal_sessions');
}

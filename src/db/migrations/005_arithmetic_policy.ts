import type { Knex } from 'knex';

/**
 * A tenant's arithmetic policy (src/validation: the gateway's own amount and consistency checks, which GİB does not
 * make): 'warn' accepts an invoice exactly when GİB would and keeps each inconsistency as a warning; 'refuse' refuses
 * it, as the gateway did before. Existing tenants get the default, 'warn'.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('tenants', (t) => {
    t.string('arithmetic_policy', 10).notNullable().defaultTo('warn');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('tenants', (t) => {
    t.dropColumn('arithmetic_policy');
  });
}

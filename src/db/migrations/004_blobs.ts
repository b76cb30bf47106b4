import type { Knex } from 'knex';

/**
 * Small blobs (documents, envelopes, reports up to the blob store's inline limit) live in the database: written in the
 * transaction of the rows that name them, they cost no fsync, rename or directory sync of their own, and a blob and
 * its row are committed together or not at all. Larger ones stay files (src/storage/blob-store.ts).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('blobs', (t) => {
    t.string('sha256', 64).primary();
    t.binary('data').notNullable();
    t.string('created_at', 30).notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('blobs');
}

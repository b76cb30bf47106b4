import type { Knex } from 'knex';

/** A migration that adds named indexes to a table (and drops them on the way down). */
export function indexMigration(table: string, indexes: ReadonlyArray<{ name: string; columns: string[] }>) {
  return {
    async up(db: Knex): Promise<void> {
      await db.schema.alterTable(table, (t) => {
        for (const i of indexes) t.index(i.columns, i.name);
      });
    },
    async down(db: Knex): Promise<void> {
      await db.schema.alterTable(table, (t) => {
        for (const i of indexes) t.dropIndex(i.columns, i.name);
      });
    },
  };
}

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { createDb, migrate } from '../../src/db/connect';

/**
 * Every test database is fresh: a temporary SQLite file, or with GW_TEST_DB=postgres a new database on the
 * throwaway server scripts/test.sh starts (GW_TEST_PG_URL points at its `postgres` database).
 */
export const TEST_DB_KIND: 'sqlite' | 'postgres' = process.env.GW_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDb {
  db: Knex;
  databaseUrl: string | null;
  sqliteFile: string;
  /** Opens another, independent connection pool to the same database (a second process's view). */
  connectAgain(poolMax?: number): Knex;
  destroy(): Promise<void>;
}

export function tempDir(prefix = 'gw-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function createTestDb(): Promise<TestDb> {
  const dir = tempDir();
  const sqliteFile = path.join(dir, 'gateway.sqlite');
  let databaseUrl: string | null = null;
  let admin: Knex | null = null;
  let name = '';
  if (TEST_DB_KIND === 'postgres') {
    const base = process.env.GW_TEST_PG_URL;
    if (!base) throw new Error('GW_TEST_DB=postgres needs GW_TEST_PG_URL (scripts/test.sh sets it)');
    name = `gw_test_${randomBytes(6).toString('hex')}`;
    admin = knex({ client: 'pg', connection: base, pool: { min: 0, max: 1 } });
    await admin.raw(`create database ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  const others: Knex[] = [];
  const db = createDb({ databaseUrl, sqliteFile });
  await migrate(db);
  return {
    db,
    databaseUrl,
    sqliteFile,
    connectAgain(poolMax?: number) {
      const other = createDb({ databaseUrl, sqliteFile, poolMax });
      others.push(other);
      return other;
    },
    async destroy() {
      await Promise.all([db, ...others].map((d) => d.destroy()));
      if (admin) {
        await admin.raw(`drop database if exists ${name} with (force)`);
        await admin.destroy();
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { databaseErrorKind, metrics } from '../metrics';
import { migrations } from './migrations';
import { CachingBetterSqlite3Client } from './sqlite-client';

export type Db = Knex;
export type DbClient = 'sqlite' | 'postgres';
/** What a repository function runs on: the database, or the transaction of the unit of work it is part of. */
export type Queryable = Knex | Knex.Transaction;

export interface DbOptions {
  databaseUrl: string | null;
  sqliteFile: string;
  /** PostgreSQL pool size (SQLite always uses one connection: it has one writer anyway). */
  poolMax?: number;
}

export function dbClient(db: Knex): DbClient {
  return db.client.dialect === 'postgresql' ? 'postgres' : 'sqlite';
}

export function createDb(options: DbOptions): Knex {
  if (options.databaseUrl) {
    return countErrors(
      knex({
        client: 'pg',
        connection: options.databaseUrl,
        pool: { min: 0, max: options.poolMax ?? 10 },
      }),
    );
  }
  fs.mkdirSync(path.dirname(options.sqliteFile), { recursive: true });
  const db = sqliteDb(options.sqliteFile, false);
  // A second, read-only connection for the reads made outside any transaction (see `reading`), opened on first use
  // and closed with the database.
  let reader: Knex | null = null;
  readers.set(db, () => (reader ??= sqliteDb(options.sqliteFile, true)));
  // knex's destroy() is read-only; it ends in client.destroy(), which closes the reader too.
  const client = db.client as { destroy(callback?: unknown): Promise<void> };
  const destroy = client.destroy.bind(client);
  client.destroy = async (callback?: unknown) => {
    await Promise.all([destroy(callback), reader?.destroy()]);
  };
  return db;
}

/**
 * SQLite has one writer. Its knex pool is one connection, so a read outside a transaction used to wait for whatever
 * group-commit transaction held it — its statements, its async gaps and its fsync. In WAL mode a reader on a second
 * connection never waits: it sees the last committed state, which is what a read outside a transaction means.
 */
const readers = new WeakMap<Knex, () => Knex>();

/** Where a repository reads: `q` itself inside a transaction, else the read-only connection (SQLite) or the pool. */
export function reading(q: Queryable): Queryable {
  if ((q as Knex.Transaction).isTransaction) return q;
  return readers.get(q as Knex)?.() ?? q;
}

/** Every failed statement knex runs (transactions' included) counts in gateway_database_errors_total. */
function countErrors(db: Knex): Knex {
  db.on('query-error', (err: unknown) => metrics.databaseErrors.inc({ kind: databaseErrorKind(err) }));
  return db;
}

function sqliteDb(file: string, readonly: boolean): Knex {
  return countErrors(
    knex({
      client: CachingBetterSqlite3Client as unknown as string,
      connection: { filename: file, ...(readonly ? { options: { readonly: true } } : {}) },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          // WAL lets readers run beside the writer; synchronous=FULL makes a commit durable before we answer;
          // busy_timeout lets a second process (CLI, another worker) wait for the lock instead of failing.
          if (!readonly) {
            conn.pragma('journal_mode = WAL');
            conn.pragma('synchronous = FULL');
            conn.pragma('foreign_keys = ON');
          }
          conn.pragma('busy_timeout = 5000');
          done(null, conn);
        },
      },
    }),
  );
}

/** Runs the migrations compiled into the program (no file-system loader: the same list on SQLite and PostgreSQL). */
export async function migrate(db: Knex): Promise<void> {
  await db.migrate.latest({
    migrationSource: {
      getMigrations: async () => migrations.map((m) => m.name),
      getMigrationName: (name: string) => name,
      getMigration: async (name: string) => migrations.find((m) => m.name === name)!,
    },
  });
}

/** JSON columns are text on SQLite and text here on pg too (we never query inside them), so parse uniformly. */
export function parseJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined || value === '') return fallback;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** The id of a row from `insert … returning('id')` (an object on PostgreSQL, a number on SQLite). */
export function insertedId(returned: unknown[]): number {
  const first = returned[0];
  return Number(typeof first === 'object' && first !== null ? (first as { id: unknown }).id : first);
}

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

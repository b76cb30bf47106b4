/**
 * The statements every invoice runs many times (the machine store's, the job queue's, the hottest repository reads),
 * as SQL text instead of knex's query builder. knex builds and compiles each query anew: on SQLite that cost more
 * than the statement itself (≈ 40 µs against 5–25 µs for an indexed read of one row, and ≈ 16 % of the sender's CPU
 * in the end-to-end benchmark). Here:
 *   SQLite      the statement is prepared once per connection and run on it directly — the transaction's own
 *               connection inside a transaction, the read-only reader outside one (src/db/connect.ts reading());
 *   PostgreSQL  knex.raw on the same transaction or pool (a round trip dominates there).
 * Placeholders are `?`; booleans are passed as they are (turned into 0/1 for SQLite).
 */
import type { Knex } from 'knex';
import { databaseErrorKind, metrics } from '../metrics';
import { dbClient, reading, type Queryable } from './connect';

interface Statement {
  reader: boolean;
  all(params: unknown[]): Record<string, unknown>[];
  run(params: unknown[]): { changes: number };
}

interface Connection {
  prepare(sql: string): Statement;
}

const statements = new WeakMap<Connection, Map<string, Statement>>();

function prepared(conn: Connection, text: string): Statement {
  let cache = statements.get(conn);
  if (!cache) statements.set(conn, (cache = new Map()));
  let st = cache.get(text);
  if (!st) cache.set(text, (st = conn.prepare(text)));
  return st;
}

function sqliteParams(params: readonly unknown[]): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p));
}

/**
 * Runs `fn` on the connection a SQLite statement belongs on: the transaction's own, or (outside one) the reader's
 * for a read and the pool's for a write — held while `fn` runs (synchronously), so no transaction can start on it
 * in between.
 */
async function onSqlite<T>(q: Queryable, read: boolean, fn: (conn: Connection) => T): Promise<T> {
  const target = read ? reading(q) : q;
  const client = (target as Knex).client as { acquireConnection(): Promise<Connection>; releaseConnection(c: Connection): Promise<void> };
  const conn = await client.acquireConnection();
  if ((target as Knex.Transaction).isTransaction) return counted(fn, conn); // the transaction keeps its connection
  try {
    return counted(fn, conn);
  } finally {
    await client.releaseConnection(conn);
  }
}

/** Statements run here bypass knex, whose 'query-error' event counts the others (src/db/connect.ts). */
function counted<T>(fn: (conn: Connection) => T, conn: Connection): T {
  try {
    return fn(conn);
  } catch (err) {
    metrics.databaseErrors.inc({ kind: databaseErrorKind(err) });
    throw err;
  }
}

/** Rows of a query. */
export async function selectAll<T = Record<string, unknown>>(q: Queryable, text: string, params: readonly unknown[] = []): Promise<T[]> {
  if (dbClient(q as Knex) === 'postgres') return ((await reading(q).raw(text, params as Knex.RawBinding[])) as { rows: T[] }).rows;
  return onSqlite(q, true, (conn) => prepared(conn, text).all(sqliteParams(params)) as T[]);
}

/** The first row of a query, or undefined. */
export async function selectFirst<T = Record<string, unknown>>(q: Queryable, text: string, params: readonly unknown[] = []): Promise<T | undefined> {
  return (await selectAll<T>(q, text, params))[0];
}

/** Runs a write; returns the number of rows it changed. */
export async function execute(q: Queryable, text: string, params: readonly unknown[] = []): Promise<number> {
  if (dbClient(q as Knex) === 'postgres') return ((await q.raw(text, params as Knex.RawBinding[])) as { rowCount: number }).rowCount;
  return onSqlite(q, false, (conn) => {
    const st = prepared(conn, text);
    return st.reader ? st.all(sqliteParams(params)).length : st.run(sqliteParams(params)).changes;
  });
}

/** Runs a write that returns rows (`… returning …`). */
export async function executeReturning<T = Record<string, unknown>>(q: Queryable, text: string, params: readonly unknown[] = []): Promise<T[]> {
  if (dbClient(q as Knex) === 'postgres') return ((await q.raw(text, params as Knex.RawBinding[])) as { rows: T[] }).rows;
  return onSqlite(q, false, (conn) => prepared(conn, text).all(sqliteParams(params)) as T[]);
}

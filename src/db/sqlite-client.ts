import type { Knex } from 'knex';

/**
 * knex's better-sqlite3 dialect prepares every statement anew (`connection.prepare(sql)` per query), which measured as
 * the single largest cost of a GetStatus call (≈ 12 % of the gateway's CPU in a profile). This subclass keeps the
 * prepared statements per connection, keyed by SQL text, in a bounded map; SQLite re-prepares a cached statement by
 * itself if the schema changes under it.
 *
 * It also begins every transaction IMMEDIATE: knex's `BEGIN` is deferred, and a deferred transaction that reads before
 * it writes fails at once with SQLITE_BUSY when another process committed meanwhile (the busy timeout does not apply
 * to a stale snapshot). IMMEDIATE takes the write lock at BEGIN, where the busy timeout waits for it. All our
 * transactions write.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const BetterSqlite3Client: new (config: Knex.Config) => any = require('knex/lib/dialects/better-sqlite3');

const MAX_STATEMENTS = 500;
const CACHE = Symbol('statementCache');

interface Statement {
  reader: boolean;
  all(bindings: unknown[]): unknown[];
  run(bindings: unknown[]): { lastInsertRowid: number | bigint; changes: number };
}

interface Connection {
  prepare(sql: string): Statement;
  [CACHE]?: Map<string, Statement>;
}

export class CachingBetterSqlite3Client extends BetterSqlite3Client {
  async _query(connection: Connection, obj: { sql?: string; bindings?: unknown[]; response?: unknown; context?: unknown }) {
    if (!obj.sql) throw new Error('The query is empty');
    if (!connection) throw new Error('No connection provided');
    if (obj.sql === 'BEGIN;') obj.sql = 'BEGIN IMMEDIATE;';
    const cache = (connection[CACHE] ??= new Map());
    let statement = cache.get(obj.sql);
    if (!statement) {
      statement = connection.prepare(obj.sql);
      if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
      cache.set(obj.sql, statement);
    }
    const bindings = this._formatBindings(obj.bindings);
    if (statement.reader) {
      obj.response = statement.all(bindings);
      return obj;
    }
    const response = statement.run(bindings);
    obj.response = response;
    obj.context = { lastID: response.lastInsertRowid, changes: response.changes };
    return obj;
  }
}

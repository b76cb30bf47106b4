/**
 * GİB's user list, kept in the database: which VKN/TCKNs are registered e-Fatura users and under which GB/PK aliases
 * (DOMAIN.md; UserList guide). It decides e-Fatura vs e-Arşiv for a receiver and the postbox an envelope goes to.
 * Synced as a whole at most every `minIntervalMs` (GİB asks integrators not to fetch it more often than hourly),
 * unless forced (on demand).
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { WriteBatcher } from '../db/write-batcher';

/** One registered user as the list gives it (the fields the gateway keeps). */
export interface ListedUser {
  vknTckn: string;
  title: string;
  firstCreationTime?: string;
  aliases: ReadonlyArray<{ alias: string; role: 'GB' | 'PK'; documentType?: string }>;
}

export interface SyncResult {
  synced: boolean;
  users: number;
  aliases: number;
  at: string;
}

const LAST_SYNC = 'gib.userList.syncedAt';

export interface GibUserDirectoryDeps {
  db: Knex;
  writer: WriteBatcher;
  clock: () => Date;
  logger: Logger;
  minIntervalMs: number;
  fetchUsers: () => Promise<readonly ListedUser[]>;
}

export function createGibUserDirectory(deps: GibUserDirectoryDeps) {
  let running: Promise<SyncResult> | null = null;
  let everSynced = false;

  async function lastSync(): Promise<string | null> {
    const row = await deps.db('gateway_state').where({ name: LAST_SYNC }).first('value');
    return row ? String(row.value) : null;
  }

  async function doSync(): Promise<SyncResult> {
    const users = await deps.fetchUsers();
    const at = deps.clock().toISOString();
    const rows = users.flatMap((u) =>
      u.aliases
        .filter((a) => a.role === 'GB' || a.role === 'PK')
        .map((a) => ({
          vkn_tckn: u.vknTckn,
          alias: a.alias,
          role: a.role,
          title: u.title.slice(0, 250),
          document_type: a.documentType ?? 'Invoice',
          first_creation_time: u.firstCreationTime ?? null,
          synced_at: at,
        })),
    );
    // Duplicates in the list (same VKN, alias, role) would break the primary key: keep the first.
    const seen = new Set<string>();
    const unique = rows.filter((r) => {
      const k = `${r.vkn_tckn} ${r.alias} ${r.role}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    await deps.writer.run(async (trx) => {
      await trx('gib_users').delete();
      for (let i = 0; i < unique.length; i += 200) await trx('gib_users').insert(unique.slice(i, i + 200));
      await trx('gateway_state').insert({ name: LAST_SYNC, value: at, updated_at: at }).onConflict('name').merge();
    });
    deps.logger.info({ users: users.length, aliases: unique.length }, 'GİB user list synced');
    return { synced: true, users: users.length, aliases: unique.length, at };
  }

  const directory = {
    lastSync,

    /** Syncs unless the last sync is younger than the interval (force: on demand). One sync at a time. */
    async sync(opts: { force?: boolean } = {}): Promise<SyncResult> {
      if (!opts.force) {
        const last = await lastSync();
        if (last && deps.clock().getTime() - Date.parse(last) < deps.minIntervalMs) return { synced: false, users: -1, aliases: -1, at: last };
      }
      running ??= doSync().finally(() => {
        running = null;
      });
      return running;
    },

    /**
     * Syncs once if the list was never synced (so a first invoice is not judged against an empty list). On
     * SendInvoice's path: once a sync is seen, this process never asks the database again.
     */
    async ensureSynced(): Promise<void> {
      if (everSynced) return;
      if (!(await lastSync())) await directory.sync({ force: true });
      everSynced = true;
    },

    async isEfaturaUser(vknTckn: string, trx?: Knex): Promise<boolean> {
      const row = await (trx ?? deps.db)('gib_users').where({ vkn_tckn: vknTckn, role: 'PK' }).first('alias');
      return Boolean(row);
    },

    /** The receiver's postbox (PK) alias: the one asked for if it is the receiver's, else its first. */
    async postboxOf(vknTckn: string, preferred?: string | null, trx?: Knex): Promise<string | null> {
      const rows = await (trx ?? deps.db)('gib_users').where({ vkn_tckn: vknTckn, role: 'PK' }).orderBy('alias').select('alias');
      if (preferred && rows.some((r) => r.alias === preferred)) return preferred;
      return rows[0]?.alias ?? null;
    },

    async aliasesOf(vknTckn: string): Promise<Array<{ alias: string; role: string; title: string | null }>> {
      return deps.db('gib_users').where({ vkn_tckn: vknTckn }).orderBy(['role', 'alias']).select('alias', 'role', 'title');
    },
  };
  return directory;
}

export type GibUserDirectory = ReturnType<typeof createGibUserDirectory>;

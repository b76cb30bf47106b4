/**
 * GİB's user list, kept in the database: which VKN/TCKNs are registered e-Fatura users and under which GB/PK aliases
 * (DOMAIN.md; UserList guide). It decides e-Fatura vs e-Arşiv for a receiver and the postbox an envelope goes to.
 * Synced as a whole at most every `minIntervalMs` (GİB asks integrators not to fetch it more often than hourly),
 * unless forced (on demand).
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Queryable } from '../db/connect';
import { aliasesOf, aliasesOfRole, gatewayState, replaceGibUsers } from '../db/gib-users';
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
    return gatewayState(deps.db, LAST_SYNC);
  }

  async function doSync(): Promise<SyncResult> {
    const users = await deps.fetchUsers();
    const at = deps.clock().toISOString();
    const aliases = users.flatMap((u) =>
      u.aliases
        .filter((a) => a.role === 'GB' || a.role === 'PK')
        .map((a) => ({
          vknTckn: u.vknTckn,
          alias: a.alias,
          role: a.role,
          title: u.title,
          documentType: a.documentType ?? 'Invoice',
          firstCreationTime: u.firstCreationTime ?? null,
        })),
    );
    const kept = await deps.writer.run((trx) => replaceGibUsers(trx, aliases, at, LAST_SYNC));
    deps.logger.info({ users: users.length, aliases: kept }, 'GİB user list synced');
    return { synced: true, users: users.length, aliases: kept, at };
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

    async isEfaturaUser(vknTckn: string, q: Queryable = deps.db): Promise<boolean> {
      return (await aliasesOfRole(q, vknTckn, 'PK')).length > 0;
    },

    /** The receiver's postbox (PK) alias: the one asked for if it is the receiver's, else its first. */
    async postboxOf(vknTckn: string, preferred?: string | null, q: Queryable = deps.db): Promise<string | null> {
      const aliases = await aliasesOfRole(q, vknTckn, 'PK');
      if (preferred && aliases.includes(preferred)) return preferred;
      return aliases[0] ?? null;
    },

    async aliasesOf(vknTckn: string): Promise<Array<{ alias: string; role: string; title: string | null; firstCreationTime: string | null }>> {
      return aliasesOf(deps.db, vknTckn);
    },
  };
  return directory;
}

export type GibUserDirectory = ReturnType<typeof createGibUserDirectory>;

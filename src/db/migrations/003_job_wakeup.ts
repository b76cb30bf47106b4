import type { Knex } from 'knex';
import { JOBS_CHANNEL } from '../jobs';

/**
 * Workers in other processes learn of a new job at once instead of at their next poll: on PostgreSQL every statement
 * that inserts jobs notifies the channel `gateway_jobs` (delivered at commit; PostgreSQL folds the identical
 * notifications of one transaction into one). SQLite has no such thing: there the in-process worker is nudged
 * directly and other processes poll.
 */
export async function up(db: Knex): Promise<void> {
  if (db.client.dialect !== 'postgresql') return;
  await db.raw(`create function gateway_jobs_notify() returns trigger language plpgsql as $$
    begin perform pg_notify('${JOBS_CHANNEL}', ''); return null; end $$`);
  await db.raw('create trigger jobs_notify after insert on jobs for each statement execute function gateway_jobs_notify()');
}

export async function down(db: Knex): Promise<void> {
  if (db.client.dialect !== 'postgresql') return;
  await db.raw('drop trigger if exists jobs_notify on jobs');
  await db.raw('drop function if exists gateway_jobs_notify()');
}

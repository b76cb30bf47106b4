import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { WriteBatcher } from '../../db/write-batcher';
import type { GibClient } from '../../gib/client';
import type { GibStatusUpdates } from '../../gib/status-updates';
import type { Task } from '../worker';

export interface PollDeps {
  db: Knex;
  writer: WriteBatcher;
  client: GibClient;
  statusUpdates: GibStatusUpdates;
  clock: () => Date;
  logger: Logger;
  pollEveryMs: number;
  /** How often the sweep itself runs. */
  tickMs: number;
  batch?: number;
}

/**
 * gib.poll — a periodic sweep: getApplicationResponse only for the sent envelopes whose system response has not come
 * within the configured wait (next_poll_at, set when sent and moved on by every response: 24 h by default), then at
 * most every `pollEveryMs` (5 h) until GİB gives a final code (ÖEBSD audit guide J15: no polling in a loop).
 */
export function gibPollTask(deps: PollDeps): Task {
  return {
    async run() {
      const now = deps.clock();
      const due = await deps.db('envelopes')
        .where({ direction: 'OUT', status: 'SENT' })
        .whereNotNull('next_poll_at')
        .andWhere('next_poll_at', '<=', now.toISOString())
        .orderBy('next_poll_at')
        .limit(deps.batch ?? 50)
        .select('id', 'file_name');
      for (const { id, file_name: fileName } of due) {
        const next = new Date(deps.clock().getTime() + deps.pollEveryMs).toISOString();
        let answer;
        try {
          answer = await deps.client.getApplicationResponse(String(fileName ?? id).replace(/\.zip$/, '')); // in the envelope's own case
        } catch (err) {
          deps.logger.warn({ envelope: id, error: (err as Error).message }, 'polling GİB failed; trying again later');
          await deps.writer.run((trx) => trx('envelopes').where({ id, direction: 'OUT' }).update({ next_poll_at: next }));
          continue;
        }
        await deps.writer.run(async (trx) => {
          if (answer) {
            await deps.statusUpdates.applySystemResponse(trx, {
              systemEnvelopeId: answer.uuid,
              aboutEnvelopeId: id,
              code: answer.code,
              description: answer.description,
              responderVkn: answer.sender.vknTckn,
              source: 'poll',
            });
          } else deps.logger.warn({ envelope: id }, 'GİB does not know the envelope (2004)');
          // Still not final: ask again no sooner than pollEveryMs.
          await trx('envelopes').where({ id, direction: 'OUT' }).whereNotNull('next_poll_at').update({ next_poll_at: next });
        });
      }
      return { runAgainAt: new Date(deps.clock().getTime() + deps.tickMs) };
    },
  };
}

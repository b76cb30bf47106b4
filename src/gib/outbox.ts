/**
 * Every envelope the gateway sends to GİB goes through here: the envelope XML is stored (content-addressed,
 * fsynced), an `envelopes` row and a send job are written in the caller's transaction, and the job calls
 * sendDocument until GİB has it. GİB's 2001 (ZARF ID SISTEMDE MEVCUT) after a lost answer counts as sent, so a
 * resend is idempotent; a retryable failure (GİB or the network down) is retried with backoff and, once the job's
 * attempts are used up, again an hour later — an accepted document is never dropped because GİB was away.
 * A refusal GİB gives synchronously (2000, 2006, …) ends the envelope as FAILED and is handed to the sender's hook.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { enqueueJob, type JobRow } from '../db/jobs';
import type { WriteBatcher } from '../db/write-batcher';
import type { BlobStore } from '../storage/blob-store';
import { RETRY_LATER_MS, type Task, type TaskContext } from '../worker/worker';
import { isGibCallError, type GibCallError, type GibClient } from './client';
import type { ElementType, EnvelopeParty, EnvelopeType } from './protocol';

export const ENVELOPE_SEND_TASK = 'envelope.send';

export interface OutgoingEnvelope {
  id: string;
  tenantId: number | null;
  type: EnvelopeType;
  elementType: ElementType;
  sender: EnvelopeParty;
  receiver: EnvelopeParty;
  /** For a response: the envelope it answers. */
  aboutEnvelopeId?: string | null;
  xml: Buffer;
}

export interface EnvelopeRow {
  id: string;
  file_name: string;
  tenant_id: number | null;
  type: string;
  status: string;
  blob_sha256: string;
  about_envelope_id: string | null;
}

/** What happens to the documents of a sent envelope: called inside the transaction that marks it SENT / FAILED. */
export interface SendHooks {
  onSent?(trx: Knex.Transaction, envelope: EnvelopeRow): Promise<void>;
  onRefused?(trx: Knex.Transaction, envelope: EnvelopeRow, err: GibCallError): Promise<void>;
}

export interface OutboxDeps {
  db: Knex;
  writer: WriteBatcher;
  blobs: BlobStore;
  clock: () => Date;
  logger: Logger;
  maxAttempts: number;
  /** When a sent SENDERENVELOPE is first polled if no system response came (GW_GIB_POLL_AFTER_MS). */
  pollAfterMs: number;
  /** Hooks by envelope type. */
  hooks?: Partial<Record<string, SendHooks>>;
}

export function createOutbox(deps: OutboxDeps) {
  const now = () => deps.clock().toISOString();

  return {
    /**
     * Stores the envelope's bytes (outside any transaction: a blob nobody names is harmless), then, in `trx`, its
     * row and the job that sends it. Returns the row's id (lower-case envelope UUID).
     */
    async prepare(env: OutgoingEnvelope): Promise<{ env: OutgoingEnvelope; blobSha: string }> {
      return { env, blobSha: await deps.blobs.put(env.xml) };
    },

    async record(trx: Knex.Transaction, prepared: { env: OutgoingEnvelope; blobSha: string }, opts: { send?: boolean } = {}): Promise<string> {
      const { env, blobSha } = prepared;
      const id = env.id.toLowerCase();
      const at = now();
      await trx('envelopes').insert({
        id,
        direction: 'OUT',
        tenant_id: env.tenantId,
        type: env.type,
        element_type: env.elementType,
        sender_vkn: env.sender.vknTckn,
        sender_alias: env.sender.alias,
        receiver_vkn: env.receiver.vknTckn,
        receiver_alias: env.receiver.alias,
        about_envelope_id: env.aboutEnvelopeId?.toLowerCase() ?? null,
        blob_sha256: blobSha,
        // The name GİB will see, in the envelope's own case (its InstanceIdentifier must match it exactly).
        file_name: `${env.id}.zip`,
        status: 'CREATED',
        created_at: at,
        updated_at: at,
      });
      if (opts.send !== false) await enqueueSend(trx, id, at);
      return id;
    },

    /** The job that sends one stored envelope (payload {envelopeId}). */
    sendTask(client: GibClient): Task {
      return {
        async run(job, ctx) {
          await sendStored(client, String(job.payload.envelopeId), ctx);
        },
        retryLater: { afterMs: RETRY_LATER_MS, key: (job, n) => `${ENVELOPE_SEND_TASK}:${job.payload.envelopeId}:${n}`, message: 'GİB unreachable: sending again later' },
        onExhausted: logCannotSend,
      };
    },

    sendStored,
    logCannotSend,
  };

  async function enqueueSend(trx: Knex.Transaction, envelopeId: string, at: string): Promise<void> {
    await enqueueJob(trx, {
      task: ENVELOPE_SEND_TASK,
      key: `${ENVELOPE_SEND_TASK}:${envelopeId}`,
      payload: { envelopeId, attempt: 0 },
      runAt: at,
      maxAttempts: deps.maxAttempts,
      createdAt: now(),
    });
  }

  /** Sends the envelope unless it was sent already; the row and the hooks change in one transaction. */
  async function sendStored(client: GibClient, envelopeId: string, ctx?: TaskContext): Promise<void> {
    const row = (await deps.db('envelopes').where({ id: envelopeId, direction: 'OUT' }).first()) as EnvelopeRow | undefined;
    if (!row || row.status !== 'CREATED') return;
    const xml = await deps.blobs.get(row.blob_sha256);
    const hooks = deps.hooks?.[row.type] ?? {};
    try {
      const sent = await client.sendDocument(xml, row.file_name.replace(/\.zip$/, ''));
      await deps.writer.run(async (trx) => {
        const at = deps.clock();
        const updated = await trx('envelopes')
          .where({ id: envelopeId, direction: 'OUT', status: 'CREATED' })
          .update({
            status: 'SENT',
            file_name: sent.fileName,
            md5: sent.md5,
            sent_at: at.toISOString(),
            next_poll_at: row.type === 'SENDERENVELOPE' ? new Date(at.getTime() + deps.pollAfterMs).toISOString() : null,
            updated_at: at.toISOString(),
          });
        if (updated === 1) await hooks.onSent?.(trx, row);
        await ctx?.complete(trx);
      });
      if (sent.duplicate) deps.logger.info({ envelope: envelopeId }, 'GİB already had the envelope (2001): taken as sent');
    } catch (err) {
      if (!isGibCallError(err) || err.retryable) throw err;
      deps.logger.warn({ envelope: envelopeId, gibCode: err.gibCode, error: err.message }, 'GİB refused the envelope');
      await deps.writer.run(async (trx) => {
        const updated = await trx('envelopes')
          .where({ id: envelopeId, direction: 'OUT', status: 'CREATED' })
          .update({ status: 'FAILED', gib_code: err.gibCode, gib_description: err.message.slice(0, 1000), updated_at: now() });
        if (updated === 1) await hooks.onRefused?.(trx, row, err);
        await ctx?.complete(trx);
      });
    }
  }

  /** A permanent fault (never GİB being away: that is retried later): the envelope stays CREATED, for a person. */
  async function logCannotSend(job: JobRow, err: unknown): Promise<void> {
    deps.logger.error({ envelope: job.payload.envelopeId ?? null, invoice: job.payload.id ?? null, error: err instanceof Error ? err.message : String(err) }, 'envelope cannot be sent');
  }
}

export type Outbox = ReturnType<typeof createOutbox>;

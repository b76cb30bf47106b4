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
import { envelopeById, insertOutgoing, markRefusedByGib, markSent, type EnvelopeRow } from '../db/envelopes';
import { enqueueJob } from '../db/jobs';
import type { WriteBatcher } from '../db/write-batcher';
import { isGibCallError, type GibCallError, type GibClient } from '../gib/client';
import type { ElementType, EnvelopeParty, EnvelopeType } from '../gib/protocol';
import { toEnvelopeId, type EnvelopeId } from '../ids';
import type { BlobStore } from '../storage/blob-store';

/** The job that sends one stored envelope (payload {envelopeId}). */
export const ENVELOPE_SEND_TASK = 'envelope.send';

export interface OutgoingEnvelope {
  /** As written in the envelope (its InstanceIdentifier, in its own case: GİB's file name must match it). */
  id: string;
  tenantId: number | null;
  type: EnvelopeType;
  elementType: ElementType;
  sender: EnvelopeParty;
  receiver: EnvelopeParty;
  /** For a response: the envelope it answers. */
  aboutEnvelopeId?: EnvelopeId | null;
  xml: Buffer;
}

/** An envelope ready to be recorded in a transaction. */
export interface PreparedEnvelope {
  env: OutgoingEnvelope;
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
  client: GibClient;
  clock: () => Date;
  logger: Logger;
  maxAttempts: number;
  /** When a sent SENDERENVELOPE is first polled if no system response came (GW_GIB_POLL_AFTER_MS). */
  pollAfterMs: number;
  /** Hooks by envelope type. */
  hooks?: Partial<Record<string, SendHooks>>;
}

/** Runs inside a step's last transaction (the worker completes its job there, see TaskContext). */
export type InTransaction = (trx: Knex.Transaction) => Promise<void>;

export function createOutbox(deps: OutboxDeps) {
  const now = () => deps.clock().toISOString();

  /** Sends the envelope unless it was sent already; the row and the hooks change in one transaction. */
  async function send(envelopeId: EnvelopeId, inTransaction?: InTransaction): Promise<void> {
    const row = await envelopeById(deps.db, envelopeId, 'OUT');
    if (!row || row.status !== 'CREATED') return;
    const xml = await deps.blobs.get(row.blobSha256);
    const hooks = deps.hooks?.[row.type] ?? {};
    try {
      const sent = await deps.client.sendDocument(xml, (row.fileName ?? `${row.id}.zip`).replace(/\.zip$/, ''));
      await deps.writer.run(async (trx) => {
        const at = deps.clock();
        // Merkez answers a SENDERENVELOPE and a USERENVELOPE: if its push does not come, ask.
        const nextPollAt = row.type === 'SENDERENVELOPE' || row.type === 'USERENVELOPE' ? new Date(at.getTime() + deps.pollAfterMs).toISOString() : null;
        if (await markSent(trx, envelopeId, { fileName: sent.fileName, md5: sent.md5, at: at.toISOString(), nextPollAt })) await hooks.onSent?.(trx, row);
        await inTransaction?.(trx);
      });
      if (sent.duplicate) deps.logger.info({ envelope: envelopeId }, 'GİB already had the envelope (2001): taken as sent');
    } catch (err) {
      if (!isGibCallError(err) || err.retryable) throw err;
      deps.logger.warn({ envelope: envelopeId, gibCode: err.gibCode, error: err.message }, 'GİB refused the envelope');
      await deps.writer.run(async (trx) => {
        if (await markRefusedByGib(trx, envelopeId, { gibCode: err.gibCode, description: err.message, at: now() })) await hooks.onRefused?.(trx, row, err);
        await inTransaction?.(trx);
      });
    }
  }

  return {
    /** An envelope to record (nothing is stored before the transaction that records it). */
    async prepare(env: OutgoingEnvelope): Promise<PreparedEnvelope> {
      return { env };
    },

    /** In `trx`: the envelope's bytes, its row and (unless `send: false`) the job that sends it. Returns its id. */
    async record(trx: Knex.Transaction, prepared: PreparedEnvelope, opts: { send?: boolean } = {}): Promise<EnvelopeId> {
      const { env } = prepared;
      const id = toEnvelopeId(env.id);
      const at = now();
      const blobSha = await deps.blobs.put(env.xml, trx);
      await insertOutgoing(trx, {
        id,
        tenantId: env.tenantId,
        type: env.type,
        elementType: env.elementType,
        sender: env.sender,
        receiver: env.receiver,
        aboutEnvelopeId: env.aboutEnvelopeId ?? null,
        blobSha256: blobSha,
        // The name GİB will see, in the envelope's own case (its InstanceIdentifier must match it exactly).
        fileName: `${env.id}.zip`,
        at,
      });
      if (opts.send !== false) {
        await enqueueJob(trx, {
          task: ENVELOPE_SEND_TASK,
          key: `${ENVELOPE_SEND_TASK}:${id}`,
          payload: { envelopeId: id, attempt: 0 },
          runAt: at,
          maxAttempts: deps.maxAttempts,
          createdAt: at,
        });
      }
      return id;
    },

    /** Whether an envelope of ours with this id exists already (a rerun finds its earlier work). */
    async has(envelopeId: EnvelopeId, q: Knex | Knex.Transaction = deps.db): Promise<boolean> {
      return (await envelopeById(q, envelopeId, 'OUT')) !== null;
    },

    send,

    /** A permanent fault (never GİB being away: that is retried later): the envelope stays CREATED, for a person. */
    reportCannotSend(ids: { envelopeId?: unknown; invoiceId?: unknown }, err: unknown): void {
      deps.logger.error({ envelope: ids.envelopeId ?? null, invoice: ids.invoiceId ?? null, error: err instanceof Error ? err.message : String(err) }, 'envelope cannot be sent');
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;

import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { entities } from '../../db/machine-store';
import { GatewayError } from '../../faults';
import type { GibClient } from '../../gib/client';
import type { Outbox } from '../../gib/outbox';
import { buildEnvelope } from '../../gib/protocol';
import type { GibUserDirectory } from '../../services/gib-users';
import { RETRY_LATER_MS, type Task } from '../worker';
import { failInvoice, type InvoiceTaskDeps } from './invoice-process';

export interface EnvelopeTaskDeps extends InvoiceTaskDeps {
  outbox: Outbox;
  users: GibUserDirectory;
  clock: () => Date;
  logger: Logger;
}

/**
 * invoice.envelope — stage 40 (Zarflandı): the signed invoice goes into a SENDERENVELOPE (Ek-1) from the tenant's GB
 * alias to the receiver's postbox (PK) alias from GİB's user list (synced once more on demand when the receiver is
 * not in it). The envelope is stored and recorded, and the invoice moved, in one transaction; invoice.send follows.
 * Rerun after a crash: the invoice is past SIGNED and nothing happens (an unnamed stored blob is harmless).
 */
export function invoiceEnvelopeTask(deps: EnvelopeTaskDeps): Task {
  return {
    async run(job, ctx) {
      const id = Number(job.payload.id);
      const row = await deps.db('invoices as i')
        .join('tenants as t', 't.id', 'i.tenant_id')
        .where('i.id', id)
        .first('i.state', 'i.version', 'i.tenant_id', 'i.signed_sha256', 'i.receiver_id', 'i.receiver_name', 'i.context', 't.vkn', 't.title', 't.gb_alias');
      if (!row || row.state !== 'SIGNED') return;
      const context = JSON.parse(row.context || '{}') as { receiverAlias?: string };
      let postbox = await deps.users.postboxOf(row.receiver_id, context.receiverAlias);
      if (!postbox) {
        await deps.users.sync({ force: true });
        postbox = await deps.users.postboxOf(row.receiver_id, context.receiverAlias);
      }
      if (!postbox) throw new GatewayError('RECEIVER_NOT_EFATURA_USER', { vkn: row.receiver_id });
      const envelopeId = randomUUID().toUpperCase();
      const sender = { alias: row.gb_alias, vknTckn: row.vkn, title: row.title };
      const receiver = { alias: postbox, vknTckn: row.receiver_id, ...(row.receiver_name ? { title: row.receiver_name } : {}) };
      const xml = buildEnvelope({
        id: envelopeId,
        type: 'SENDERENVELOPE',
        createdAt: deps.clock(),
        sender,
        receiver,
        elementType: 'INVOICE',
        elements: [await deps.blobs.get(row.signed_sha256)],
      });
      const prepared = await deps.outbox.prepare({ id: envelopeId, tenantId: Number(row.tenant_id), type: 'SENDERENVELOPE', elementType: 'INVOICE', sender, receiver, xml });
      await deps.writer.run(async (trx) => {
        const stored = await deps.outbox.record(trx, prepared, { send: false });
        await trx('invoices').where({ id, version: row.version }).update({ envelope_id: stored });
        await deps.store.apply(
          entities.invoice(id),
          { event: 'ENVELOPE', actor: 'worker', reason: `zarf ${envelopeId} → ${postbox}`, expectedVersion: Number(row.version) },
          trx,
        );
        await ctx?.complete(trx);
      });
    },
    onExhausted: failInvoice(deps, 'SIGNED'),
  };
}

/**
 * invoice.send — stage 50 (GİB'e gönderildi): sendDocument through the outbox. GİB or the network down: retried,
 * then retried hourly (the invoice waits in 40, nothing is lost); GİB refusing the envelope (2000, 2006, …) ends the
 * invoice in ERROR with GİB's code.
 */
export function invoiceSendTask(deps: InvoiceTaskDeps & { outbox: Outbox; client: GibClient }): Task {
  const envelopeOf = async (job: { payload: Record<string, unknown> }) => {
    const row = await deps.db('invoices').where({ id: Number(job.payload.id) }).first('envelope_id');
    return row?.envelope_id ? String(row.envelope_id) : null;
  };
  return {
    async run(job, ctx) {
      const envelopeId = await envelopeOf(job);
      if (envelopeId) await deps.outbox.sendStored(deps.client, envelopeId, ctx);
    },
    retryLater: { afterMs: RETRY_LATER_MS, key: (job, n) => `invoice.send:${job.payload.id}:later:${n}`, message: 'GİB unreachable: sending again later' },
    onExhausted: deps.outbox.logCannotSend,
  };
}

/** The outbox hooks for a SENDERENVELOPE: its invoices move to 50 when GİB has it, to ERROR when GİB refuses it. */
export function senderEnvelopeHooks(deps: Pick<InvoiceTaskDeps, 'store'>) {
  return {
    async onSent(trx: Knex.Transaction, envelope: { id: string }) {
      for (const inv of await trx('invoices').where({ envelope_id: envelope.id, state: 'ENVELOPED' }).select('id')) {
        await deps.store.apply(entities.invoice(Number(inv.id)), { event: 'SEND', actor: 'worker', reason: `zarf ${envelope.id} GIB'e iletildi` }, trx);
      }
    },
    async onRefused(trx: Knex.Transaction, envelope: { id: string }, err: { gibCode: number | null; message: string }) {
      for (const inv of await trx('invoices').where({ envelope_id: envelope.id, state: 'ENVELOPED' }).select('id')) {
        await deps.store.apply(
          entities.invoice(Number(inv.id)),
          { event: 'FAIL', actor: 'gib', reason: err.message.slice(0, 1000), code: err.gibCode ?? 4504, codeDescription: err.message.slice(0, 500) },
          trx,
        );
      }
    },
  };
}

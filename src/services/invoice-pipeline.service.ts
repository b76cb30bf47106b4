/**
 * The steps an invoice takes after SendInvoice accepted it, each run by a job the previous step's transition
 * enqueued (the machines' effects): 20 İşlendi, 30 İmzalandı, and for an e-Fatura 40 Zarflandı and 50 GİB'e
 * gönderildi. Every step reads the invoice, does its work outside any transaction, then moves the invoice in one
 * transaction guarded by the version it read: rerun after a crash, a step finds the invoice past its state and does
 * nothing (a blob it stored twice is harmless: blobs are content-addressed and only the committed row names one).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { invoiceById, invoicesOfEnvelope, setEnvelope, setSignedDocument } from '../db/invoices';
import { entities, type MachineStore } from '../db/machine-store';
import { tenantById } from '../db/tenants';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError, asGatewayError, isGatewayError } from '../faults';
import { buildEnvelope } from '../gib/protocol';
import type { EnvelopeRow } from '../db/envelopes';
import { signXml } from '../signing/xades';
import type { BlobStore } from '../storage/blob-store';
import { setInvoiceNumber } from '../validation';
import type { GibUserDirectory } from './gib-users';
import type { InTransaction, Outbox, SendHooks } from './outbox.service';
import type { SignerRegistry } from './signer-registry';

export interface InvoicePipelineDeps {
  db: Knex;
  store: MachineStore;
  writer: WriteBatcher;
  blobs: BlobStore;
  signers: SignerRegistry;
  clock: () => Date;
  logger: Logger;
  /** e-Fatura's GİB steps (40, 50); absent in a gateway without GİB, whose invoices stop at 30. */
  gib?: { outbox: Outbox; users: GibUserDirectory };
}

export function createInvoicePipeline(deps: InvoicePipelineDeps) {
  return {
    /**
     * 20 İşlendi: reads the stored original back (its hash is checked on read, proving the blob is whole). The
     * assigned number is written into the document at signing, so no unsigned numbered copy is stored (each blob
     * write costs two fsyncs).
     */
    async process(id: number, inTransaction?: InTransaction): Promise<void> {
      const row = await invoiceById(deps.db, id);
      if (!row || row.state !== 'RECEIVED') return;
      await deps.blobs.get(row.documentSha256);
      await deps.writer.run(async (trx) => {
        await deps.store.apply(entities.invoice(id), { event: 'PROCESS', actor: 'worker', reason: 'belge islendi', expectedVersion: row.version }, trx);
        await inTransaction?.(trx);
      });
    },

    /**
     * 30 İmzalandı: writes the assigned number into the invoice, signs it with the tenant's mali mühür (XAdES-BES in
     * UBLExtensions) and stores the signed document; an invoice the caller signed itself was verified at SendInvoice
     * and is kept as it is.
     */
    async sign(id: number, inTransaction?: InTransaction): Promise<void> {
      const row = await invoiceById(deps.db, id);
      if (!row || row.state !== 'PROCESSED') return;
      let signedSha = row.documentSha256;
      let reason = 'belge cagiranin imzasiyla kabul edildi';
      if (!row.callerSigned) {
        let document = await deps.blobs.get(row.documentSha256);
        // A number the gateway assigned goes into the document now, so the signature covers it.
        if (row.context.numberAssigned) document = setInvoiceNumber(document, row.number!);
        const signer = await deps.signers.signerFor(row.tenantId);
        try {
          signedSha = await deps.blobs.put(await signXml(document, signer));
        } catch (err) {
          // A token pulled out or a session gone bad: open it afresh on the next attempt.
          if (isGatewayError(err) && err.spec.retryable) await deps.signers.drop(row.tenantId);
          throw err;
        }
        reason = `mali muhur ile imzalandi (${signer.kind})`;
      }
      await deps.writer.run(async (trx) => {
        await setSignedDocument(trx, id, row.version, signedSha);
        await deps.store.apply(entities.invoice(id), { event: 'SIGN', actor: 'worker', reason, expectedVersion: row.version }, trx);
        await inTransaction?.(trx);
      });
    },

    /**
     * 40 Zarflandı: the signed invoice goes into a SENDERENVELOPE (Ek-1) from the tenant's GB alias to the receiver's
     * postbox (PK) alias from GİB's user list (synced once more on demand when the receiver is not in it). The
     * envelope is stored and recorded, and the invoice moved, in one transaction; the send step follows.
     */
    async envelope(id: number, inTransaction?: InTransaction): Promise<void> {
      const gib = requireGib();
      const row = await invoiceById(deps.db, id);
      if (!row || row.state !== 'SIGNED') return;
      const tenant = (await tenantById(deps.db, row.tenantId))!;
      const preferred = typeof row.context.receiverAlias === 'string' ? row.context.receiverAlias : undefined;
      let postbox = await gib.users.postboxOf(row.receiverId, preferred);
      if (!postbox) {
        await gib.users.sync({ force: true });
        postbox = await gib.users.postboxOf(row.receiverId, preferred);
      }
      if (!postbox) throw new GatewayError('RECEIVER_NOT_EFATURA_USER', { vkn: row.receiverId });
      const envelopeId = randomUUID().toUpperCase();
      const sender = { alias: tenant.gbAlias, vknTckn: tenant.vkn, title: tenant.title };
      const receiver = { alias: postbox, vknTckn: row.receiverId, ...(row.receiverName ? { title: row.receiverName } : {}) };
      const xml = buildEnvelope({
        id: envelopeId,
        type: 'SENDERENVELOPE',
        createdAt: deps.clock(),
        sender,
        receiver,
        elementType: 'INVOICE',
        elements: [await deps.blobs.get(row.signedSha256!)],
      });
      const prepared = await gib.outbox.prepare({ id: envelopeId, tenantId: row.tenantId, type: 'SENDERENVELOPE', elementType: 'INVOICE', sender, receiver, xml });
      await deps.writer.run(async (trx) => {
        const stored = await gib.outbox.record(trx, prepared, { send: false });
        await setEnvelope(trx, id, row.version, stored);
        await deps.store.apply(
          entities.invoice(id),
          { event: 'ENVELOPE', actor: 'worker', reason: `zarf ${envelopeId} → ${postbox}`, expectedVersion: row.version },
          trx,
        );
        await inTransaction?.(trx);
      });
    },

    /**
     * 50 GİB'e gönderildi: sendDocument through the outbox. GİB or the network down: the caller retries (the invoice
     * waits in 40, nothing is lost); GİB refusing the envelope (2000, 2006, …) ends the invoice in ERROR with GİB's
     * code (senderEnvelopeHooks).
     */
    async send(id: number, inTransaction?: InTransaction): Promise<void> {
      const gib = requireGib();
      const row = await invoiceById(deps.db, id);
      if (row?.envelopeId) await gib.outbox.send(row.envelopeId, inTransaction);
    },

    /** Sending failed for good with a fault of ours (never GİB being away): the envelope waits for a person. */
    cannotSend(id: number, err: unknown): void {
      requireGib().outbox.reportCannotSend({ invoiceId: id }, err);
    },

    /** A step failed for good: the invoice goes to its error state with the fault's code, unless it moved on. */
    async fail(id: number, fromState: string, step: string, err: unknown): Promise<void> {
      const row = await invoiceById(deps.db, id);
      if (!row || row.state !== fromState) return;
      const e = asGatewayError(err);
      await deps.store.apply(entities.invoice(id), { event: 'FAIL', actor: 'worker', reason: `${step}: ${e.message}`, code: e.code, codeDescription: e.message });
    },
  };

  function requireGib(): NonNullable<InvoicePipelineDeps['gib']> {
    if (!deps.gib) throw new Error('invoice pipeline: the GİB steps need GİB');
    return deps.gib;
  }
}

export type InvoicePipeline = ReturnType<typeof createInvoicePipeline>;

/** The outbox hooks for a SENDERENVELOPE: its invoices move to 50 when GİB has it, to ERROR when GİB refuses it. */
export function senderEnvelopeHooks(deps: { store: MachineStore }): SendHooks {
  return {
    async onSent(trx: Knex.Transaction, envelope: EnvelopeRow) {
      for (const inv of await invoicesOfEnvelope(trx, envelope.id, 'ENVELOPED')) {
        await deps.store.apply(entities.invoice(inv.id), { event: 'SEND', actor: 'worker', reason: `zarf ${envelope.id} GIB'e iletildi` }, trx);
      }
    },
    async onRefused(trx, envelope, err) {
      for (const inv of await invoicesOfEnvelope(trx, envelope.id, 'ENVELOPED')) {
        await deps.store.apply(
          entities.invoice(inv.id),
          { event: 'FAIL', actor: 'gib', reason: err.message.slice(0, 1000), code: err.gibCode ?? 4504, codeDescription: err.message.slice(0, 500) },
          trx,
        );
      }
    },
  };
}

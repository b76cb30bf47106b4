/**
 * The steps an invoice takes after SendInvoice accepted it: 20 İşlendi, 30 İmzalandı, and for an e-Fatura 40
 * Zarflandı (advance: one job, one transaction) and 50 GİB'e gönderildi (send). Every run reads the invoice, does its
 * work outside any transaction, then moves the invoice in one transaction guarded by the version it read: rerun after
 * a crash, it finds the invoice past what it did and does only what remains (a blob stored twice is harmless: blobs
 * are content-addressed and only the committed row names one).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { invoiceById, invoicesOfEnvelope, setEnvelope, setSignedDocument, type InvoiceRow } from '../db/invoices';
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

/** States before the invoice leaves the gateway: a step that fails for good moves the invoice from these to ERROR. */
const PREPARING = new Set(['RECEIVED', 'PROCESSED', 'SIGNED']);

export function createInvoicePipeline(deps: InvoicePipelineDeps) {
  /** The signed invoice, in the envelope GİB gets (stored, not yet recorded). */
  async function buildSenderEnvelope(row: InvoiceRow, signed: Buffer) {
    const gib = requireGib();
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
    const xml = buildEnvelope({ id: envelopeId, type: 'SENDERENVELOPE', createdAt: deps.clock(), sender, receiver, elementType: 'INVOICE', elements: [signed] });
    const prepared = await gib.outbox.prepare({ id: envelopeId, tenantId: row.tenantId, type: 'SENDERENVELOPE', elementType: 'INVOICE', sender, receiver, xml });
    return { prepared, reason: `zarf ${envelopeId} → ${postbox}` };
  }

  /** The invoice with the number the gateway assigned written in, signed with the tenant's mali mühür. */
  async function sign(row: InvoiceRow): Promise<{ bytes: Buffer; reason: string }> {
    let document = await deps.blobs.get(row.documentSha256);
    // A number the gateway assigned goes into the document now, so the signature covers it.
    if (row.context.numberAssigned) document = setInvoiceNumber(document, row.number!);
    const signer = await deps.signers.signerFor(row.tenantId);
    try {
      const bytes = await signXml(document, signer);
      return { bytes, reason: `mali mühür ile imzalandı (${deps.signers.configuredKind(row.tenantId) ?? signer.kind})` };
    } catch (err) {
      // A token pulled out or a session gone bad: open it afresh on the next attempt.
      if (isGatewayError(err) && err.spec.retryable) await deps.signers.drop(row.tenantId);
      throw err;
    }
  }

  function requireGib(): NonNullable<InvoicePipelineDeps['gib']> {
    if (!deps.gib) throw new Error('invoice pipeline: the GİB steps need GİB');
    return deps.gib;
  }

  return {
    /**
     * Takes the invoice as far as it goes without waiting for anyone, from whatever state it is in: 20 İşlendi (the
     * stored original read back, its hash checked on read), 30 İmzalandı (the assigned number written in, XAdES-BES
     * in UBLExtensions with the tenant's mali mühür; an invoice the caller signed was verified at SendInvoice and is
     * kept), and for an e-Fatura 40 Zarflandı (a SENDERENVELOPE, Ek-1, from the tenant's GB alias to the receiver's
     * postbox alias from GİB's user list). The work is done first, outside any transaction; then one transaction
     * records every step — each its own transition and history row, the next step's job not enqueued since this
     * run does it (`doneInline`) — guarded by the version read. The last step's effect (invoice.send) is enqueued.
     * The machines' tasks invoice.process, invoice.sign and invoice.envelope all run this: a job left over from an
     * earlier run finds the invoice further on and does what remains.
     */
    async advance(id: number, inTransaction?: InTransaction): Promise<void> {
      const row = await invoiceById(deps.db, id);
      if (!row || !PREPARING.has(row.state)) return;
      const envelopes = row.kind === 'EFATURA' && deps.gib !== undefined;
      if (row.state === 'SIGNED' && !envelopes) return;
      if (row.state === 'RECEIVED') await deps.blobs.get(row.documentSha256);
      let signed: { sha: string | null; bytes: Buffer | null; reason: string } | null = null;
      if (row.state !== 'SIGNED') {
        if (row.callerSigned) signed = { sha: row.documentSha256, bytes: null, reason: 'belge cagiranin imzasiyla kabul edildi' };
        else signed = { sha: null, ...(await sign(row)) };
      }
      const envelope = envelopes
        ? await buildSenderEnvelope(row, signed?.bytes ?? (await deps.blobs.get(signed?.sha ?? row.signedSha256!)))
        : null;
      await deps.writer.run(async (trx) => {
        const ref = entities.invoice(id);
        // The row must still be at the version read; each step moves it one on (checked by setSignedDocument and
        // setEnvelope too), so a concurrent change anywhere in the chain rolls all of it back.
        let version = row.version;
        const step = async (event: 'PROCESS' | 'SIGN' | 'ENVELOPE', reason: string, doneInline: readonly string[]) => {
          await deps.store.apply(ref, { event, actor: 'worker', reason, expectedVersion: version, doneInline }, trx);
          version++;
        };
        if (row.state === 'RECEIVED') await step('PROCESS', 'belge islendi', ['invoice.sign']);
        if (signed) {
          const sha = signed.sha ?? (await deps.blobs.put(signed.bytes!, trx));
          if (!(await setSignedDocument(trx, id, version, sha))) throw new GatewayError('VERSION_CONFLICT');
          await step('SIGN', signed.reason, envelope ? ['invoice.envelope'] : []);
        }
        if (envelope) {
          const stored = await requireGib().outbox.record(trx, envelope.prepared, { send: false });
          if (!(await setEnvelope(trx, id, version, stored))) throw new GatewayError('VERSION_CONFLICT');
          await step('ENVELOPE', envelope.reason, []);
        }
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

    /** Preparing failed for good: the invoice goes to its error state with the fault's code, unless it left already. */
    async fail(id: number, step: string, err: unknown): Promise<void> {
      const row = await invoiceById(deps.db, id);
      if (!row || !PREPARING.has(row.state)) return;
      const e = asGatewayError(err);
      await deps.store.apply(entities.invoice(id), { event: 'FAIL', actor: 'worker', reason: `${step}: ${e.message}`, code: e.code, codeDescription: e.message });
    },
  };
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

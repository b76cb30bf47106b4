/**
 * eArsivMailing (issue 16): an e-Arşiv invoice that becomes Başarılı is mailed to its buyer — the address in its UBL
 * (cac:AccountingCustomerParty/cac:Party/cac:Contact/cbc:ElectronicMail) — with its PDF visual and its signed UBL
 * attached; a cancelled one gets a cancellation notice.
 *
 * The machine's effects start it (earsiv.mail.invoice on REPORT_ACCEPTED, earsiv.mail.cancellation on CANCEL): jobs
 * enqueued in the transition's own transaction, so a rolled-back transition leaves nothing queued. The job records
 * the delivery (invoice_mails, one row per invoice and kind: the recipient, or why there is none) and sends it. The
 * message is built when sent — the PDF and the XML never go into a job's payload. A failed send is ERROR with its
 * reason and is tried again with the worker's backoff, then an hour later (src/worker/tasks/earsiv-mail.tasks.ts),
 * never dropped; a sent delivery is never sent again (the row's state and its send claim), and a send that died
 * after the server took the message goes again with the same Message-ID.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { OPEN_STATES } from '../activation/activation.service';
import {
  claimMailSend,
  closeMailDelivery,
  mailDeliveriesOf,
  mailDeliveryOf,
  openMailDelivery,
  recordMailFailed,
  recordMailSent,
  type MailDeliveryKind,
  type MailDeliveryRow,
} from '../db/invoice-mails';
import { invoiceById, type InvoiceRow } from '../db/invoices';
import { serviceOfTenant } from '../db/tenant-services';
import { tenantById } from '../db/tenants';
import type { WriteBatcher } from '../db/write-batcher';
import { earsivCancellationMail, earsivInvoiceMail, type EarsivMailFacts } from '../notify/earsiv-messages';
import { isMailAddress } from '../notify/mail-queue';
import { messageIdFor, type Mailer, type MailMessage } from '../notify/mailer';
import type { BlobStore } from '../storage/blob-store';
import { readInvoiceFields, type UblInvoiceFields, type UblPartyFields } from '../ubl/invoice-fields';
import { parseXml } from '../xml/parse';

/** The machine's effects (src/machines/earsiv-invoice.machine.ts), one task per kind. */
export const EARSIV_MAIL_TASKS: Record<MailDeliveryKind, string> = {
  INVOICE: 'earsiv.mail.invoice',
  CANCELLATION: 'earsiv.mail.cancellation',
};

/**
 * The PDF visual of a tenant's invoice (src/visuals); called when the mail is sent, with the signed UBL the mail
 * has read already (so it is not read again).
 */
export type InvoicePdf = (tenantId: number, invoiceId: number, ubl?: Buffer) => Promise<Buffer>;

export interface EarsivMailDeps {
  db: Knex;
  writer: WriteBatcher;
  blobs: BlobStore;
  mailer: Mailer;
  clock: () => Date;
  logger: Logger;
  /** GW_MAIL_FROM: the Message-ID's domain. */
  from: string;
  /** GW_EARSIV_MAIL: off records deliveries as OFF and sends nothing. */
  enabled: boolean;
  invoicePdf: InvoicePdf;
  /** A send claimed longer ago than this is taken to have died with its process (default 15 minutes). */
  claimMs?: number;
}

const CANCELLED_STATES: ReadonlySet<string> = new Set(['CANCELLED', 'CANCEL_REPORTED']);
const DEFAULT_CLAIM_MS = 15 * 60_000;

/** The error's first line, short: what the outbox shows (the mailer's errors name the server and its answer only). */
function shortError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split(/\r?\n/)[0] ?? '').slice(0, 300);
}

function partyName(p: UblPartyFields | undefined): string | null {
  if (!p) return null;
  const name = p.name?.trim() || [p.person?.firstName, p.person?.middleName, p.person?.familyName].filter((x) => x && x.trim()).join(' ').trim();
  return name || null;
}

interface Loaded {
  /** The signed UBL as stored (what GİB got in the report's digest). */
  xml: Buffer;
  fields: UblInvoiceFields;
}

export function createEarsivMailService(deps: EarsivMailDeps) {
  const { db, writer } = deps;
  const log = deps.logger.child({ component: 'earsiv-mail' });
  const now = () => deps.clock().toISOString();
  const claimMs = deps.claimMs ?? DEFAULT_CLAIM_MS;

  async function load(inv: InvoiceRow): Promise<Loaded> {
    const xml = await deps.blobs.get(inv.signedSha256 ?? inv.documentSha256);
    return { xml, fields: readInvoiceFields(parseXml(xml).root) };
  }

  /** The delivery's row, recorded now: whom to mail, or why no one. */
  async function open(inv: InvoiceRow, kind: MailDeliveryKind, doc: () => Promise<Loaded>): Promise<MailDeliveryRow> {
    const base = { tenantId: inv.tenantId, invoiceId: inv.id, kind, at: now() };
    let d: Pick<Parameters<typeof openMailDelivery>[1], 'recipient' | 'state' | 'lastError'>;
    if (!deps.enabled) {
      d = { recipient: null, state: 'OFF' };
    } else {
      const raw = (await doc()).fields.customer.party?.email?.trim() ?? '';
      if (!isMailAddress(raw)) {
        d = { recipient: raw || null, state: 'NO_ADDRESS' };
      } else {
        // A tenant that ordered eArsivMailing here mails only while it is open; one that never ordered it is not
        // held to it (as SendInvoice does with e-Fatura and e-Arşiv).
        const service = await serviceOfTenant(db, inv.tenantId, 'EARSIV_MAILING');
        d = service && !OPEN_STATES.has(service.state) ? { recipient: raw, state: 'SERVICE_OFF' } : { recipient: raw, state: 'PENDING' };
      }
    }
    const row = await writer.run((trx) => openMailDelivery(trx, { ...base, ...d }));
    if (row.state !== 'PENDING') log.info({ invoice: inv.id, number: inv.number, kind, state: row.state }, 'e-Arşiv e-mail not sent');
    return row;
  }

  async function message(inv: InvoiceRow, kind: MailDeliveryKind, doc: Loaded, to: string): Promise<MailMessage> {
    const { fields } = doc;
    const number = inv.number ?? fields.id ?? inv.ettn;
    const seller = partyName(fields.supplier.party) ?? (await tenantById(db, inv.tenantId))?.title ?? '';
    const cancelledAt = typeof inv.context.cancelledAt === 'string' ? new Date(inv.context.cancelledAt) : null;
    const facts: EarsivMailFacts = {
      sellerTitle: seller,
      buyerName: partyName(fields.customer.party),
      number,
      issueDate: inv.issueDate,
      payableAmount: inv.payableAmount,
      currency: inv.currency,
      ettn: (fields.uuid ?? inv.ettn).toUpperCase(),
      cancelledAt,
    };
    const content = kind === 'INVOICE' ? earsivInvoiceMail(facts) : earsivCancellationMail(facts);
    const msg: MailMessage = { to: [to], ...content, messageId: messageIdFor(`earsiv:${inv.ettn}:${kind}`, deps.from) };
    if (kind === 'INVOICE') {
      const pdf = await deps.invoicePdf(inv.tenantId, inv.id, doc.xml);
      if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new Error('fatura görüntüsü (PDF) oluşturulamadı: çıktı PDF değil');
      msg.attachments = [
        { filename: `${number}.pdf`, content: pdf, contentType: 'application/pdf' },
        { filename: `${number}.xml`, content: doc.xml, contentType: 'application/xml' },
      ];
    }
    return msg;
  }

  return {
    /**
     * The job of an effect: records the delivery of `kind` for the invoice (once) and sends it. Returns the row as
     * it stands afterwards (null for what is not an e-Arşiv invoice); throws when the send failed (the worker
     * retries).
     */
    async deliver(invoiceId: number, kind: MailDeliveryKind): Promise<MailDeliveryRow | null> {
      const inv = await invoiceById(db, invoiceId);
      if (!inv || inv.kind !== 'EARSIV') return null;
      let loaded: Loaded | null = null;
      const doc = async () => (loaded ??= await load(inv));
      const row = (await mailDeliveryOf(db, invoiceId, kind)) ?? (await open(inv, kind, doc));
      if (row.state !== 'PENDING' && row.state !== 'ERROR') return row;
      if (!deps.enabled) {
        await writer.run((trx) => closeMailDelivery(trx, row.id, 'OFF', now()));
        return mailDeliveryOf(db, invoiceId, kind);
      }
      // Cancelled before its mail could go: the buyer gets the cancellation notice, not a cancelled invoice.
      if (kind === 'INVOICE' && CANCELLED_STATES.has(inv.state)) {
        await writer.run((trx) => closeMailDelivery(trx, row.id, 'SKIPPED', now(), row.lastError));
        log.info({ invoice: inv.id, number: inv.number }, 'e-Arşiv invoice cancelled before its e-mail was sent: not sent');
        return mailDeliveryOf(db, invoiceId, kind);
      }
      const at = deps.clock();
      const claimed = await writer.run((trx) => claimMailSend(trx, row.id, at.toISOString(), new Date(at.getTime() - claimMs).toISOString()));
      if (!claimed) {
        const again = await mailDeliveryOf(db, invoiceId, kind);
        if (again && again.state !== 'PENDING' && again.state !== 'ERROR') return again;
        // Another run is sending it now; should that one die, this job's retry takes over once its claim is stale.
        throw new Error(`e-Arşiv e-postası başka bir işlemde gönderiliyor (${inv.number ?? inv.ettn})`);
      }
      try {
        const msg = await message(inv, kind, await doc(), row.recipient!);
        const { messageId } = await deps.mailer.send(msg);
        await writer.run((trx) => recordMailSent(trx, row.id, now(), messageId));
        log.info({ invoice: inv.id, number: inv.number, kind, messageId }, 'e-Arşiv e-mail sent');
      } catch (err) {
        await writer.run((trx) => recordMailFailed(trx, row.id, now(), shortError(err))).catch((e) => log.error({ invoice: inv.id, error: shortError(e) }, 'recording a failed e-Arşiv e-mail failed'));
        throw err;
      }
      return mailDeliveryOf(db, invoiceId, kind);
    },

    /** The outbox's column (see mailDeliveriesOf in src/db/invoice-mails.ts). */
    deliveriesOf(tenantId: number, invoiceIds: readonly number[]) {
      return mailDeliveriesOf(db, tenantId, invoiceIds);
    },
  };
}

export type EarsivMailService = ReturnType<typeof createEarsivMailService>;

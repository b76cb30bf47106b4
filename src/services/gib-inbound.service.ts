/**
 * What GİB pushes to our EFatura endpoint (src/soap/gib-endpoint.ts is its HTTP side).
 *
 * receive() is sendDocument's synchronous part, answered at once (Ek-2 §4.2: the receiving side takes the envelope,
 * then answers with a system response of its own): the transport checks GİB makes synchronously (Ek-3 §8) — 2000
 * OZET DEGERLER ESIT DEGIL when the hash is not the ZIP's MD5, 2006 GECERSIZ ZARF ADI when the file name is not
 * `<UUID>.zip`, 2001 ZARF ID SISTEMDE MEVCUT for an envelope ID we hold already, 2005 for a ZIP too dangerous to
 * keep (src/zip/hazard.ts: a bomb, path names, too many entries) — then the ZIP goes to the blob store
 * (fsynced) and the `envelopes` row (IN, RECEIVED) and its 'gib.inbound' job are committed in one transaction before
 * the answer leaves. A pusher that counts 2001 as delivered (GİB, the simulator) can resend safely.
 *
 * process() is the 'gib.inbound' job: it reads the envelope. The receiving side of Ek-2 §4.2: every envelope but a
 * system envelope is answered with a system response of our own, 1200 ZARF BASARIYLA ISLENDI or the error code, in
 * a SYSTEMENVELOPE from the party the envelope was addressed to back to its sender (Ek-2 §1, replyParties), sent
 * through the outbox — so it is retried until GİB has it.
 *
 *   unreadable (openEnvelope: 1110–1142, 1160)   REFUSED with the code; answered when the sender can still be read
 *   SENDERENVELOPE                               the receiver must be our tenant by VKN with that PK alias (1181
 *                                                ADRES BULUNAMADI when neither is ours, 1172 POSTA KUTUSU YETKISI YOK
 *                                                when they do not belong together); each invoice into the tenant's
 *                                                inbox (incoming_invoices, machine incoming-invoice), once per ETTN
 *   POSTBOXENVELOPE                              KABUL/RED for our tenant's invoices (receiver by VKN + GB alias:
 *                                                1181 / 1171 GONDERICI BIRIM YETKISI YOK), via the status service
 *   SYSTEMENVELOPE                               each system response to status.applySystemResponse; never
 *                                                answered (a system response is not answered with another one).
 *                                                Taken in by receive() itself, in the transaction that stores it:
 *                                                every invoice brings two, and they ask nothing of us but a few
 *                                                updates (an unreadable one is left to the job, which says why)
 *
 * The envelope's status change, the inbox rows (or status updates) and the reply's row and send job are one
 * transaction, guarded by `status = 'RECEIVED'`: a rerun after a crash or a second worker finds the envelope
 * processed and does nothing. The reply's bytes and the invoices' bytes are stored in that transaction too.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { isUniqueViolation } from '../db/connect';
import { envelopeById, insertIncoming, latestReplyTo, markIncomingDone } from '../db/envelopes';
import { findIncomingInvoice, insertIncomingInvoice, type IncomingInvoiceRow } from '../db/incoming-invoices';
import { findInvoice } from '../db/invoices';
import { enqueueJob } from '../db/jobs';
import { entities, type MachineStore } from '../db/machine-store';
import { aliasIsOurs, tenantByVkn, type TenantRow } from '../db/tenants';
import type { WriteBatcher } from '../db/write-batcher';
import { isGatewayError } from '../faults';
import {
  ENVELOPE_TYPES,
  GibProtocolError,
  buildSystemEnvelope,
  envelopeRuleErrors,
  gibText,
  openEnvelope,
  parseEnvelope,
  readApplicationResponse,
  readSystemResponse,
  replyParties,
  type AnsweredEnvelopeType,
  type EnvelopeParty,
  envelopeIdFromFileName,
  md5Hex,
  type ParsedEnvelope,
} from '../gib/protocol';
import { UUID_RE } from '../gib/protocol/markup';
import { toEnvelopeId, toEttn, type EnvelopeId, type Ettn } from '../ids';
import { incomingInvoiceMachine } from '../machines';
import type { BlobStore } from '../storage/blob-store';
import { readInvoiceFields } from '../ubl/invoice-fields';
import { PUSHED_ZIP_LIMITS, zipHazard } from '../zip/hazard';
import { looksLikeZip, readXmlEntry } from '../zip/read';
import type { XmlElement } from '../xml/parse';
import type { GibStatusService } from './gib-status.service';
import type { InTransaction, Outbox, PreparedEnvelope } from './outbox.service';

/** The job that processes one received envelope (payload {envelopeId}). */
export const GIB_INBOUND_TASK = 'gib.inbound';

export interface GibInboundDeps {
  db: Knex;
  writer: WriteBatcher;
  blobs: BlobStore;
  store: MachineStore;
  outbox: Outbox;
  status: GibStatusService;
  clock: () => Date;
  logger: Logger;
  /** Attempts of the 'gib.inbound' job before it is retried an hour later (default 8). */
  maxAttempts?: number;
  /** Largest envelope accepted once unzipped (default 100 MiB, as GİB's codec). */
  maxXmlBytes?: number;
}

const DEFAULT_MAX_XML_BYTES = 100 * 1024 * 1024;

/** What becomes of the envelope, decided before the one transaction that records it. */
interface Outcome {
  status: 'PROCESSED' | 'REFUSED';
  /** The code we answered (or would have), null when there is nothing to say (a system envelope taken in). */
  code: number | null;
  detail: string;
  /** What could be read of the envelope, for the row. */
  envelope: Pick<ParsedEnvelope, 'type' | 'elementType' | 'sender' | 'receiver' | 'createdAt'> | null;
  tenant: TenantRow | null;
  /** Answer the sender (never for a system envelope, nor when no sender could be read). */
  reply: boolean;
  /** The envelope's effects, inside the transaction. */
  apply?: (trx: Knex.Transaction) => Promise<void>;
}

/** An invoice read from a SENDERENVELOPE, with its bytes as they came. */
type IncomingInvoice = Pick<
  IncomingInvoiceRow,
  'ettn' | 'number' | 'profileId' | 'typeCode' | 'issueDate' | 'senderVkn' | 'senderName' | 'currency' | 'payableAmount'
> & { document: Buffer };

export function createGibInbound(deps: GibInboundDeps) {
  const log = deps.logger.child({ component: 'gib-inbound' });
  const maxXmlBytes = deps.maxXmlBytes ?? DEFAULT_MAX_XML_BYTES;
  const maxAttempts = deps.maxAttempts ?? 8;
  const zipLimits = { ...PUSHED_ZIP_LIMITS, maxTotalBytes: maxXmlBytes };

  return {
    /**
     * The synchronous part of sendDocument: GİB's transport checks, then the ZIP and the row with its job, durable
     * before we answer. Throws GibProtocolError (2000, 2001, 2006) for what GİB would refuse at once.
     */
    async receive(fileName: string, zip: Buffer, hash: string): Promise<{ id: EnvelopeId; md5: string }> {
      const md5 = md5Hex(zip);
      if (hash.trim().toLowerCase() !== md5) throw new GibProtocolError(2000, `gelen ozet ${hash.slice(0, 40)}, hesaplanan ${md5}`);
      let id: EnvelopeId;
      try {
        id = toEnvelopeId(envelopeIdFromFileName(fileName));
      } catch (err) {
        // 1111 (a name of the wrong length) is a file name that is not `<UUID>.zip` too: nothing to queue under it.
        if (err instanceof GibProtocolError) throw new GibProtocolError(2006, err.detail || err.message, err);
        throw err;
      }
      // Known already: answer before storing anything (GİB and the simulator resend after a lost answer).
      await refuseKnown(deps.db, id);
      // A ZIP too dangerous to keep (a bomb, path names, many entries) is refused before anything is stored. GİB's
      // WSDL has no fault for it (2000–2007); 2005 SISTEM HATASI is what GİB answers a request it cannot take.
      const hazard = await zipHazard(zip, zipLimits);
      if (hazard) throw new GibProtocolError(2005, `ZIP refused: ${hazard}`);
      // A system envelope (GİB's news about an envelope we sent: two of them for every invoice) is small and asks
      // nothing of us: it is taken in right here, in the transaction that stores it, instead of by a job of its own.
      const system = await readSystemEnvelope(fileName, zip, md5);
      const at = deps.clock().toISOString();
      try {
        await deps.writer.run(async (trx) => {
          await refuseKnown(trx, id);
          const blobSha = await deps.blobs.put(zip, trx);
          await insertIncoming(trx, { id, blobSha256: blobSha, fileName, md5, at });
          if (system) await record(trx, id, system);
          else await enqueueJob(trx, { task: GIB_INBOUND_TASK, key: `${GIB_INBOUND_TASK}:${id}`, payload: { envelopeId: id }, runAt: at, maxAttempts, createdAt: at });
        });
      } catch (err) {
        if (err instanceof GibProtocolError || !isUniqueViolation(err)) throw err;
        // Two pushes of the same envelope at once: the loser's insert hits the key (id, IN) and is told 2001. (An
        // envelope between two of our tenants is stored twice, as OUT and as IN: the key includes the direction.)
        await refuseKnown(deps.db, id);
        throw err;
      }
      log.info({ envelope: id, bytes: zip.length }, 'envelope received');
      if (system) logOutcome(id, system, false);
      return { id, md5 };
    },

    /** getApplicationResponse on our side: the SYSTEMENVELOPE we answered an incoming envelope with, or 2004. */
    async systemResponseFor(instanceIdentifier: string): Promise<Buffer> {
      const id = toEnvelopeId(instanceIdentifier);
      const reply = await latestReplyTo(deps.db, id);
      if (!reply) throw new GibProtocolError(2004, id.slice(0, 100));
      return deps.blobs.get(reply);
    },

    /** The 'gib.inbound' job: reads a received envelope and records what it is, answering it. */
    async process(envelopeId: EnvelopeId, inTransaction?: InTransaction): Promise<void> {
      const row = await envelopeById(deps.db, envelopeId, 'IN');
      if (!row || row.status !== 'RECEIVED') return;
      const fileName = row.fileName!;
      const zip = await deps.blobs.get(row.blobSha256);
      let outcome: Outcome;
      try {
        const { envelope } = await openEnvelope(fileName, zip, row.md5!, { maxXmlBytes });
        outcome = await decide(envelope);
      } catch (err) {
        if (!(err instanceof GibProtocolError)) throw err;
        // Unreadable as GİB requires it: read what we can of the sender, to tell it why (Ek-2 §4.2).
        const salvaged = await salvageEnvelope(zip, fileName, maxXmlBytes);
        outcome = refused(err.gibCode, err.detail, salvaged, salvaged ? await tenantOf(salvaged.receiver.vknTckn) : null);
      }
      await commit(row.id, fileName, outcome, inTransaction);
    },
  };

  /** What a readable SYSTEMENVELOPE means (its responses applied); null for any other or an unreadable envelope. */
  async function readSystemEnvelope(fileName: string, zip: Buffer, md5: string): Promise<Outcome | null> {
    try {
      const { envelope } = await openEnvelope(fileName, zip, md5, { maxXmlBytes });
      return envelope.type === 'SYSTEMENVELOPE' ? await takeSystemEnvelope(envelope) : null;
    } catch (err) {
      if (err instanceof GibProtocolError) return null; // the job reads it again and answers why
      throw err;
    }
  }

  /** 2001 ZARF ID SISTEMDE MEVCUT for an envelope ID we received already. */
  async function refuseKnown(q: Knex | Knex.Transaction, id: EnvelopeId): Promise<void> {
    if (await envelopeById(q, id, 'IN')) throw new GibProtocolError(2001, id);
  }

  async function decide(env: ParsedEnvelope): Promise<Outcome> {
    if (env.type === 'SYSTEMENVELOPE') return takeSystemEnvelope(env);
    const rules = envelopeRuleErrors(env);
    if (rules.length > 0) return refused(1150, rules[0]!, env, null);
    if (env.type === 'SENDERENVELOPE') return takeSenderEnvelope(env);
    if (env.type === 'POSTBOXENVELOPE') return takePostboxEnvelope(env);
    // A USERENVELOPE goes to GİB only (EnvelopeTypeElementTypeCheck); nothing else reaches a postbox.
    return refused(1150, `${env.type} zarfi bu adrese gonderilemez`, env, null);
  }

  // --- SENDERENVELOPE: invoices into the tenant's inbox -----------------------------------------------------------

  async function takeSenderEnvelope(env: ParsedEnvelope): Promise<Outcome> {
    const found = await receiverTenant(env.receiver, 'PK', 1172);
    if ('code' in found) return refused(found.code, found.detail, env, null);
    const tenant = found.tenant;
    if (env.elementType !== 'INVOICE') return refused(1150, `${env.elementType} belgeleri bu posta kutusuna alinmiyor`, env, tenant);

    const invoices: IncomingInvoice[] = [];
    for (const [i, e] of env.elements.entries()) {
      let facts: Omit<IncomingInvoice, 'document'>;
      try {
        facts = readInvoice(e.element, env.sender.vknTckn);
      } catch (err) {
        if (err instanceof GibProtocolError) return refused(err.gibCode, `${i + 1}. belge: ${err.detail}`, env, tenant);
        throw err;
      }
      invoices.push({ ...facts, document: Buffer.from(e.document) });
    }
    return processed(env, tenant, 1200, async (trx) => {
      for (const inv of invoices) await addToInbox(trx, tenant, env, inv);
    });
  }

  async function addToInbox(trx: Knex.Transaction, tenant: TenantRow, env: ParsedEnvelope, inv: IncomingInvoice): Promise<void> {
    const known = await findIncomingInvoice(trx, tenant.id, inv.ettn);
    if (known) {
      log.info({ tenant: tenant.id, ettn: inv.ettn, envelope: env.id, first: known.envelopeId }, 'invoice already in the inbox: not added again');
      return;
    }
    const at = deps.clock().toISOString();
    const envelopeId = toEnvelopeId(env.id);
    const id = await insertIncomingInvoice(trx, {
      tenantId: tenant.id,
      machine: incomingInvoiceMachine.id,
      state: incomingInvoiceMachine.initial,
      context: { profileId: inv.profileId, deliveredAt: at },
      ettn: inv.ettn,
      number: inv.number,
      profileId: inv.profileId,
      typeCode: inv.typeCode,
      issueDate: inv.issueDate,
      senderVkn: inv.senderVkn,
      senderName: inv.senderName,
      senderAlias: clip(env.sender.alias, 250),
      receiverAlias: clip(env.receiver.alias, 250),
      currency: inv.currency,
      payableAmount: inv.payableAmount,
      documentSha256: await deps.blobs.put(inv.document, trx),
      envelopeId,
      createdAt: at,
    });
    await deps.store.recordCreated(trx, incomingInvoiceMachine, entities.incomingInvoice(id), 'gib', `zarf ${envelopeId} ile geldi`);
  }

  // --- POSTBOXENVELOPE: KABUL/RED for our tenants' invoices -------------------------------------------------------

  async function takePostboxEnvelope(env: ParsedEnvelope): Promise<Outcome> {
    const found = await receiverTenant(env.receiver, 'GB', 1171);
    if ('code' in found) return refused(found.code, found.detail, env, null);
    const tenant = found.tenant;
    if (env.elementType !== 'APPLICATIONRESPONSE') return refused(1150, `${env.elementType} belgeleri bu adrese alinmiyor`, env, tenant);

    const answers: Array<{ invoiceUuid: string | null; invoiceNumber: string | null; code: 'KABUL' | 'RED'; reason: string; responseUuid: string }> = [];
    for (const [i, e] of env.elements.entries()) {
      let ar;
      try {
        ar = readApplicationResponse(e.element);
      } catch (err) {
        if (err instanceof GibProtocolError) return refused(err.gibCode, `${i + 1}. belge: ${err.detail}`, env, tenant);
        throw err;
      }
      if (ar.code !== 'KABUL' && ar.code !== 'RED') {
        log.warn({ envelope: env.id, code: ar.code, invoice: ar.invoice.reference }, 'application response other than KABUL/RED: kept with the envelope, not applied');
        continue;
      }
      answers.push({
        invoiceUuid: ar.invoice.uuid ?? null,
        invoiceNumber: ar.invoice.number ?? null,
        code: ar.code,
        reason: (ar.lineDescriptions.find((d) => d !== '') ?? ar.description).slice(0, 1000),
        responseUuid: ar.uuid,
      });
    }
    return processed(env, tenant, 1200, async (trx) => {
      for (const a of answers) {
        let uuid = a.invoiceUuid ? toEttn(a.invoiceUuid) : null;
        // GİB's older responses name the invoice by its number only.
        if (!uuid && a.invoiceNumber) uuid = (await findInvoice(trx, tenant.id, { number: a.invoiceNumber }))?.ettn ?? null;
        if (!uuid) {
          log.warn({ envelope: env.id, tenant: tenant.id, number: a.invoiceNumber }, 'application response for an invoice we do not have');
          continue;
        }
        await deps.status.applyApplicationResponse(trx, {
          tenantId: tenant.id,
          invoiceUuid: uuid,
          code: a.code,
          reason: a.reason,
          responseUuid: a.responseUuid,
          envelopeId: toEnvelopeId(env.id),
        });
      }
    });
  }

  // --- SYSTEMENVELOPE: news about the envelopes we sent -----------------------------------------------------------

  async function takeSystemEnvelope(env: ParsedEnvelope): Promise<Outcome> {
    const responses: Array<ReturnType<typeof readSystemResponse>> = [];
    let firstError: GibProtocolError | null = null;
    for (const e of env.groups.flatMap((g) => g.elements)) {
      try {
        responses.push(readSystemResponse(e.element));
      } catch (err) {
        if (!(err instanceof GibProtocolError)) throw err;
        firstError ??= err;
        log.warn({ envelope: env.id, gibCode: err.gibCode, error: err.message }, 'unreadable system response in a system envelope: skipped');
      }
    }
    const tenant = await tenantOf(env.receiver.vknTckn);
    if (responses.length === 0) {
      const err = firstError ?? new GibProtocolError(1160, 'sistem yaniti yok');
      return { ...refused(err.gibCode, err.detail, env, tenant), reply: false };
    }
    return processed(env, tenant, null, async (trx) => {
      for (const r of responses) {
        await deps.status.applySystemResponse(trx, {
          systemEnvelopeId: toEnvelopeId(env.id),
          aboutEnvelopeId: toEnvelopeId(r.envelopeId),
          code: r.code,
          description: r.description,
          responderVkn: r.sender.vknTckn,
          source: 'push',
        });
      }
    });
  }

  // --- recording the outcome --------------------------------------------------------------------------------------

  /** Taken in: answered with `code` (1200), or not at all (null: a system envelope). */
  function processed(env: NonNullable<Outcome['envelope']>, tenant: TenantRow | null, code: 1200 | null, apply: Outcome['apply']): Outcome {
    return { status: 'PROCESSED', code, detail: '', envelope: env, tenant, reply: code !== null, apply };
  }

  function refused(code: number, detail: string, env: Outcome['envelope'], tenant: TenantRow | null): Outcome {
    return { status: 'REFUSED', code, detail, envelope: env, tenant, reply: env !== null && env.type !== 'SYSTEMENVELOPE' };
  }

  function describeOutcome(o: Outcome): string | null {
    return o.code === null ? null : clip(o.detail ? `${gibText(o.code)}: ${o.detail}` : gibText(o.code), 1000);
  }

  /** In `trx`: the envelope RECEIVED → PROCESSED | REFUSED, its effects and our reply; false if done meanwhile. */
  async function record(trx: Knex.Transaction, id: EnvelopeId, o: Outcome, reply: PreparedEnvelope | null = null): Promise<boolean> {
    const env = o.envelope;
    const at = deps.clock().toISOString();
    const marked = await markIncomingDone(trx, id, {
      status: o.status,
      type: env && (ENVELOPE_TYPES as readonly string[]).includes(env.type) ? env.type : 'UNKNOWN',
      elementType: env ? clip(env.elementType, 30) || null : null,
      sender: { vknTckn: env ? vknOrNull(env.sender.vknTckn) : null, alias: env ? clip(env.sender.alias, 250) || null : null },
      receiver: { vknTckn: env ? vknOrNull(env.receiver.vknTckn) : null, alias: env ? clip(env.receiver.alias, 250) || null : null },
      tenantId: o.tenant?.id ?? null,
      gibCode: o.code,
      gibDescription: describeOutcome(o),
      responseAt: reply ? at : null,
      at,
    });
    if (!marked) return false; // processed meanwhile (a rerun, another worker)
    await o.apply?.(trx);
    if (reply) await deps.outbox.record(trx, reply, { send: true });
    return true;
  }

  function logOutcome(id: EnvelopeId, o: Outcome, replied: boolean): void {
    const fields = { envelope: id, type: o.envelope?.type ?? 'UNKNOWN', tenant: o.tenant?.id ?? null, code: o.code, replied };
    if (o.status === 'REFUSED') log.warn({ ...fields, detail: o.detail }, 'incoming envelope refused');
    else log.info(fields, 'incoming envelope processed');
  }

  async function commit(id: EnvelopeId, fileName: string, o: Outcome, inTransaction?: InTransaction): Promise<void> {
    const receivedId = fileName.slice(0, -4); // as the transport named it (GİB's reference)
    const reply = o.reply && o.envelope && o.code !== null ? await prepareReply(receivedId, o.envelope, o.tenant, o.code, describeOutcome(o)!) : null;
    const done = await deps.writer.run(async (trx) => {
      const marked = await record(trx, id, o, reply);
      await inTransaction?.(trx);
      return marked;
    });
    if (done) logOutcome(id, o, reply !== null);
  }

  /** Our SYSTEMENVELOPE for the received envelope (Ek-2 §1), its bytes stored; null when it cannot be addressed. */
  async function prepareReply(receivedId: string, env: NonNullable<Outcome['envelope']>, tenant: TenantRow | null, code: number, description: string) {
    const parties = replyParties(env);
    const ours: EnvelopeParty = tenant && !parties.sender.title ? { ...parties.sender, title: tenant.title } : parties.sender;
    const now = deps.clock();
    const envelopeType: AnsweredEnvelopeType = env.type === 'POSTBOXENVELOPE' || env.type === 'USERENVELOPE' ? env.type : 'SENDERENVELOPE';
    const date = /^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(env.createdAt) ? env.createdAt.slice(0, 10) : undefined;
    const replyId = randomUUID();
    let xml: Buffer;
    try {
      xml = buildSystemEnvelope({
        envelopeId: replyId,
        createdAt: now,
        sender: ours,
        receiver: parties.receiver,
        responses: [
          {
            uuid: randomUUID(),
            issuedAt: now,
            sender: ublParty(ours),
            receiver: ublParty(parties.receiver),
            envelopeId: receivedId,
            envelopeType,
            ...(date ? { envelopeDate: date } : {}),
            code,
            description,
          },
        ],
      });
    } catch (err) {
      // The sender's party is not one an envelope can be addressed to (no valid VKN/TCKN, no alias): no answer.
      if (isGatewayError(err) && err.fault === 'REQUEST_FIELD') {
        log.warn({ envelope: receivedId, error: err.message }, 'cannot address a system response to the sender: not answered');
        return null;
      }
      throw err;
    }
    return deps.outbox.prepare({
      id: replyId,
      tenantId: tenant?.id ?? null,
      type: 'SYSTEMENVELOPE',
      elementType: 'APPLICATIONRESPONSE',
      sender: ours,
      receiver: parties.receiver,
      aboutEnvelopeId: toEnvelopeId(receivedId),
      xml,
    });
  }

  // --- tenants ----------------------------------------------------------------------------------------------------

  async function tenantOf(vkn: string): Promise<TenantRow | null> {
    if (!/^[0-9]{10,11}$/.test(vkn)) return null;
    return tenantByVkn(deps.db, vkn);
  }

  /**
   * The tenant an envelope is addressed to: its VKN and the alias of the role the envelope type goes to (the PK
   * alias for invoices, the GB alias for application responses). GİB's address codes (Ek-2 §4, as Merkez uses
   * them): 1181 ADRES BULUNAMADI when neither the VKN nor the alias is ours, else `mismatch` (1172 for a postbox,
   * 1171 for a sender unit) when they do not belong together.
   */
  async function receiverTenant(receiver: ParsedEnvelope['receiver'], role: 'PK' | 'GB', mismatch: number): Promise<{ tenant: TenantRow } | { code: number; detail: string }> {
    const alias = receiver.alias.trim().toLowerCase();
    const tenant = await tenantOf(receiver.vknTckn);
    if (tenant && (role === 'PK' ? tenant.pkAlias : tenant.gbAlias).trim().toLowerCase() === alias) return { tenant };
    const aliasOwner = await aliasIsOurs(deps.db, role, alias);
    const detail = `alici ${clip(receiver.vknTckn, 11)} ${clip(receiver.alias, 200)}`;
    return { code: tenant || aliasOwner ? mismatch : 1181, detail };
  }
}

export type GibInbound = ReturnType<typeof createGibInbound>;

// ---------------------------------------------------------------------------------------------------------------
// Reading

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}

function vknOrNull(v: string): string | null {
  return /^[0-9]{10,11}$/.test(v) ? v : null;
}

function ublParty(p: EnvelopeParty): { vknTckn: string; name?: string } {
  const name = p.title?.trim();
  return { vknTckn: p.vknTckn, ...(name ? { name } : {}) };
}

/**
 * The inbox columns of one invoice. GİB checked the invoice before passing it on (schema, schematron, signature),
 * so this only reads: what the inbox needs must be there and fit (else 1160 XML SEMA KONTROLUNDEN GECEMEDI, as a
 * missing element is in GİB's words), and the number must be a GİB invoice number (1150, InvoiceIDCheck).
 */
function readInvoice(root: XmlElement, envelopeSenderVkn: string): Omit<IncomingInvoice, 'document'> {
  const f = readInvoiceFields(root);
  const need = (value: string | undefined, local: string, max: number): string => {
    const v = (value ?? '').trim();
    if (v === '') throw new GibProtocolError(1160, `cbc:${local} bulunamadi`);
    if (v.length > max) throw new GibProtocolError(1160, `cbc:${local} cok uzun`);
    return v;
  };
  const ettn = need(f.uuid, 'UUID', 36);
  if (!UUID_RE.test(ettn)) throw new GibProtocolError(1160, `cbc:UUID UUID degil: ${ettn}`);
  const number = need(f.id, 'ID', 16);
  if (!/^[A-Z0-9]{3}20[0-9]{2}[0-9]{9}$/.test(number)) throw new GibProtocolError(1150, `gecersiz fatura numarasi (InvoiceIDCheck): ${number}`);
  const issueDate = need(f.issueDate, 'IssueDate', 40).slice(0, 10);
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(issueDate)) throw new GibProtocolError(1160, `cbc:IssueDate tarih degil: ${issueDate}`);
  const payable = (f.totals?.payable ?? '').trim();
  if (payable === '' || payable.length > 30) throw new GibProtocolError(1160, 'cac:LegalMonetaryTotal/cbc:PayableAmount bulunamadi');
  const supplier = f.supplier.party;
  if (!supplier) throw new GibProtocolError(1160, 'cac:AccountingSupplierParty/cac:Party bulunamadi');
  const supplierVkn = supplier.ids.find((i) => (i.scheme === 'VKN' || i.scheme === 'TCKN') && /^[0-9]{10,11}$/.test(i.value.trim()))?.value.trim() ?? null;
  let supplierName = (supplier.name ?? '').trim();
  if (!supplierName && supplier.person) supplierName = [supplier.person.firstName, supplier.person.familyName].map((n) => (n ?? '').trim()).filter(Boolean).join(' ');
  return {
    ettn: toEttn(ettn),
    number,
    profileId: need(f.profileId, 'ProfileID', 40),
    typeCode: need(f.typeCode, 'InvoiceTypeCode', 40),
    issueDate,
    // The party the envelope came from: the address a KABUL/RED goes back to (normally the supplier itself).
    senderVkn: vknOrNull(envelopeSenderVkn) ?? supplierVkn ?? clip(envelopeSenderVkn, 11),
    senderName: supplierName ? clip(supplierName, 250) : null,
    currency: need(f.currency, 'DocumentCurrencyCode', 3),
    payableAmount: payable,
  };
}

/**
 * What can be read of an envelope GİB's checks refuse (two files in the ZIP, an entry or ID not named after the
 * file, …), to address the answer: the XML entry named after the envelope (else the first `.xml` entry; a bare XML
 * document when the bytes are no ZIP), parsed without the name check. Null when even that fails.
 */
async function salvageEnvelope(zip: Buffer, fileName: string, limit: number): Promise<ParsedEnvelope | null> {
  try {
    const xml = looksLikeZip(zip) ? await readXmlEntry(zip, `${fileName.slice(0, -4)}.xml`, limit) : zip;
    if (!xml) return null;
    const env = parseEnvelope(xml);
    return env.sender.vknTckn && env.receiver.vknTckn ? env : null;
  } catch {
    return null;
  }
}

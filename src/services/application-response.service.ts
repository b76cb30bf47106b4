/**
 * KABUL / RED for a TICARIFATURA in a tenant's inbox (DOMAIN.md; Ek-1 POSTBOXENVELOPE): once, within 8 days
 * (until 23:59:59 of day 8, Istanbul). The answer is recorded first (the incoming invoice's machine moves and
 * enqueues application-response.send in the same transaction); the task builds the UBL ApplicationResponse, signs it
 * with the tenant's seal and sends it in a POSTBOXENVELOPE from the tenant's postbox to the sender's GB alias.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { findIncomingInvoice, incomingInvoiceById } from '../db/incoming-invoices';
import { entities, type MachineStore } from '../db/machine-store';
import { tenantById } from '../db/tenants';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError } from '../faults';
import { buildApplicationResponse, buildEnvelope, type UblParty } from '../gib/protocol';
import { derivedUuid } from '../gib/protocol/ubl';
import { toEnvelopeId, type Ettn } from '../ids';
import { responseDeadline } from '../machines/invoice.guards';
import type { Caller } from '../security/authenticator';
import { signXml } from '../signing/xades';
import type { Outbox } from './outbox.service';
import type { SignerRegistry } from './signer-registry';

export interface AnswerContext {
  profileId: string;
  deliveredAt: string;
  answer?: { code: 'KABUL' | 'RED'; reason: string; at: string; responseUuid: string };
}

/** A UBL party from a VKN (title as PartyName) or a TCKN (GİB wants a Person: first words given, last family name). */
export function ublPartyOf(vknTckn: string, name: string | null | undefined): UblParty {
  const title = (name ?? '').trim() || vknTckn;
  if (vknTckn.length === 11) {
    const words = title.split(/\s+/);
    const familyName = words.length > 1 ? words.pop()! : title;
    return { vknTckn, person: { firstName: words.join(' ') || title, familyName } };
  }
  return { vknTckn, name: title };
}

export interface ApplicationResponseDeps {
  db: Knex;
  store: MachineStore;
  writer: WriteBatcher;
  clock: () => Date;
  /** Sending the answer (send()); answering alone needs neither. */
  outbox?: Outbox;
  signers?: SignerRegistry;
}

export function createApplicationResponseService(deps: ApplicationResponseDeps) {
  return {
    /** Records the tenant's answer; the typed fault says exactly why an answer is refused. */
    async answer(caller: Caller, input: { ettn: Ettn; code: 'KABUL' | 'RED'; reason?: string | null }) {
      const row = await findIncomingInvoice(deps.db, caller.tenantId, input.ettn);
      if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
      const context = { profileId: row.profileId, deliveredAt: row.createdAt, ...row.context } as AnswerContext;
      if (row.profileId !== 'TICARIFATURA') throw new GatewayError('NOT_COMMERCIAL');
      if (context.answer || row.state !== 'INBOX') throw new GatewayError('ALREADY_ANSWERED', { answer: context.answer?.code ?? row.state });
      const now = deps.clock();
      if (now.getTime() > responseDeadline(new Date(context.deliveredAt)).getTime()) {
        throw new GatewayError('RESPONSE_WINDOW_CLOSED', { date: context.deliveredAt.slice(0, 10) });
      }
      const reason = (input.reason ?? '').trim() || (input.code === 'KABUL' ? 'Fatura kabul edildi.' : 'Fatura red edildi.');
      await deps.store.apply(
        entities.incomingInvoice(row.id),
        {
          event: input.code === 'KABUL' ? 'ACCEPT' : 'REJECT',
          actor: `user:${caller.username}`,
          reason: `${input.code}: ${reason}`.slice(0, 1000),
          expectedVersion: row.version,
          contextPatch: { answer: { code: input.code, reason: reason.slice(0, 500), at: now.toISOString(), responseUuid: randomUUID() } },
        },
      );
      return row.id;
    },

    /**
     * application-response.send: the recorded answer as a signed UBL ApplicationResponse in a POSTBOXENVELOPE from
     * the tenant's postbox to the sender's GB alias, into the outbox (retried there until GİB has it).
     */
    async send(incomingId: number): Promise<void> {
      const { outbox, signers } = deps;
      if (!outbox || !signers) throw new Error('application responses: sending needs the outbox and the signers');
      const row = await incomingInvoiceById(deps.db, incomingId);
      if (!row) return;
      const answer = (row.context as Partial<AnswerContext>).answer;
      if (!answer) return;
      // The envelope's ID is derived from the answer's own UUID: a rerun finds it already in the outbox.
      const envelopeId = derivedUuid(answer.responseUuid, 'postbox-envelope').toUpperCase();
      if (await outbox.has(toEnvelopeId(envelopeId))) return;
      const tenant = (await tenantById(deps.db, row.tenantId))!;
      const unsigned = buildApplicationResponse({
        uuid: answer.responseUuid,
        issuedAt: new Date(answer.at),
        sender: ublPartyOf(tenant.vkn, tenant.title),
        receiver: ublPartyOf(row.senderVkn, row.senderName),
        invoice: { uuid: row.ettn, number: row.number, issueDate: row.issueDate },
        code: answer.code,
        reason: answer.reason,
      });
      const signed = await signXml(unsigned, await signers.signerFor(row.tenantId), { claimedRole: null });
      const sender = { alias: row.receiverAlias, vknTckn: tenant.vkn, title: tenant.title };
      const receiver = { alias: row.senderAlias, vknTckn: row.senderVkn, ...(row.senderName ? { title: row.senderName } : {}) };
      const xml = buildEnvelope({ id: envelopeId, type: 'POSTBOXENVELOPE', createdAt: deps.clock(), sender, receiver, elementType: 'APPLICATIONRESPONSE', elements: [signed] });
      const prepared = await outbox.prepare({
        id: envelopeId,
        tenantId: row.tenantId,
        type: 'POSTBOXENVELOPE',
        elementType: 'APPLICATIONRESPONSE',
        sender,
        receiver,
        aboutEnvelopeId: row.envelopeId,
        xml,
      });
      await deps.writer.run(async (trx) => {
        if (!(await outbox.has(toEnvelopeId(envelopeId), trx))) await outbox.record(trx, prepared);
      });
    },
  };
}

export type ApplicationResponseService = ReturnType<typeof createApplicationResponseService>;

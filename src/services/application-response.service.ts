/**
 * KABUL / RED for a TICARIFATURA in a tenant's inbox (DOMAIN.md; Ek-1 POSTBOXENVELOPE): once, within 8 days
 * (until 23:59:59 of day 8, Istanbul). The answer is recorded first (the incoming invoice's machine moves and
 * enqueues application-response.send in the same transaction); the task builds the UBL ApplicationResponse, signs it
 * with the tenant's seal and sends it in a POSTBOXENVELOPE from the tenant's postbox to the sender's GB alias.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { parseJson } from '../db/connect';
import { entities, type MachineStore } from '../db/machine-store';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError } from '../faults';
import type { Outbox } from '../gib/outbox';
import { buildApplicationResponse, buildEnvelope, type UblParty } from '../gib/protocol';
import { derivedUuid } from '../gib/protocol/ubl';
import { responseDeadline } from '../machines/invoice.guards';
import type { Caller } from '../security/authenticator';
import { signXml } from '../signing/xades';
import type { Task } from '../worker/worker';
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
}

export function createApplicationResponseService(deps: ApplicationResponseDeps) {
  return {
    /** Records the tenant's answer; the typed fault says exactly why an answer is refused. */
    async answer(caller: Caller, input: { ettn: string; code: 'KABUL' | 'RED'; reason?: string | null }) {
      const row = await deps.db('incoming_invoices').where({ tenant_id: caller.tenantId, ettn: input.ettn.toLowerCase() }).first();
      if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
      const context = parseJson<AnswerContext>(row.context, { profileId: row.profile_id, deliveredAt: row.created_at });
      if (row.profile_id !== 'TICARIFATURA') throw new GatewayError('NOT_COMMERCIAL');
      if (context.answer || row.state !== 'INBOX') throw new GatewayError('ALREADY_ANSWERED', { answer: context.answer?.code ?? row.state });
      const now = deps.clock();
      if (now.getTime() > responseDeadline(new Date(context.deliveredAt)).getTime()) {
        throw new GatewayError('RESPONSE_WINDOW_CLOSED', { date: context.deliveredAt.slice(0, 10) });
      }
      const reason = (input.reason ?? '').trim() || (input.code === 'KABUL' ? 'Fatura kabul edildi.' : 'Fatura red edildi.');
      await deps.store.apply(
        entities.incomingInvoice(Number(row.id)),
        {
          event: input.code === 'KABUL' ? 'ACCEPT' : 'REJECT',
          actor: `user:${caller.username}`,
          reason: `${input.code}: ${reason}`.slice(0, 1000),
          expectedVersion: Number(row.version),
          contextPatch: { answer: { code: input.code, reason: reason.slice(0, 500), at: now.toISOString(), responseUuid: randomUUID() } },
        },
      );
      return Number(row.id);
    },
  };
}

export type ApplicationResponseService = ReturnType<typeof createApplicationResponseService>;

/** application-response.send: sign the answer and put it in the outbox (retried there until GİB has it). */
export function applicationResponseSendTask(deps: ApplicationResponseDeps & { outbox: Outbox; signers: SignerRegistry; blobs: { put(b: Buffer): Promise<string> } }): Task {
  return {
    async run(job) {
      const id = Number(job.payload.id);
      const row = await deps.db('incoming_invoices as i').join('tenants as t', 't.id', 'i.tenant_id').where('i.id', id).first('i.*', 't.vkn', 't.title');
      if (!row) return;
      const context = parseJson<AnswerContext>(row.context, { profileId: row.profile_id, deliveredAt: row.created_at });
      if (!context.answer) return;
      const answer = context.answer;
      // The envelope's ID is derived from the answer's own UUID: a rerun finds it already in the outbox.
      const envelopeId = derivedUuid(answer.responseUuid, 'postbox-envelope').toUpperCase();
      const sent = (trx?: Knex.Transaction) => (trx ?? deps.db)('envelopes').where({ id: envelopeId.toLowerCase(), direction: 'OUT' }).first('id');
      if (await sent()) return;
      const unsigned = buildApplicationResponse({
        uuid: answer.responseUuid,
        issuedAt: new Date(answer.at),
        sender: ublPartyOf(row.vkn, row.title),
        receiver: ublPartyOf(row.sender_vkn, row.sender_name),
        invoice: { uuid: row.ettn, number: row.invoice_number, issueDate: row.issue_date },
        code: answer.code,
        reason: answer.reason,
      });
      const signed = await signXml(unsigned, await deps.signers.signerFor(Number(row.tenant_id)), { claimedRole: null });
      const sender = { alias: row.receiver_alias, vknTckn: row.vkn, title: row.title };
      const receiver = { alias: row.sender_alias, vknTckn: row.sender_vkn, ...(row.sender_name ? { title: row.sender_name } : {}) };
      const xml = buildEnvelope({ id: envelopeId, type: 'POSTBOXENVELOPE', createdAt: deps.clock(), sender, receiver, elementType: 'APPLICATIONRESPONSE', elements: [signed] });
      const prepared = await deps.outbox.prepare({
        id: envelopeId,
        tenantId: Number(row.tenant_id),
        type: 'POSTBOXENVELOPE',
        elementType: 'APPLICATIONRESPONSE',
        sender,
        receiver,
        aboutEnvelopeId: row.envelope_id,
        xml,
      });
      await deps.writer.run(async (trx) => {
        if (!(await sent(trx))) await deps.outbox.record(trx, prepared);
      });
    },
  };
}

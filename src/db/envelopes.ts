/**
 * The `envelopes` table — every GİB envelope in and out, the routing key of GİB's system responses — and
 * `gib_responses`, every system response received (noise included).
 *
 * OUT: CREATED → SENT | FAILED (GİB refused it synchronously). IN: RECEIVED → PROCESSED | REFUSED (answered with an
 * error system response). The same id may be both (an envelope between two tenants of this gateway).
 */
import type { EnvelopeId } from '../ids';
import { reading, type Queryable } from './connect';
import { execute, executeReturning, selectFirst } from './sql';

export type Direction = 'OUT' | 'IN';

export interface EnvelopeRow {
  id: EnvelopeId;
  direction: Direction;
  tenantId: number | null;
  /** SENDERENVELOPE | POSTBOXENVELOPE | SYSTEMENVELOPE | USERENVELOPE | UNKNOWN (an unreadable IN envelope). */
  type: string;
  elementType: string | null;
  senderVkn: string | null;
  senderAlias: string | null;
  receiverVkn: string | null;
  receiverAlias: string | null;
  /** A response's envelope: the envelope it answers. */
  aboutEnvelopeId: EnvelopeId | null;
  /** OUT: the envelope XML; IN: the ZIP as received. */
  blobSha256: string;
  /** The name GİB sees (or sent), in the envelope's own case. */
  fileName: string | null;
  md5: string | null;
  status: string;
  gibCode: number | null;
  gibDescription: string | null;
  sentAt: string | null;
  responseAt: string | null;
  nextPollAt: string | null;
  createdAt: string;
  updatedAt: string;
}

function toEnvelope(r: Record<string, unknown>): EnvelopeRow {
  return {
    id: r.id as EnvelopeId,
    direction: r.direction as Direction,
    tenantId: r.tenant_id === null || r.tenant_id === undefined ? null : Number(r.tenant_id),
    type: String(r.type),
    elementType: (r.element_type as string | null) ?? null,
    senderVkn: (r.sender_vkn as string | null) ?? null,
    senderAlias: (r.sender_alias as string | null) ?? null,
    receiverVkn: (r.receiver_vkn as string | null) ?? null,
    receiverAlias: (r.receiver_alias as string | null) ?? null,
    aboutEnvelopeId: (r.about_envelope_id as EnvelopeId | null) ?? null,
    blobSha256: String(r.blob_sha256),
    fileName: (r.file_name as string | null) ?? null,
    md5: (r.md5 as string | null) ?? null,
    status: String(r.status),
    gibCode: r.gib_code === null || r.gib_code === undefined ? null : Number(r.gib_code),
    gibDescription: (r.gib_description as string | null) ?? null,
    sentAt: (r.sent_at as string | null) ?? null,
    responseAt: (r.response_at as string | null) ?? null,
    nextPollAt: (r.next_poll_at as string | null) ?? null,
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

export async function envelopeById(q: Queryable, id: EnvelopeId, direction: Direction): Promise<EnvelopeRow | null> {
  const row = await selectFirst(q, 'select * from envelopes where id = ? and direction = ?', [id, direction]);
  return row ? toEnvelope(row) : null;
}

export interface Party {
  vknTckn: string | null;
  alias: string | null;
}

/** An envelope we send, in CREATED. */
export async function insertOutgoing(
  q: Queryable,
  e: { id: EnvelopeId; tenantId: number | null; type: string; elementType: string; sender: Party; receiver: Party; aboutEnvelopeId: EnvelopeId | null; blobSha256: string; fileName: string; at: string },
): Promise<void> {
  await execute(
    q,
    `insert into envelopes (id, direction, tenant_id, type, element_type, sender_vkn, sender_alias, receiver_vkn, receiver_alias,
       about_envelope_id, blob_sha256, file_name, status, created_at, updated_at) values (?, 'OUT', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'CREATED', ?, ?)`,
    [e.id, e.tenantId, e.type, e.elementType, e.sender.vknTckn, e.sender.alias, e.receiver.vknTckn, e.receiver.alias, e.aboutEnvelopeId, e.blobSha256, e.fileName, e.at, e.at],
  );
}

/** An envelope GİB pushed, in RECEIVED (its content is read later). */
export async function insertIncoming(q: Queryable, e: { id: EnvelopeId; blobSha256: string; fileName: string; md5: string; at: string }): Promise<void> {
  await execute(
    q,
    `insert into envelopes (id, direction, tenant_id, type, blob_sha256, file_name, md5, status, created_at, updated_at)
     values (?, 'IN', null, 'UNKNOWN', ?, ?, ?, 'RECEIVED', ?, ?)`,
    [e.id, e.blobSha256, e.fileName, e.md5, e.at, e.at],
  );
}

/** CREATED → SENT; false when it was not CREATED any more. */
export async function markSent(q: Queryable, id: EnvelopeId, s: { fileName: string; md5: string; at: string; nextPollAt: string | null }): Promise<boolean> {
  // GİB's answers may have come before the send was recorded (response_at set): their poll time stands.
  const updated = await execute(
    q,
    `update envelopes set status = 'SENT', file_name = ?, md5 = ?, sent_at = ?,
       next_poll_at = case when response_at is null then ? else next_poll_at end, updated_at = ?
     where id = ? and direction = 'OUT' and status = 'CREATED'`,
    [s.fileName, s.md5, s.at, s.nextPollAt, s.at, id],
  );
  return updated === 1;
}

/** CREATED → FAILED with GİB's refusal; false when it was not CREATED any more. */
export async function markRefusedByGib(q: Queryable, id: EnvelopeId, r: { gibCode: number | null; description: string; at: string }): Promise<boolean> {
  const updated = await q('envelopes')
    .where({ id, direction: 'OUT', status: 'CREATED' })
    .update({ status: 'FAILED', gib_code: r.gibCode, gib_description: r.description.slice(0, 1000), updated_at: r.at });
  return updated === 1;
}

/** What a processed incoming envelope turned out to be. */
export interface IncomingOutcome {
  status: 'PROCESSED' | 'REFUSED';
  type: string;
  elementType: string | null;
  sender: Party;
  receiver: Party;
  tenantId: number | null;
  gibCode: number | null;
  gibDescription: string | null;
  /** When we answered it (null: not answered). */
  responseAt: string | null;
  at: string;
}

/** RECEIVED → PROCESSED | REFUSED; false when another run got there first. */
export async function markIncomingDone(q: Queryable, id: EnvelopeId, o: IncomingOutcome): Promise<boolean> {
  const updated = await execute(
    q,
    `update envelopes set status = ?, type = ?, element_type = ?, sender_vkn = ?, sender_alias = ?, receiver_vkn = ?, receiver_alias = ?,
       tenant_id = ?, gib_code = ?, gib_description = ?, response_at = ?, updated_at = ?
     where id = ? and direction = 'IN' and status = 'RECEIVED'`,
    [o.status, o.type, o.elementType, o.sender.vknTckn, o.sender.alias, o.receiver.vknTckn, o.receiver.alias, o.tenantId, o.gibCode, o.gibDescription, o.responseAt, o.at, id],
  );
  return updated === 1;
}

/** The last GİB status heard about an envelope we sent, and when to poll it next (null: not any more). */
export async function recordGibStatus(q: Queryable, id: EnvelopeId, s: { code: number; description: string; at: string; nextPollAt: string | null }): Promise<void> {
  await execute(
    q,
    "update envelopes set gib_code = ?, gib_description = ?, response_at = ?, next_poll_at = ?, updated_at = ? where id = ? and direction = 'OUT'",
    [s.code, s.description.slice(0, 1000), s.at, s.nextPollAt, s.at, id],
  );
}

/** Sent envelopes whose poll is due. */
export async function dueForPoll(q: Queryable, now: string, limit: number): Promise<Array<{ id: EnvelopeId; fileName: string | null }>> {
  const rows = await reading(q)('envelopes')
    .where({ direction: 'OUT', status: 'SENT' })
    .whereNotNull('next_poll_at')
    .andWhere('next_poll_at', '<=', now)
    .orderBy('next_poll_at')
    .limit(limit)
    .select('id', 'file_name');
  return rows.map((r) => ({ id: r.id as EnvelopeId, fileName: (r.file_name as string | null) ?? null }));
}

/** Moves a pending poll to `at` (an envelope no longer polled stays so). */
export async function postponePoll(q: Queryable, id: EnvelopeId, at: string): Promise<void> {
  await q('envelopes').where({ id, direction: 'OUT' }).whereNotNull('next_poll_at').update({ next_poll_at: at });
}

/** The blob of our latest system response to an envelope we received (what getApplicationResponse returns). */
export async function latestReplyTo(q: Queryable, aboutId: EnvelopeId): Promise<string | null> {
  const row = await reading(q)('envelopes')
    .where({ about_envelope_id: aboutId, direction: 'OUT', type: 'SYSTEMENVELOPE' })
    .orderBy('created_at', 'desc')
    .first('blob_sha256');
  return row ? String(row.blob_sha256) : null;
}

/** Records a system response; false when the same (system envelope, envelope) pair was recorded already. */
export async function insertGibResponse(
  q: Queryable,
  r: { systemEnvelopeId: EnvelopeId; aboutEnvelopeId: EnvelopeId; code: number; description: string; matched: boolean; at: string },
): Promise<boolean> {
  const inserted = await executeReturning(
    q,
    `insert into gib_responses (system_envelope_id, about_envelope_id, code, description, matched, received_at) values (?, ?, ?, ?, ?, ?)
     on conflict (system_envelope_id, about_envelope_id) do nothing returning id`,
    [r.systemEnvelopeId, r.aboutEnvelopeId, r.code, r.description.slice(0, 2000), r.matched, r.at],
  );
  return inserted.length > 0;
}

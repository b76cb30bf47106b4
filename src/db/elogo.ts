/**
 * e-Logo PostBoxService's rows (migration 011): sessions, kept by the SHA-256 of their id, and the inbox pull
 * loop's "done" marks.
 */
import { createHash } from 'node:crypto';
import { reading, type Queryable } from './connect';

const digest = (sessionId: string) => createHash('sha256').update(sessionId, 'utf8').digest('hex');

export async function insertSession(q: Queryable, s: { sessionId: string; userId: number; tenantId: number; createdAt: string; expiresAt: string }): Promise<void> {
  await q('elogo_sessions').insert({ id_sha256: digest(s.sessionId), user_id: s.userId, tenant_id: s.tenantId, created_at: s.createdAt, expires_at: s.expiresAt });
}

/** The session's caller while it has not expired; null otherwise (an expired one is deleted). */
export async function liveSession(q: Queryable, sessionId: string, now: string): Promise<{ userId: number; username: string; tenantId: number; tenantVkn: string } | null> {
  const row = await reading(q)('elogo_sessions')
    .join('users', 'users.id', 'elogo_sessions.user_id')
    .join('tenants', 'tenants.id', 'elogo_sessions.tenant_id')
    .where('elogo_sessions.id_sha256', digest(sessionId))
    .first('elogo_sessions.expires_at', 'users.id as user_id', 'users.username', 'tenants.id as tenant_id', 'tenants.vkn');
  if (!row) return null;
  if (String(row.expires_at) <= now) {
    await q('elogo_sessions').where({ id_sha256: digest(sessionId) }).delete();
    return null;
  }
  return { userId: Number(row.user_id), username: String(row.username), tenantId: Number(row.tenant_id), tenantVkn: String(row.vkn) };
}

/** Slides the session's expiry (each call keeps it alive). */
export async function touchSession(q: Queryable, sessionId: string, expiresAt: string): Promise<void> {
  await q('elogo_sessions').where({ id_sha256: digest(sessionId) }).update({ expires_at: expiresAt });
}

export async function deleteSession(q: Queryable, sessionId: string): Promise<boolean> {
  return (await q('elogo_sessions').where({ id_sha256: digest(sessionId) }).delete()) > 0;
}

export async function pulledUuids(q: Queryable, tenantId: number, kind: string): Promise<Set<string>> {
  const rows = await reading(q)('elogo_pulled').where({ tenant_id: tenantId, kind }).select('uuid');
  return new Set(rows.map((r: { uuid: string }) => String(r.uuid).toLowerCase()));
}

export async function markPulled(q: Queryable, p: { tenantId: number; kind: string; uuid: string; at: string }): Promise<void> {
  await q('elogo_pulled').insert({ tenant_id: p.tenantId, kind: p.kind, uuid: p.uuid.toLowerCase(), done_at: p.at }).onConflict(['tenant_id', 'kind', 'uuid']).ignore();
}

/** An incoming envelope the pull loop hands out from: its ZIP (blob) and addresses. */
export interface PulledEnvelope {
  id: string;
  blobSha256: string;
  fileName: string | null;
  md5: string | null;
  senderAlias: string | null;
  receiverAlias: string | null;
  createdAt: string;
}

function pulledEnvelope(r: Record<string, unknown>): PulledEnvelope {
  return {
    id: String(r.id),
    blobSha256: String(r.blob_sha256),
    fileName: (r.file_name as string | null) ?? null,
    md5: (r.md5 as string | null) ?? null,
    senderAlias: (r.sender_alias as string | null) ?? null,
    receiverAlias: (r.receiver_alias as string | null) ?? null,
    createdAt: String(r.created_at),
  };
}

/**
 * The tenant's received responses, oldest first: KABUL/RED to its invoices (POSTBOXENVELOPEs addressed to it) or
 * system responses about the envelopes it sent (SYSTEMENVELOPEs, found through the responses recorded for them).
 */
export async function responseEnvelopesOf(q: Queryable, tenantId: number, kind: 'APPLICATIONRESPONSE' | 'SYSTEMRESPONSE', limit = 1000): Promise<PulledEnvelope[]> {
  const r = reading(q);
  const rows =
    kind === 'APPLICATIONRESPONSE'
      ? await r('envelopes').where({ direction: 'IN', status: 'PROCESSED', type: 'POSTBOXENVELOPE', tenant_id: tenantId }).orderBy(['created_at', 'id']).limit(limit)
      : await r('envelopes as e')
          .whereIn(
            'e.id',
            r('gib_responses as g').join('envelopes as o', function () {
              this.on('o.id', '=', 'g.about_envelope_id').andOn('o.direction', '=', r.raw('?', ['OUT']));
            }).where('o.tenant_id', tenantId).select('g.system_envelope_id'),
          )
          .andWhere({ 'e.direction': 'IN', 'e.type': 'SYSTEMENVELOPE' })
          .orderBy(['e.created_at', 'e.id'])
          .limit(limit)
          .select('e.*');
  return rows.map(pulledEnvelope);
}

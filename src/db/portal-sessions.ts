/**
 * The web portal's sessions (migration 012): the cookie's value is never stored, only its SHA-256.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from './connect';

const digest = (sessionId: string) => createHash('sha256').update(sessionId, 'utf8').digest('hex');

export interface PortalSessionRow {
  userId: number;
  username: string;
  tenantId: number;
  tenantVkn: string;
  tenantTitle: string;
  csrfToken: string;
  expiresAt: string;
  endsAt: string;
  flash: string | null;
}

export async function insertPortalSession(
  q: Queryable,
  s: { sessionId: string; userId: number; tenantId: number; csrfToken: string; createdAt: string; expiresAt: string; endsAt: string },
): Promise<void> {
  await q('portal_sessions').insert({
    id_sha256: digest(s.sessionId),
    user_id: s.userId,
    tenant_id: s.tenantId,
    csrf_token: s.csrfToken,
    created_at: s.createdAt,
    expires_at: s.expiresAt,
    ends_at: s.endsAt,
  });
}

/**
 * The session while it lives (idle and absolute expiry both after `now`), with its user and tenant; a session whose
 * user now belongs to another tenant, or that has expired, is deleted and gives null.
 */
export async function livePortalSession(q: Queryable, sessionId: string, now: string): Promise<PortalSessionRow | null> {
  const row = await q('portal_sessions as s')
    .join('users as u', 'u.id', 's.user_id')
    .join('tenants as t', 't.id', 's.tenant_id')
    .where('s.id_sha256', digest(sessionId))
    .first('s.csrf_token', 's.expires_at', 's.ends_at', 's.flash', 's.tenant_id', 'u.tenant_id as user_tenant_id', 'u.id as user_id', 'u.username', 't.vkn', 't.title');
  if (!row) return null;
  if (String(row.expires_at) <= now || String(row.ends_at) <= now || Number(row.user_tenant_id) !== Number(row.tenant_id)) {
    await deletePortalSession(q, sessionId);
    return null;
  }
  return {
    userId: Number(row.user_id),
    username: String(row.username),
    tenantId: Number(row.tenant_id),
    tenantVkn: String(row.vkn),
    tenantTitle: String(row.title ?? ''),
    csrfToken: String(row.csrf_token),
    expiresAt: String(row.expires_at),
    endsAt: String(row.ends_at),
    flash: (row.flash as string | null) ?? null,
  };
}

/** Slides the idle expiry and sets (or clears, with null) the message for the next page. */
export async function updatePortalSession(q: Queryable, sessionId: string, changes: { expiresAt?: string; flash?: string | null }): Promise<void> {
  const set: Record<string, unknown> = {};
  if (changes.expiresAt !== undefined) set.expires_at = changes.expiresAt;
  if (changes.flash !== undefined) set.flash = changes.flash;
  if (Object.keys(set).length) await q('portal_sessions').where({ id_sha256: digest(sessionId) }).update(set);
}

export async function deletePortalSession(q: Queryable, sessionId: string): Promise<boolean> {
  return (await q('portal_sessions').where({ id_sha256: digest(sessionId) }).delete()) > 0;
}

/** Expired sessions (idle or absolute) of everyone: removed now and then by the portal. */
export async function deleteExpiredPortalSessions(q: Queryable, now: string): Promise<number> {
  return q('portal_sessions').where('expires_at', '<=', now).orWhere('ends_at', '<=', now).delete();
}

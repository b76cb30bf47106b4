/**
 * Portal sessions: a random 256-bit id in a cookie (HttpOnly, SameSite=Strict, Secure unless configured off), kept in
 * the database only as its SHA-256 so that every gateway process shares them and a database dump opens none. Each
 * session has its own CSRF token, put into every form the portal writes and checked on every POST.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { deleteExpiredPortalSessions, deletePortalSession, insertPortalSession, livePortalSession, updatePortalSession } from '../db/portal-sessions';
import type { Caller } from '../security/authenticator';

export const SESSION_COOKIE = 'oe_portal';
/** Before login there is no session: the login form's token is a cookie of its own (double submit). */
export const LOGIN_CSRF_COOKIE = 'oe_portal_giris';

export interface PortalSession {
  id: string;
  caller: Caller;
  tenantTitle: string;
  csrfToken: string;
  /** The one-shot message left for this page by the previous action (then cleared). */
  flash: Flash | null;
}

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function createPortalSessions(deps: { db: Knex; clock: () => Date; sessionMinutes: number; sessionMaxHours: number }) {
  const { db, clock } = deps;
  const idleMs = deps.sessionMinutes * 60_000;
  let nextSweep = 0;

  return {
    idleMs,

    async open(caller: Caller): Promise<{ id: string; csrfToken: string }> {
      const now = clock();
      const id = newToken();
      const csrfToken = newToken();
      await insertPortalSession(db, {
        sessionId: id,
        userId: caller.userId,
        tenantId: caller.tenantId,
        csrfToken,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + idleMs).toISOString(),
        endsAt: new Date(now.getTime() + deps.sessionMaxHours * 3_600_000).toISOString(),
      });
      return { id, csrfToken };
    },

    /** The live session of a cookie's value (its idle expiry slid forward, its flash taken), or null. */
    async resolve(id: string): Promise<PortalSession | null> {
      const now = clock();
      if (now.getTime() > nextSweep) {
        nextSweep = now.getTime() + 10 * 60_000;
        await deleteExpiredPortalSessions(db, now.toISOString());
      }
      const row = await livePortalSession(db, id, now.toISOString());
      if (!row) return null;
      const expiresAt = new Date(now.getTime() + idleMs).toISOString();
      // Slide only when a minute has passed: a page with many requests writes once.
      const slide = Date.parse(row.expiresAt) - now.getTime() < idleMs - 60_000;
      if (slide || row.flash !== null) await updatePortalSession(db, id, { ...(slide ? { expiresAt } : {}), ...(row.flash !== null ? { flash: null } : {}) });
      return {
        id,
        caller: { userId: row.userId, username: row.username, tenantId: row.tenantId, tenantVkn: row.tenantVkn },
        tenantTitle: row.tenantTitle,
        csrfToken: row.csrfToken,
        flash: row.flash ? (JSON.parse(row.flash) as Flash) : null,
      };
    },

    async flash(id: string, flash: Flash): Promise<void> {
      await updatePortalSession(db, id, { flash: JSON.stringify(flash) });
    },

    async close(id: string): Promise<void> {
      await deletePortalSession(db, id);
    },
  };
}

export type PortalSessions = ReturnType<typeof createPortalSessions>;

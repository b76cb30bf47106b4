import type { Knex } from 'knex';
import { setLoginFailures, userLogin } from '../db/tenants';
import { GatewayError } from '../faults';
import { verifyPassword } from './passwords';
import type { SecretBox } from './secret-box';
import { digestMatches, type UsernameToken } from './wsse';

export interface Caller {
  userId: number;
  username: string;
  tenantId: number;
  tenantVkn: string;
}

export interface AuthenticatorOptions {
  db: Knex;
  secretBox: SecretBox;
  clock: () => Date;
  allowPasswordText: boolean;
  windowSeconds: number;
  maxFailures: number;
  lockMinutes: number;
  /** How long a verified user's row and opened secret are reused; a failed attempt always reads the database. */
  cacheMs?: number;
}

interface CachedUser {
  caller: Caller;
  passwordHash: string;
  secret: string;
  failedAttempts: number;
  lockedUntil: string | null;
  loadedAt: number;
}

/**
 * Checks a UsernameToken: Created inside the window, PasswordDigest (or PasswordText when configured) correct, nonce
 * never seen in the window, user not locked. Every wrong password counts; `maxFailures` in a row lock the user for
 * `lockMinutes`. An unknown user and a wrong password get the same fault.
 */
export function createAuthenticator(opts: AuthenticatorOptions) {
  const cacheMs = opts.cacheMs ?? 30_000;
  const cache = new Map<string, CachedUser>();
  const nonces = new Map<string, number>(); // `${user}\n${nonce}` → forget after (ms)
  let nextPrune = 0;

  async function loadUser(username: string): Promise<CachedUser | null> {
    const hit = cache.get(username);
    const now = Date.now();
    if (hit && now - hit.loadedAt < cacheMs) return hit;
    const row = await userLogin(opts.db, username);
    if (!row) return null;
    const user: CachedUser = {
      caller: { userId: row.id, username: row.username, tenantId: row.tenantId, tenantVkn: row.tenantVkn },
      passwordHash: row.passwordHash,
      secret: opts.secretBox.open(row.passwordSealed),
      failedAttempts: row.failedAttempts,
      lockedUntil: row.lockedUntil,
      loadedAt: now,
    };
    cache.set(username, user);
    return user;
  }

  async function recordFailure(user: CachedUser, now: Date): Promise<void> {
    cache.delete(user.caller.username);
    const failures = user.failedAttempts + 1;
    const lock = failures >= opts.maxFailures ? new Date(now.getTime() + opts.lockMinutes * 60_000).toISOString() : null;
    await setLoginFailures(opts.db, user.caller.userId, lock ? 0 : failures, lock ?? user.lockedUntil);
  }

  function refuseIfLocked(user: CachedUser, now: Date): void {
    if (user.lockedUntil && user.lockedUntil > now.toISOString()) {
      cache.delete(user.caller.username);
      throw new GatewayError('AUTH_LOCKED', { until: user.lockedUntil });
    }
  }

  /** A good password ends a run of failures (and a lock that has run out). */
  async function succeeded(user: CachedUser): Promise<Caller> {
    if (user.failedAttempts > 0 || user.lockedUntil) {
      user.failedAttempts = 0;
      user.lockedUntil = null;
      await setLoginFailures(opts.db, user.caller.userId, 0, null);
    }
    return user.caller;
  }

  function rememberNonce(key: string, until: number, now: number): boolean {
    if (now > nextPrune) {
      for (const [k, exp] of nonces) if (exp < now) nonces.delete(k);
      nextPrune = now + 10_000;
    }
    const seen = nonces.get(key);
    if (seen !== undefined && seen >= now) return false;
    nonces.set(key, until);
    return true;
  }

  return {
    /**
     * A user name and a plain password (e-Logo's PostBoxService Login): the same user, lockout and failure counting
     * as a UsernameToken; AUTH_FAILED or AUTH_LOCKED.
     */
    async login(username: string, password: string): Promise<Caller> {
      const now = opts.clock();
      const user = await loadUser(username);
      if (!user) throw new GatewayError('AUTH_FAILED');
      refuseIfLocked(user, now);
      if (!(await verifyPassword(password, user.passwordHash))) {
        await recordFailure(user, now);
        throw new GatewayError('AUTH_FAILED');
      }
      return succeeded(user);
    },

    async authenticate(token: UsernameToken | null): Promise<Caller> {
      if (!token) throw new GatewayError('AUTH_MISSING');
      const now = opts.clock();
      const windowMs = opts.windowSeconds * 1000;
      let createdMs: number | null = null;
      if (token.created) {
        createdMs = Date.parse(token.created);
        if (Number.isNaN(createdMs) || Math.abs(now.getTime() - createdMs) > windowMs) throw new GatewayError('AUTH_EXPIRED');
      }
      if (token.type === 'text' && !opts.allowPasswordText) throw new GatewayError('AUTH_TEXT_DISABLED');
      if (token.type === 'digest' && (!token.nonce || createdMs === null)) throw new GatewayError('AUTH_FAILED');

      const user = await loadUser(token.username);
      if (!user) throw new GatewayError('AUTH_FAILED');
      refuseIfLocked(user, now);
      const ok =
        token.type === 'digest' ? digestMatches(token, user.secret) : await verifyPassword(token.password, user.passwordHash);
      if (!ok) {
        await recordFailure(user, now);
        throw new GatewayError('AUTH_FAILED');
      }
      if (token.nonce && !rememberNonce(`${token.username}\n${token.nonce}`, (createdMs ?? now.getTime()) + windowMs, now.getTime())) {
        throw new GatewayError('AUTH_REPLAY');
      }
      return succeeded(user);
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;

/**
 * The `tenants` and `users` tables: the companies the gateway serves and the users their ERPs log in as.
 */
import { insertedId, reading, type Queryable } from './connect';
import { selectFirst } from './sql';
import type { ArithmeticPolicy } from '../validation';

export interface TenantRow {
  id: number;
  /** VKN (10 digits) or TCKN (11). */
  vkn: string;
  title: string;
  gbAlias: string;
  pkAlias: string;
  efaturaSeries: string;
  earsivSeries: string;
  /** The tenant's own signer setting (JSON of GW_SIGNER's shape); null: the gateway's default. */
  signerConfig: string | null;
  /** What the gateway's own arithmetic checks do with an inconsistent invoice (src/validation): warn or refuse. */
  arithmeticPolicy: ArithmeticPolicy;
  /** Where the tenant's notices go (service activation, payments); null: none. */
  email: string | null;
  /** A public-sector (kamu) taxpayer: GİB's UserOptionCodes differ (src/gib/protocol/user-account.ts). */
  publicSector: boolean;
}

export type NewTenantRow = Omit<TenantRow, 'id' | 'signerConfig' | 'arithmeticPolicy' | 'email' | 'publicSector'> & {
  createdAt: string;
  arithmeticPolicy?: ArithmeticPolicy;
  email?: string | null;
  publicSector?: boolean;
};

function toTenant(r: Record<string, unknown>): TenantRow {
  return {
    id: Number(r.id),
    vkn: String(r.vkn),
    title: String(r.title),
    gbAlias: String(r.gb_alias),
    pkAlias: String(r.pk_alias),
    efaturaSeries: String(r.efatura_series),
    earsivSeries: String(r.earsiv_series),
    signerConfig: (r.signer_config as string | null) ?? null,
    arithmeticPolicy: r.arithmetic_policy === 'refuse' ? 'refuse' : 'warn',
    email: (r.email as string | null) ?? null,
    publicSector: r.public_sector === true || r.public_sector === 1,
  };
}

export async function insertTenant(q: Queryable, t: NewTenantRow): Promise<TenantRow> {
  const [row] = await q('tenants')
    .insert({
      vkn: t.vkn,
      title: t.title,
      gb_alias: t.gbAlias,
      pk_alias: t.pkAlias,
      efatura_series: t.efaturaSeries,
      earsiv_series: t.earsivSeries,
      arithmetic_policy: t.arithmeticPolicy ?? 'warn',
      email: t.email ?? null,
      public_sector: t.publicSector ?? false,
      created_at: t.createdAt,
    })
    .returning('*');
  return toTenant(row);
}

export async function tenantById(q: Queryable, id: number): Promise<TenantRow | null> {
  const row = await selectFirst(q, 'select * from tenants where id = ?', [id]);
  return row ? toTenant(row) : null;
}

export async function tenantByVkn(q: Queryable, vkn: string): Promise<TenantRow | null> {
  const row = await selectFirst(q, 'select * from tenants where vkn = ?', [vkn]);
  return row ? toTenant(row) : null;
}

export async function listTenants(q: Queryable): Promise<TenantRow[]> {
  return (await reading(q)('tenants').orderBy('id')).map(toTenant);
}

/** Whether any tenant has `alias` (compared without regard to case) as its GB or PK alias. */
export async function aliasIsOurs(q: Queryable, role: 'GB' | 'PK', alias: string): Promise<boolean> {
  const column = role === 'GB' ? 'gb_alias' : 'pk_alias';
  return Boolean(await reading(q)('tenants').whereRaw(`lower(${column}) = ?`, [alias.trim().toLowerCase()]).first('id'));
}

/** Sets a tenant's arithmetic policy; false when no tenant has the VKN. */
export async function setArithmeticPolicy(q: Queryable, vkn: string, policy: ArithmeticPolicy): Promise<boolean> {
  return (await q('tenants').where({ vkn }).update({ arithmetic_policy: policy })) > 0;
}

/** Sets where a tenant's notices go; false when no tenant has the VKN. */
export async function setEmail(q: Queryable, vkn: string, email: string | null): Promise<boolean> {
  return (await q('tenants').where({ vkn }).update({ email })) > 0;
}

/** Sets a tenant's own signer; false when no tenant has the VKN. */
export async function setSignerConfig(q: Queryable, vkn: string, json: string): Promise<boolean> {
  return (await q('tenants').where({ vkn }).update({ signer_config: json })) > 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Users

/** A user as login needs it: its secrets, its lockout and its tenant. */
export interface UserLogin {
  id: number;
  username: string;
  tenantId: number;
  tenantVkn: string;
  /** scrypt */
  passwordHash: string;
  /** AES-256-GCM, for PasswordDigest. */
  passwordSealed: string;
  failedAttempts: number;
  lockedUntil: string | null;
}

export async function insertUser(
  q: Queryable,
  u: { tenantId: number; username: string; passwordHash: string; passwordSealed: string; createdAt: string },
): Promise<{ id: number; username: string }> {
  const returned = await q('users')
    .insert({
      tenant_id: u.tenantId,
      username: u.username,
      password_hash: u.passwordHash,
      password_sealed: u.passwordSealed,
      failed_attempts: 0,
      created_at: u.createdAt,
    })
    .returning('id');
  return { id: insertedId(returned), username: u.username };
}

export async function userLogin(q: Queryable, username: string): Promise<UserLogin | null> {
  const row = await reading(q)('users')
    .join('tenants', 'tenants.id', 'users.tenant_id')
    .where('users.username', username)
    .first(
      'users.id',
      'users.username',
      'users.tenant_id',
      'users.password_hash',
      'users.password_sealed',
      'users.failed_attempts',
      'users.locked_until',
      'tenants.vkn',
    );
  if (!row) return null;
  return {
    id: Number(row.id),
    username: String(row.username),
    tenantId: Number(row.tenant_id),
    tenantVkn: String(row.vkn),
    passwordHash: String(row.password_hash),
    passwordSealed: String(row.password_sealed),
    failedAttempts: Number(row.failed_attempts),
    lockedUntil: (row.locked_until as string | null) ?? null,
  };
}

/** Records the lockout state after a login: failures in a row and the lock, if any. */
export async function setLoginFailures(q: Queryable, userId: number, failedAttempts: number, lockedUntil: string | null): Promise<void> {
  await q('users').where({ id: userId }).update({ failed_attempts: failedAttempts, locked_until: lockedUntil });
}

/** Clears a user's lock and failures; false when there is no such user. */
export async function unlockUser(q: Queryable, username: string): Promise<boolean> {
  return (await q('users').where({ username }).update({ failed_attempts: 0, locked_until: null })) > 0;
}

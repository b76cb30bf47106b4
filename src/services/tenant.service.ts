import type { Knex } from 'knex';
import { GatewayError } from '../faults';
import { hashPassword } from '../security/passwords';
import type { SecretBox } from '../security/secret-box';

export interface NewTenant {
  vkn: string;
  title: string;
  gbAlias?: string;
  pkAlias?: string;
  efaturaSeries?: string;
  earsivSeries?: string;
}

export interface Tenant {
  id: number;
  vkn: string;
  title: string;
  gbAlias: string;
  pkAlias: string;
  efaturaSeries: string;
  earsivSeries: string;
}

const VKN_TCKN = /^(\d{10}|\d{11})$/;
const SERIES = /^[A-Z0-9]{3}$/;

function toTenant(row: Record<string, unknown>): Tenant {
  return {
    id: Number(row.id),
    vkn: String(row.vkn),
    title: String(row.title),
    gbAlias: String(row.gb_alias),
    pkAlias: String(row.pk_alias),
    efaturaSeries: String(row.efatura_series),
    earsivSeries: String(row.earsiv_series),
  };
}

/** Tenants (companies) and their users; used by the CLI and by tests. */
export function createTenantService(deps: { db: Knex; secretBox: SecretBox; clock: () => Date }) {
  const { db } = deps;
  return {
    async createTenant(input: NewTenant): Promise<Tenant> {
      if (!VKN_TCKN.test(input.vkn)) throw new GatewayError('REQUEST_FIELD', { field: 'vkn (10 haneli VKN veya 11 haneli TCKN)' });
      if (!input.title.trim()) throw new GatewayError('REQUEST_FIELD', { field: 'title' });
      for (const [field, value] of [['efaturaSeries', input.efaturaSeries], ['earsivSeries', input.earsivSeries]] as const) {
        if (value !== undefined && !SERIES.test(value)) throw new GatewayError('REQUEST_FIELD', { field });
      }
      const domain = `${input.vkn}.gateway.local`;
      const [row] = await db('tenants')
        .insert({
          vkn: input.vkn,
          title: input.title.trim(),
          gb_alias: input.gbAlias ?? `urn:mail:defaultgb@${domain}`,
          pk_alias: input.pkAlias ?? `urn:mail:defaultpk@${domain}`,
          efatura_series: input.efaturaSeries ?? 'EFT',
          earsiv_series: input.earsivSeries ?? 'EAR',
          created_at: deps.clock().toISOString(),
        })
        .returning('*');
      return toTenant(row);
    },

    async findTenantByVkn(vkn: string): Promise<Tenant | null> {
      const row = await db('tenants').where({ vkn }).first();
      return row ? toTenant(row) : null;
    },

    async getTenant(id: number): Promise<Tenant> {
      const row = await db('tenants').where({ id }).first();
      if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
      return toTenant(row);
    },

    async listTenants(): Promise<Tenant[]> {
      return (await db('tenants').orderBy('id')).map(toTenant);
    },

    async createUser(tenantId: number, username: string, password: string): Promise<{ id: number; username: string }> {
      if (!/^[A-Za-z0-9._@-]{3,100}$/.test(username)) throw new GatewayError('REQUEST_FIELD', { field: 'username' });
      if (password.length < 10) throw new GatewayError('REQUEST_FIELD', { field: 'password (en az 10 karakter)' });
      const [row] = await db('users')
        .insert({
          tenant_id: tenantId,
          username,
          password_hash: await hashPassword(password),
          password_sealed: deps.secretBox.seal(password),
          failed_attempts: 0,
          created_at: deps.clock().toISOString(),
        })
        .returning(['id', 'username']);
      return { id: Number(row.id), username: row.username };
    },

    async unlockUser(username: string): Promise<boolean> {
      return (await db('users').where({ username }).update({ failed_attempts: 0, locked_until: null })) > 0;
    },
  };
}

export type TenantService = ReturnType<typeof createTenantService>;

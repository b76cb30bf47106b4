import type { Knex } from 'knex';
import * as tenantRows from '../db/tenants';
import { GatewayError } from '../faults';
import { isMailAddress } from '../notify/mail-queue';
import { hashPassword } from '../security/passwords';
import type { SecretBox } from '../security/secret-box';
import type { ArithmeticPolicy } from '../validation';

export interface NewTenant {
  vkn: string;
  title: string;
  gbAlias?: string;
  pkAlias?: string;
  efaturaSeries?: string;
  earsivSeries?: string;
  /** What the gateway's own arithmetic checks do with an inconsistent invoice; default warn. */
  arithmeticPolicy?: ArithmeticPolicy;
  /** Where notices go (service activation, payments). */
  email?: string;
  publicSector?: boolean;
}

/** An address the mail queue accepts (src/notify: what SMTP's RCPT TO takes), else REQUEST_FIELD. */
function emailAddress(value: string): string {
  const v = value.trim();
  if (!isMailAddress(v) || v.length > 200) throw new GatewayError('REQUEST_FIELD', { field: 'email' }); // tenants.email holds 200
  return v;
}

/** The policy as given (CLI, API): warn or refuse, else REQUEST_FIELD. */
function arithmeticPolicy(value: string): ArithmeticPolicy {
  if (value !== 'warn' && value !== 'refuse') throw new GatewayError('REQUEST_FIELD', { field: 'arithmeticPolicy (warn veya refuse)' });
  return value;
}

export type Tenant = Omit<tenantRows.TenantRow, 'signerConfig'>;

function toTenant(row: tenantRows.TenantRow): Tenant {
  const { signerConfig: _secretless, ...tenant } = row;
  return tenant;
}

const VKN_TCKN = /^(\d{10}|\d{11})$/;
const SERIES = /^[A-Z0-9]{3}$/;

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
      const row = await tenantRows.insertTenant(db, {
        vkn: input.vkn,
        title: input.title.trim(),
        gbAlias: input.gbAlias ?? `urn:mail:defaultgb@${domain}`,
        pkAlias: input.pkAlias ?? `urn:mail:defaultpk@${domain}`,
        efaturaSeries: input.efaturaSeries ?? 'EFT',
        earsivSeries: input.earsivSeries ?? 'EAR',
        arithmeticPolicy: arithmeticPolicy(input.arithmeticPolicy ?? 'warn'),
        email: input.email !== undefined ? emailAddress(input.email) : null,
        publicSector: input.publicSector ?? false,
        createdAt: deps.clock().toISOString(),
      });
      return toTenant(row);
    },

    async findTenantByVkn(vkn: string): Promise<Tenant | null> {
      const row = await tenantRows.tenantByVkn(db, vkn);
      return row ? toTenant(row) : null;
    },

    async getTenant(id: number): Promise<Tenant> {
      const row = await tenantRows.tenantById(db, id);
      if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
      return toTenant(row);
    },

    async listTenants(): Promise<Tenant[]> {
      return (await tenantRows.listTenants(db)).map(toTenant);
    },

    /** Sets what the arithmetic checks do for a tenant's invoices from its next SendInvoice on; false when no tenant has the VKN. */
    async setArithmeticPolicy(vkn: string, policy: string): Promise<boolean> {
      return tenantRows.setArithmeticPolicy(db, vkn, arithmeticPolicy(policy));
    },

    /** Sets where a tenant's notices go; false when no tenant has the VKN. */
    async setEmail(vkn: string, email: string | null): Promise<boolean> {
      return tenantRows.setEmail(db, vkn, email === null ? null : emailAddress(email));
    },

    /** Gives a tenant its own signer (JSON of GW_SIGNER's shape); false when no tenant has the VKN. */
    async setSigner(vkn: string, setting: unknown): Promise<boolean> {
      return tenantRows.setSignerConfig(db, vkn, JSON.stringify(setting));
    },

    async createUser(tenantId: number, username: string, password: string): Promise<{ id: number; username: string }> {
      if (!/^[A-Za-z0-9._@-]{3,100}$/.test(username)) throw new GatewayError('REQUEST_FIELD', { field: 'username' });
      if (password.length < 10) throw new GatewayError('REQUEST_FIELD', { field: 'password (en az 10 karakter)' });
      return tenantRows.insertUser(db, {
        tenantId,
        username,
        passwordHash: await hashPassword(password),
        passwordSealed: deps.secretBox.seal(password),
        createdAt: deps.clock().toISOString(),
      });
    },

    async unlockUser(username: string): Promise<boolean> {
      return tenantRows.unlockUser(db, username);
    },
  };
}

export type TenantService = ReturnType<typeof createTenantService>;

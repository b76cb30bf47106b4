/**
 * A tenant's services (migration 010, driven by the activation machine) and the electronic contracts the customer
 * signs for them. Not a hot path: knex's builder.
 */
import type { Knex } from 'knex';
import { parseJson, reading, type Queryable } from './connect';

export interface TenantServiceRow {
  id: number;
  tenantId: number;
  service: string;
  state: string;
  version: number;
  context: Record<string, unknown>;
  orderedAt: string;
  /** Hizmet Açılış Tarihi: when the paid service was opened to the tenant. */
  openedAt: string | null;
  /** Aktivasyon Tarihi: the date chosen while waiting, the date reached once Aktif. */
  activationAt: string | null;
  envelopeId: string | null;
  updatedAt: string;
}

function toRow(r: Record<string, unknown>): TenantServiceRow {
  return {
    id: Number(r.id),
    tenantId: Number(r.tenant_id),
    service: String(r.service),
    state: String(r.state),
    version: Number(r.version),
    context: parseJson(r.context, {}),
    orderedAt: String(r.ordered_at),
    openedAt: (r.opened_at as string | null) ?? null,
    activationAt: (r.activation_at as string | null) ?? null,
    envelopeId: (r.envelope_id as string | null) ?? null,
    updatedAt: String(r.updated_at),
  };
}

export async function servicesOfTenant(q: Queryable, tenantId: number): Promise<TenantServiceRow[]> {
  return (await reading(q)('tenant_services').where({ tenant_id: tenantId }).orderBy('id')).map(toRow);
}

export async function serviceOfTenant(q: Queryable, tenantId: number, service: string): Promise<TenantServiceRow | null> {
  const row = await reading(q)('tenant_services').where({ tenant_id: tenantId, service }).first();
  return row ? toRow(row) : null;
}

export async function serviceById(q: Queryable, id: number): Promise<TenantServiceRow | null> {
  const row = await reading(q)('tenant_services').where({ id }).first();
  return row ? toRow(row) : null;
}

export async function servicesOfEnvelope(q: Queryable, envelopeId: string): Promise<TenantServiceRow[]> {
  return (await reading(q)('tenant_services').whereRaw('lower(envelope_id) = ?', [envelopeId.toLowerCase()]).orderBy('id')).map(toRow);
}

/** Inserts the service in the machine's initial state; the caller records its birth (store.recordCreated). */
export async function insertService(trx: Knex.Transaction, s: { tenantId: number; service: string; machine: string; state: string; context: Record<string, unknown>; at: string }): Promise<TenantServiceRow> {
  await trx('tenant_services').insert({
    tenant_id: s.tenantId,
    machine: s.machine,
    state: s.state,
    version: 1,
    context: JSON.stringify(s.context),
    service: s.service,
    ordered_at: s.at,
    created_at: s.at,
    updated_at: s.at,
  });
  return (await serviceOfTenant(trx, s.tenantId, s.service))!;
}

/** The columns beside the machine's own (state, version, context change only through the machine store). */
export async function setServiceDates(trx: Knex.Transaction, id: number, d: { orderedAt?: string; openedAt?: string | null; activationAt?: string | null; envelopeId?: string | null }): Promise<void> {
  const patch: Record<string, unknown> = {};
  if (d.orderedAt !== undefined) patch.ordered_at = d.orderedAt;
  if (d.openedAt !== undefined) patch.opened_at = d.openedAt;
  if (d.activationAt !== undefined) patch.activation_at = d.activationAt;
  if (d.envelopeId !== undefined) patch.envelope_id = d.envelopeId;
  if (Object.keys(patch).length > 0) await trx('tenant_services').where({ id }).update(patch);
}

// --- contracts ---

export interface ContractRow {
  id: number;
  tenantId: number;
  contractId: string;
  services: Array<{ service: string; activationAt: string | null }>;
  xmlSha256: string;
  state: 'ISSUED' | 'SIGNED' | 'SUPERSEDED';
  signedSha256: string | null;
  signer: string | null;
  createdAt: string;
  signedAt: string | null;
}

function toContract(r: Record<string, unknown>): ContractRow {
  return {
    id: Number(r.id),
    tenantId: Number(r.tenant_id),
    contractId: String(r.contract_id),
    services: parseJson(r.services, []),
    xmlSha256: String(r.xml_sha256),
    state: r.state as ContractRow['state'],
    signedSha256: (r.signed_sha256 as string | null) ?? null,
    signer: (r.signer as string | null) ?? null,
    createdAt: String(r.created_at),
    signedAt: (r.signed_at as string | null) ?? null,
  };
}

/** The tenant's contract waiting for its signature (at most one: issuing a new one supersedes the last). */
export async function openContract(q: Queryable, tenantId: number): Promise<ContractRow | null> {
  const row = await reading(q)('activation_contracts').where({ tenant_id: tenantId, state: 'ISSUED' }).orderBy('id', 'desc').first();
  return row ? toContract(row) : null;
}

export async function contractById(q: Queryable, tenantId: number, contractId: string): Promise<ContractRow | null> {
  const row = await reading(q)('activation_contracts').where({ tenant_id: tenantId, contract_id: contractId }).first();
  return row ? toContract(row) : null;
}

export async function issueContract(trx: Knex.Transaction, c: { tenantId: number; contractId: string; services: ContractRow['services']; xmlSha256: string; at: string }): Promise<void> {
  await trx('activation_contracts').where({ tenant_id: c.tenantId, state: 'ISSUED' }).update({ state: 'SUPERSEDED' });
  await trx('activation_contracts').insert({
    tenant_id: c.tenantId,
    contract_id: c.contractId,
    services: JSON.stringify(c.services),
    xml_sha256: c.xmlSha256,
    state: 'ISSUED',
    created_at: c.at,
  });
}

/** Marks the contract signed; false when it is no longer the one waiting (signed or superseded meanwhile). */
export async function markContractSigned(trx: Knex.Transaction, id: number, s: { signedSha256: string; signer: string; at: string }): Promise<boolean> {
  const n = await trx('activation_contracts').where({ id, state: 'ISSUED' }).update({ state: 'SIGNED', signed_sha256: s.signedSha256, signer: s.signer.slice(0, 400), signed_at: s.at });
  return n === 1;
}

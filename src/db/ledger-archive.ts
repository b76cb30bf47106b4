/**
 * The e-Defter archive's rows (migration 009): months (machine-driven), stored files by version, the tenant's hash
 * chain and its head, chunked uploads in progress, and the tenant's backup setting. Not a hot path: knex's builder.
 */
import { createHash } from 'node:crypto';
import { GatewayError } from '../faults';
import { dbClient, insertedId, parseJson, reading, type Queryable } from './connect';
import type { Knex } from 'knex';
import type { ArchiveKind } from '../ledger/archive-files';

export type ArchiveSource = 'PROGRAM' | 'GATEWAY';

export interface LedgerBackupRow {
  id: number;
  tenantId: number;
  state: string;
  version: number;
  context: Record<string, unknown>;
  period: string;
  createdAt: string;
  updatedAt: string;
}

export interface ArchiveFileRow {
  id: number;
  tenantId: number;
  backupId: number;
  period: string;
  setVersion: number;
  kind: ArchiveKind;
  part: number;
  fileName: string;
  objectKey: string;
  sha256: string;
  sizeBytes: number;
  source: ArchiveSource;
  storedAt: string;
  retainUntil: string;
  storeLocked: boolean;
  deletedAt: string | null;
}

export interface ChainEntry {
  tenantId: number;
  seq: number;
  action: 'STORE' | 'DELETE';
  fileId: number;
  period: string;
  setVersion: number;
  fileName: string;
  sha256: string;
  sizeBytes: number;
  retainUntil: string;
  at: string;
  prevHash: string;
  entryHash: string;
}

export interface UploadRow {
  id: number;
  tenantId: number;
  period: string;
  fileName: string;
  totalBytes: number;
  sha256: string;
  receivedBytes: number;
  path: string;
  createdAt: string;
  updatedAt: string;
}

export const CHAIN_GENESIS = '0'.repeat(64);

const backup = (r: Record<string, any>): LedgerBackupRow => ({
  id: Number(r.id),
  tenantId: Number(r.tenant_id),
  state: r.state,
  version: Number(r.version),
  context: parseJson<Record<string, unknown>>(r.context, {}),
  period: r.period,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const archiveFile = (r: Record<string, any>): ArchiveFileRow => ({
  id: Number(r.id),
  tenantId: Number(r.tenant_id),
  backupId: Number(r.backup_id),
  period: r.period,
  setVersion: Number(r.set_version),
  kind: r.kind,
  part: Number(r.part),
  fileName: r.file_name,
  objectKey: r.object_key,
  sha256: r.sha256,
  sizeBytes: Number(r.size_bytes),
  source: r.source,
  storedAt: r.stored_at,
  retainUntil: r.retain_until,
  storeLocked: Boolean(r.store_locked),
  deletedAt: r.deleted_at ?? null,
});

const chainEntry = (r: Record<string, any>): ChainEntry => ({
  tenantId: Number(r.tenant_id),
  seq: Number(r.seq),
  action: r.action,
  fileId: Number(r.file_id),
  period: r.period,
  setVersion: Number(r.set_version),
  fileName: r.file_name,
  sha256: r.sha256,
  sizeBytes: Number(r.size_bytes),
  retainUntil: r.retain_until,
  at: r.at,
  prevHash: r.prev_hash,
  entryHash: r.entry_hash,
});

const upload = (r: Record<string, any>): UploadRow => ({
  id: Number(r.id),
  tenantId: Number(r.tenant_id),
  period: r.period,
  fileName: r.file_name,
  totalBytes: Number(r.total_bytes),
  sha256: r.sha256,
  receivedBytes: Number(r.received_bytes),
  path: r.path,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

// --- months ---

export async function backupOfPeriod(q: Queryable, tenantId: number, period: string): Promise<LedgerBackupRow | null> {
  const r = await reading(q)('ledger_backups').where({ tenant_id: tenantId, period }).first();
  return r ? backup(r) : null;
}

export async function backupsOfTenant(q: Queryable, tenantId: number, from: string | null, to: string | null): Promise<LedgerBackupRow[]> {
  const query = reading(q)('ledger_backups').where({ tenant_id: tenantId });
  if (from) query.andWhere('period', '>=', from);
  if (to) query.andWhere('period', '<=', to);
  return (await query.orderBy('period', 'desc')).map(backup);
}

/** The month's row, created in the machine's initial state when it is not there yet (`created` says which). */
export async function ensureBackup(trx: Knex.Transaction, b: { tenantId: number; machine: string; state: string; period: string; at: string }): Promise<{ row: LedgerBackupRow; created: boolean }> {
  const existing = await backupOfPeriod(trx, b.tenantId, b.period);
  if (existing) return { row: existing, created: false };
  await trx('ledger_backups').insert({ tenant_id: b.tenantId, machine: b.machine, state: b.state, version: 1, context: '{}', period: b.period, created_at: b.at, updated_at: b.at });
  return { row: (await backupOfPeriod(trx, b.tenantId, b.period))!, created: true };
}

// --- stored files ---

export async function archiveFilesOfMonth(q: Queryable, backupId: number, setVersion?: number): Promise<ArchiveFileRow[]> {
  const query = reading(q)('ledger_archive_files').where({ backup_id: backupId });
  if (setVersion !== undefined) query.andWhere({ set_version: setVersion });
  return (await query.orderBy('set_version').orderBy('file_name')).map(archiveFile);
}

export async function archiveFilesOfTenant(q: Queryable, tenantId: number): Promise<ArchiveFileRow[]> {
  return (await reading(q)('ledger_archive_files').where({ tenant_id: tenantId }).orderBy('id')).map(archiveFile);
}

export async function insertArchiveFile(trx: Knex.Transaction, f: Omit<ArchiveFileRow, 'id' | 'deletedAt'>): Promise<number> {
  const returned = await trx('ledger_archive_files')
    .insert({
      tenant_id: f.tenantId,
      backup_id: f.backupId,
      period: f.period,
      set_version: f.setVersion,
      kind: f.kind,
      part: f.part,
      file_name: f.fileName,
      object_key: f.objectKey,
      sha256: f.sha256,
      size_bytes: f.sizeBytes,
      source: f.source,
      stored_at: f.storedAt,
      retain_until: f.retainUntil,
      store_locked: f.storeLocked,
    })
    .returning('id');
  return insertedId(returned);
}

export async function markArchiveFileDeleted(trx: Knex.Transaction, id: number, at: string): Promise<void> {
  await trx('ledger_archive_files').where({ id }).whereNull('deleted_at').update({ deleted_at: at });
}

/** Whether another live row of the tenant still names the object (content-addressed: versions share unchanged files). */
export async function objectStillNamed(q: Queryable, objectKey: string, exceptId: number): Promise<boolean> {
  return Boolean(await reading(q)('ledger_archive_files').where({ object_key: objectKey }).whereNull('deleted_at').whereNot({ id: exceptId }).first('id'));
}

// --- the hash chain ---

/** An entry's hash: SHA-256 over the previous entry's hash and every field of this one, one per line. */
export function chainEntryHash(e: Omit<ChainEntry, 'entryHash'>): string {
  const fields = [e.prevHash, e.tenantId, e.seq, e.action, e.fileId, e.period, e.setVersion, e.fileName, e.sha256, e.sizeBytes, e.retainUntil, e.at];
  return createHash('sha256').update(fields.join('\n')).digest('hex');
}

/**
 * Appends an entry to the tenant's chain: the head row is locked (PostgreSQL; SQLite has one writer), the entry
 * commits to the head's hash and becomes the head. Two appends for one tenant therefore queue, never fork the chain.
 */
export async function appendChain(trx: Knex.Transaction, e: Omit<ChainEntry, 'seq' | 'prevHash' | 'entryHash'>): Promise<ChainEntry> {
  // The tenant's first entry creates the head; a racing first append waits for it here instead of failing on the key.
  await trx('ledger_archive_heads').insert({ tenant_id: e.tenantId, seq: 0, entry_hash: CHAIN_GENESIS }).onConflict('tenant_id').ignore();
  let head = trx('ledger_archive_heads').where({ tenant_id: e.tenantId }).first();
  if (dbClient(trx as unknown as Knex) === 'postgres') head = head.forUpdate();
  const h = (await head) as { seq: number; entry_hash: string };
  const base = { ...e, seq: Number(h.seq) + 1, prevHash: h.entry_hash };
  const entry: ChainEntry = { ...base, entryHash: chainEntryHash(base) };
  await trx('ledger_archive_chain').insert({
    tenant_id: entry.tenantId,
    seq: entry.seq,
    action: entry.action,
    file_id: entry.fileId,
    period: entry.period,
    set_version: entry.setVersion,
    file_name: entry.fileName,
    sha256: entry.sha256,
    size_bytes: entry.sizeBytes,
    retain_until: entry.retainUntil,
    at: entry.at,
    prev_hash: entry.prevHash,
    entry_hash: entry.entryHash,
  });
  const moved = await trx('ledger_archive_heads').where({ tenant_id: e.tenantId, seq: h.seq }).update({ seq: entry.seq, entry_hash: entry.entryHash });
  if (moved !== 1) throw new GatewayError('VERSION_CONFLICT');
  return entry;
}

export async function chainOfTenant(q: Queryable, tenantId: number): Promise<ChainEntry[]> {
  return (await reading(q)('ledger_archive_chain').where({ tenant_id: tenantId }).orderBy('seq')).map(chainEntry);
}

/** The file's STORE entry (its retention as chained, not as its row may say now). */
export async function storeEntryOf(q: Queryable, tenantId: number, fileId: number): Promise<ChainEntry | null> {
  const r = await reading(q)('ledger_archive_chain').where({ tenant_id: tenantId, file_id: fileId, action: 'STORE' }).first();
  return r ? chainEntry(r) : null;
}

export async function chainHead(q: Queryable, tenantId: number): Promise<{ seq: number; entryHash: string }> {
  const r = await reading(q)('ledger_archive_heads').where({ tenant_id: tenantId }).first();
  return r ? { seq: Number(r.seq), entryHash: r.entry_hash } : { seq: 0, entryHash: CHAIN_GENESIS };
}

// --- chunked uploads ---

export async function uploadOf(q: Queryable, tenantId: number, period: string, fileName: string): Promise<UploadRow | null> {
  const r = await reading(q)('ledger_archive_uploads').where({ tenant_id: tenantId, period, file_name: fileName }).first();
  return r ? upload(r) : null;
}

export async function uploadsOfMonth(q: Queryable, tenantId: number, period: string): Promise<UploadRow[]> {
  return (await reading(q)('ledger_archive_uploads').where({ tenant_id: tenantId, period }).orderBy('file_name')).map(upload);
}

export async function startUpload(q: Queryable, u: Omit<UploadRow, 'id'>): Promise<void> {
  await q('ledger_archive_uploads').where({ tenant_id: u.tenantId, period: u.period, file_name: u.fileName }).delete();
  await q('ledger_archive_uploads').insert({
    tenant_id: u.tenantId,
    period: u.period,
    file_name: u.fileName,
    total_bytes: u.totalBytes,
    sha256: u.sha256,
    received_bytes: u.receivedBytes,
    path: u.path,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
  });
}

/** Records bytes received, only if no one else moved the upload on since `from` (a retried chunk cannot count twice). */
export async function advanceUpload(q: Queryable, id: number, from: number, to: number, at: string): Promise<boolean> {
  return (await q('ledger_archive_uploads').where({ id, received_bytes: from }).update({ received_bytes: to, updated_at: at })) === 1;
}

export async function deleteUpload(q: Queryable, id: number): Promise<void> {
  await q('ledger_archive_uploads').where({ id }).delete();
}

// --- the tenant's setting ---

export async function backupAutomatic(q: Queryable, tenantId: number): Promise<boolean> {
  const r = await reading(q)('ledger_backup_settings').where({ tenant_id: tenantId }).first('automatic');
  return Boolean(r?.automatic);
}

export async function saveBackupAutomatic(q: Queryable, tenantId: number, automatic: boolean, at: string): Promise<void> {
  await q('ledger_backup_settings').insert({ tenant_id: tenantId, automatic, updated_at: at }).onConflict('tenant_id').merge();
}

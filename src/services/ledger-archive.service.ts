/**
 * e-Defter's 10-year archive (e-Saklama, issue 13; seed 002). A month's seven kinds of ZIP — Yevmiye and Büyük
 * Defter parts, their berats, GİB's approved berats, the Defter Raporu — arrive from an e-Defter program
 * (StoreLedger, large files in resumable chunks) or from the gateway's own ledger pipeline (automatically when GİB's
 * approved berats are downloaded, or when asked), are checked as a whole, and are stored as a new version of the
 * month: the ZIPs in the archive store (content-addressed), a row per file, and an entry per file in the tenant's
 * hash chain, all committed together after the objects are durable. Nothing is stored of a month that fails a
 * check; the month is then Yedeklenemedi with the reason (or stays as it was when an earlier version is stored).
 *
 * The status query ("Durum Sorgula") re-reads and re-hashes every file of the month's last version; the archive
 * check (VerifyLedgerArchive) walks the tenant's whole chain. Nothing is deleted before its retention ends (the end
 * of the fiscal year + retentionYears), and sending a month again keeps every earlier version.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Knex } from 'knex';
import {
  advanceUpload,
  appendChain,
  archiveFilesOfMonth,
  archiveFilesOfTenant,
  backupAutomatic,
  backupOfPeriod,
  backupsOfTenant,
  chainEntryHash,
  chainHead,
  chainOfTenant,
  CHAIN_GENESIS,
  deleteUpload,
  ensureBackup,
  insertArchiveFile,
  markArchiveFileDeleted,
  objectStillNamed,
  saveBackupAutomatic,
  storeEntryOf,
  startUpload,
  uploadOf,
  uploadsOfMonth,
  type ArchiveFileRow,
  type ArchiveSource,
  type LedgerBackupRow,
} from '../db/ledger-archive';
import { bookById, booksOfPeriod, booksOfTenant, filesOfBook } from '../db/ledgers';
import { entities, type MachineStore } from '../db/machine-store';
import { tenantById } from '../db/tenants';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError, isGatewayError } from '../faults';
import { BeratApprovalError, verifyApprovedBerat } from '../gib/protocol/edefter-approval';
import { archiveFileName, inspectBerat, inspectBook, missingNames, parseArchiveName, type ArchiveName, type BeratFacts, type BookFacts } from '../ledger/archive-files';
import { describeState, ledgerBackupMachine } from '../machines';
import type { Caller } from '../security/authenticator';
import { certificatesFrom } from '../signing/cert';
import { verifyXml } from '../signing/verify';
import { ArchiveMissingError, hashStream, type ArchiveStore } from '../storage/archive-store';
import type { LedgerStore } from '../storage/ledger-store';
import { turkishDay } from '../turkish-time';
import { zipFiles } from '../zip/write';
import { MONTHS_TR } from './ledger.service';
import type { SignerRegistry } from './signer-registry';

export interface LedgerArchiveDeps {
  db: Knex;
  writer: WriteBatcher;
  store: MachineStore;
  archive: ArchiveStore;
  /** The gateway's own books (a month built here is stored from them). */
  ledgerFiles: LedgerStore;
  signers: Pick<SignerRegistry, 'trustedRoots'>;
  /** Roots GİB's approval seal chains to (GİB's, or the simulator's). */
  gibRoots: () => Promise<Array<Buffer | string>>;
  clock: () => Date;
  /** Where uploads in progress and files being checked are kept. */
  workDir: string;
  /** Years after the end of a file's fiscal year before it may be deleted (VUK: 10). */
  retentionYears: number;
  /** Largest ZIP accepted, and the most a book's one file may inflate to. */
  maxFileBytes: number;
  maxUnzippedBytes: number;
}

/** What an e-Defter program's send or the gateway's own books are called in the listing (seed 002's Açıklama). */
export const SOURCE_TEXT: Record<ArchiveSource, string> = {
  PROGRAM: 'e-Defter programından aktarılmıştır',
  GATEWAY: "Entegratörün e-Defter hizmetinden (onaylı berat indirildiğinde) aktarılmıştır",
};

/** "Eylül-2019", as seed 002's messages name a month. */
export const monthYear = (period: string) => `${MONTHS_TR[Number(period.slice(5, 7)) - 1]}-${period.slice(0, 4)}`;
export const backedUpMessage = (period: string) => `${monthYear(period)} ayına ait Yevmiye ve Büyük Defter dosyalarınız yedeklendi.`;
export const storedMessage = (period: string) => `${monthYear(period)} ayına ait Yevmiye ve Büyük Defter dosyalarınız gönderilmiştir. Defter dosyalarınız 10 yıl boyunca güvenle saklanacaktır.`;

/** One chunk of an upload at most (its base64 in a SOAP body is a third larger). */
export const MAX_CHUNK_BYTES = 8 * 1024 * 1024;

export interface ArchiveFileView {
  fileName: string;
  kind: string;
  part: number;
  version: number;
  sizeBytes: number;
  sha256: string;
  storedAt: string;
  retainUntil: string;
  storeLocked: boolean;
  deletedAt: string | null;
}

export interface BackupMonthView {
  period: string;
  periodLabel: string;
  state: string;
  status: number;
  code: number;
  description: string;
  source: string | null;
  versions: number;
  fileCount: number;
  totalBytes: number;
  lastError: string | null;
  updatedAt: string | null;
  /** The last version's files (all versions' with `allVersions`). */
  files: ArchiveFileView[];
  /** Files of the month being uploaded in chunks. */
  uploads: Array<{ fileName: string; receivedBytes: number; totalBytes: number }>;
}

export interface ArchiveProblem {
  seq: number | null;
  period: string;
  fileName: string;
  problem: 'CHAIN_BROKEN' | 'ROW_CHANGED' | 'NOT_CHAINED' | 'MISSING' | 'SIZE_CHANGED' | 'CONTENT_CHANGED' | 'HEAD_MISMATCH';
  detail: string;
}

export interface ArchiveVerification {
  ok: boolean;
  entries: number;
  filesChecked: number;
  bytesChecked: number;
  headSeq: number;
  headHash: string;
  firstBroken: ArchiveProblem | null;
  problems: ArchiveProblem[];
}

/** A file in hand for a month's send: where its bytes are, its name, and its size and SHA-256 as received. */
interface Staged {
  name: ArchiveName;
  path: string;
  sizeBytes: number;
  sha256: string;
  /** An upload row to remove once the month is stored. */
  uploadId?: number;
}

const VALID_PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const HEX64 = /^[0-9a-f]{64}$/;

export function createLedgerArchiveService(deps: LedgerArchiveDeps) {
  const { db, store } = deps;
  const now = () => deps.clock().toISOString();
  const uploadsDir = path.join(deps.workDir, 'uploads');

  function checkPeriod(period: string): void {
    if (!VALID_PERIOD.test(period)) throw new GatewayError('LEDGER_PERIOD', { detail: `${period.slice(0, 20)} YYYY-AA biçiminde olmalı` });
    if (`${period}-01` > turkishDay(deps.clock())) throw new GatewayError('LEDGER_PERIOD', { detail: `${monthYear(period)} henüz başlamadı` });
  }

  /** End of the period's fiscal year (Istanbul, UTC+3) plus the retention years. */
  function retainUntil(period: string): Date {
    const year = Number(period.slice(0, 4)) + deps.retentionYears;
    return new Date(`${year}-12-31T20:59:59.999Z`);
  }

  function nameFor(caller: Pick<Caller, 'tenantVkn'>, period: string, fileName: string): ArchiveName {
    const name = parseArchiveName(fileName);
    if (!name) throw new GatewayError('ARCHIVE_FILE_NAME', { name: fileName.slice(0, 100) });
    if (name.vkn !== caller.tenantVkn || name.period !== period) throw new GatewayError('ARCHIVE_FOREIGN_FILE', { name: fileName });
    return name;
  }

  // --- chunked uploads ---

  function uploadPath(vkn: string, period: string, fileName: string): string {
    return path.join(uploadsDir, vkn, period, `${fileName}.part`);
  }

  /**
   * Appends one chunk at `offset` of a file being uploaded (the file is known by its name, size and SHA-256; another
   * file under the same name starts over at offset 0). A chunk must start where the received bytes end
   * (ARCHIVE_UPLOAD_OFFSET names where); a chunk received before — a retry whose answer was lost — is answered with
   * the progress and not written again, and so is an empty chunk (how an uploader asks where to go on). A chunk is
   * acknowledged only once it is fsynced and counted; when the last byte is in, its SHA-256 must be the declared one.
   */
  async function putChunk(caller: Caller, input: { period: string; fileName: string; totalBytes: number; sha256: string; offset: number; content: Buffer }): Promise<{ receivedBytes: number; complete: boolean }> {
    checkPeriod(input.period);
    const name = nameFor(caller, input.period, input.fileName);
    if (!HEX64.test(input.sha256)) throw new GatewayError('REQUEST_FIELD', { field: 'sha256 (64 hex)' });
    if (!Number.isSafeInteger(input.totalBytes) || input.totalBytes < 1) throw new GatewayError('REQUEST_FIELD', { field: 'totalBytes' });
    if (input.totalBytes > deps.maxFileBytes) throw new GatewayError('ARCHIVE_UPLOAD_TOO_LARGE', { limit: deps.maxFileBytes, name: name.fileName });
    if (input.content.length > MAX_CHUNK_BYTES) throw new GatewayError('ARCHIVE_UPLOAD_TOO_LARGE', { limit: MAX_CHUNK_BYTES, name: `${name.fileName} (parça)` });
    const file = uploadPath(caller.tenantVkn, input.period, name.fileName);
    let up = await uploadOf(db, caller.tenantId, input.period, name.fileName);
    const same = up !== null && up.sha256 === input.sha256 && up.totalBytes === input.totalBytes;
    if (!same) {
      // Another file under this name (or none yet): it starts at byte 0, replacing what was there.
      if (input.offset !== 0) throw new GatewayError('ARCHIVE_UPLOAD_OFFSET', { expected: 0, name: name.fileName });
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await fsp.writeFile(file, Buffer.alloc(0), { mode: 0o640 });
      await startUpload(db, { tenantId: caller.tenantId, period: input.period, fileName: name.fileName, totalBytes: input.totalBytes, sha256: input.sha256, receivedBytes: 0, path: file, createdAt: now(), updatedAt: now() });
      up = (await uploadOf(db, caller.tenantId, input.period, name.fileName))!;
    } else if (input.offset + input.content.length <= up!.receivedBytes && !(input.offset === 0 && up!.receivedBytes === 0 && input.content.length > 0)) {
      // A chunk acknowledged before (a retry whose answer was lost), or an empty one asking for the progress.
      return { receivedBytes: up!.receivedBytes, complete: up!.receivedBytes === up!.totalBytes };
    }
    up = up!;
    if (input.offset !== up.receivedBytes) throw new GatewayError('ARCHIVE_UPLOAD_OFFSET', { expected: up.receivedBytes, name: name.fileName });
    const to = up.receivedBytes + input.content.length;
    if (to > up.totalBytes) throw new GatewayError('ARCHIVE_UPLOAD_TOO_LARGE', { limit: up.totalBytes, name: name.fileName });
    // Bytes past the count (a chunk written before a crash, never acknowledged) are cut off first.
    const h = await fsp.open(up.path, 'r+');
    try {
      await h.truncate(up.receivedBytes);
      await h.write(input.content, 0, input.content.length, up.receivedBytes);
      await h.sync();
    } finally {
      await h.close();
    }
    if (to === up.totalBytes) {
      const { sha256 } = await hashStream(fs.createReadStream(up.path));
      if (sha256 !== up.sha256) {
        await deleteUpload(db, up.id);
        await fsp.rm(up.path, { force: true });
        throw new GatewayError('ARCHIVE_UPLOAD_HASH', { name: name.fileName });
      }
    }
    if (!(await advanceUpload(db, up.id, up.receivedBytes, to, now()))) throw new GatewayError('ARCHIVE_UPLOAD_OFFSET', { expected: (await uploadOf(db, caller.tenantId, input.period, name.fileName))?.receivedBytes ?? 0, name: name.fileName });
    return { receivedBytes: to, complete: to === up.totalBytes };
  }

  // --- the month's checks ---

  async function inspect(vkn: string, period: string, staged: Staged[]): Promise<void> {
    const names = staged.map((s) => s.name);
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n.fileName)) throw new GatewayError('ARCHIVE_INCOMPLETE', { detail: `${n.fileName} iki kez gönderildi` });
      seen.add(n.fileName);
    }
    const missing = missingNames(vkn, period, names);
    if (missing.length) throw new GatewayError('ARCHIVE_INCOMPLETE', { detail: missing.join(', ') });
    const books = new Map<string, BookFacts>();
    const berats = new Map<string, BeratFacts>();
    const beratMax = Math.min(deps.maxUnzippedBytes, 64 * 1024 * 1024);
    for (const s of staged) {
      if (s.name.kind === 'Y' || s.name.kind === 'K') books.set(s.name.fileName, await inspectBook(s.path, s.name, deps.maxUnzippedBytes));
      else berats.set(s.name.fileName, await inspectBerat(s.path, s.name, beratMax));
    }
    const roots = await deps.signers.trustedRoots();
    const gibRoots = [...roots, ...(await deps.gibRoots())].flatMap((r) => certificatesFrom(r));
    const nameOf = (kind: ArchiveName['kind'], part: number) => archiveFileName(vkn, period, kind, part);
    for (const s of staged) {
      const { kind, part } = s.name;
      if (kind === 'YB' || kind === 'KB') {
        const berat = berats.get(s.name.fileName)!;
        const book = books.get(nameOf(kind === 'YB' ? 'Y' : 'K', part))!;
        if (berat.bookSignature.value !== book.signatureValue.value || (berat.bookSignature.id ?? '') !== (book.signatureValue.id ?? '')) {
          throw new GatewayError('ARCHIVE_BERAT_MISMATCH', { detail: `${s.name.fileName} defterin imza değerini taşımıyor (${nameOf(kind === 'YB' ? 'Y' : 'K', part)})` });
        }
        await verifyXml(berat.xml, { trustedRoots: roots, expectedSignerId: vkn, now: deps.clock() }).catch((err: unknown) => {
          throw new GatewayError('ARCHIVE_BERAT_MISMATCH', { detail: `${s.name.fileName} mührü doğrulanamadı: ${isGatewayError(err) ? err.message : 'imza'}` });
        });
      } else if (kind === 'GIB-YB' || kind === 'GIB-KB') {
        const approved = berats.get(s.name.fileName)!;
        const ours = berats.get(nameOf(kind === 'GIB-YB' ? 'YB' : 'KB', part))!;
        try {
          const approval = verifyApprovedBerat(approved.xml, { trustedRoots: gibRoots, now: deps.clock() });
          if (approval.signatureValue !== ours.ownSignature) throw new BeratApprovalError('onay, bu ayın beratının imzasına ait değil');
        } catch (err) {
          throw new GatewayError('ARCHIVE_GIB_SEAL', { detail: `${s.name.fileName}: ${err instanceof Error ? err.message : String(err)}` });
        }
      } else if (kind === 'DR') {
        await verifyXml(berats.get(s.name.fileName)!.xml, { trustedRoots: roots, expectedSignerId: vkn, now: deps.clock() }).catch((err: unknown) => {
          throw new GatewayError('ARCHIVE_BERAT_MISMATCH', { detail: `${s.name.fileName} mührü doğrulanamadı: ${isGatewayError(err) ? err.message : 'imza'}` });
        });
      }
    }
  }

  async function recordFailure(tenantId: number, period: string, actor: string, err: GatewayError): Promise<void> {
    await deps.writer.run(async (trx) => {
      const { row } = await ensureBackup(trx, { tenantId, machine: ledgerBackupMachine.id, state: ledgerBackupMachine.initial, period, at: now() });
      await store.apply(entities.ledgerBackup(row.id), { event: 'STORE_FAIL', actor, reason: err.message, code: err.spec.code, codeDescription: `Yedeklenemedi: ${err.message}`, contextPatch: { lastError: { code: err.spec.code, text: err.message, at: now() } } }, trx);
    });
  }

  /**
   * Checks the month's files as a whole and stores them as its next version: objects first (durable, content-
   * addressed), then in one transaction the rows, the chain entries and the STORE transition. A failed check
   * stores nothing and records STORE_FAIL with its reason.
   */
  async function storeMonth(tenant: { id: number; vkn: string }, period: string, staged: Staged[], source: ArchiveSource, actor: string): Promise<BackupMonthView> {
    try {
      await inspect(tenant.vkn, period, staged);
    } catch (err) {
      const e = isGatewayError(err) && err.fault !== 'INTERNAL' ? err : null;
      if (e) await recordFailure(tenant.id, period, actor, e);
      throw err;
    }
    const until = retainUntil(period);
    const objects: Array<{ s: Staged; key: string; lockedByStore: boolean }> = [];
    for (const s of staged) objects.push({ s, ...(await deps.archive.put(tenant.vkn, s.path, { sha256: s.sha256, sizeBytes: s.sizeBytes, retainUntil: until })) });
    const at = now();
    await deps.writer.run(async (trx) => {
      const { row } = await ensureBackup(trx, { tenantId: tenant.id, machine: ledgerBackupMachine.id, state: ledgerBackupMachine.initial, period, at });
      const setVersion = Number((row.context as { storedVersion?: number }).storedVersion ?? 0) + 1;
      let bytes = 0;
      for (const o of [...objects].sort((a, b) => a.s.name.fileName.localeCompare(b.s.name.fileName))) {
        const f = { tenantId: tenant.id, backupId: row.id, period, setVersion, kind: o.s.name.kind, part: o.s.name.part, fileName: o.s.name.fileName, objectKey: o.key, sha256: o.s.sha256, sizeBytes: o.s.sizeBytes, source, storedAt: at, retainUntil: until.toISOString(), storeLocked: o.lockedByStore };
        const id = await insertArchiveFile(trx, f);
        await appendChain(trx, { tenantId: tenant.id, action: 'STORE', fileId: id, period, setVersion, fileName: f.fileName, sha256: f.sha256, sizeBytes: f.sizeBytes, retainUntil: f.retainUntil, at });
        bytes += f.sizeBytes;
      }
      await store.apply(entities.ledgerBackup(row.id), {
        event: 'STORE',
        actor,
        reason: `${setVersion}. sürüm saklandı: ${staged.length} dosya, ${bytes} bayt (${SOURCE_TEXT[source]})`,
        contextPatch: { storedVersion: setVersion, source, fileCount: staged.length, totalBytes: bytes, storedAt: at, lastError: null },
      }, trx);
      for (const s of staged) if (s.uploadId !== undefined) await deleteUpload(trx, s.uploadId);
    });
    for (const s of staged) await fsp.rm(s.path, { force: true });
    return (await monthView(tenant.id, period))!;
  }

  // --- views ---

  const fileView = (f: ArchiveFileRow): ArchiveFileView => ({
    fileName: f.fileName, kind: f.kind, part: f.part, version: f.setVersion, sizeBytes: f.sizeBytes, sha256: f.sha256, storedAt: f.storedAt, retainUntil: f.retainUntil, storeLocked: f.storeLocked, deletedAt: f.deletedAt,
  });

  async function monthView(tenantId: number, period: string, row?: LedgerBackupRow | null, opts: { allVersions?: boolean } = {}): Promise<BackupMonthView | null> {
    const b = row === undefined ? await backupOfPeriod(db, tenantId, period) : row;
    const uploads = (await uploadsOfMonth(db, tenantId, period)).map((u) => ({ fileName: u.fileName, receivedBytes: u.receivedBytes, totalBytes: u.totalBytes }));
    const state = b?.state ?? ledgerBackupMachine.initial;
    const ctx = (b?.context ?? {}) as { storedVersion?: number; source?: ArchiveSource; lastError?: { text: string } | null };
    const described = describeState(ledgerBackupMachine, state, b?.context ?? {});
    const version = ctx.storedVersion ?? 0;
    const all = b ? await archiveFilesOfMonth(db, b.id) : [];
    const last = all.filter((f) => f.setVersion === version);
    return {
      period,
      periodLabel: monthYear(period),
      state,
      ...described,
      source: ctx.source ? SOURCE_TEXT[ctx.source] : null,
      versions: version,
      fileCount: last.filter((f) => !f.deletedAt).length,
      totalBytes: last.filter((f) => !f.deletedAt).reduce((n, f) => n + f.sizeBytes, 0),
      lastError: ctx.lastError?.text ?? null,
      updatedAt: b?.updatedAt ?? null,
      files: (opts.allVersions ? all : last).map(fileView),
      uploads,
    };
  }

  async function tenantOf(tenantId: number) {
    const t = await tenantById(db, tenantId);
    if (!t) throw new GatewayError('TENANT_MISMATCH', { vkn: String(tenantId) });
    return { id: t.id, vkn: t.vkn };
  }

  /** The gateway's own month as the seven kinds of ZIP, zipped into the work folder (both books' files, GİB's berats). */
  async function stageGatewayMonth(tenant: { id: number; vkn: string }, period: string): Promise<Staged[]> {
    const books = await booksOfPeriod(db, tenant.id, period);
    if (books.length !== 2 || books.some((b) => b.state !== 'DOWNLOADED')) throw new GatewayError('ARCHIVE_INCOMPLETE', { detail: `${monthYear(period)} ayının onaylı beratları henüz indirilmedi` });
    const dir = path.join(deps.workDir, 'staging', tenant.vkn);
    await fsp.mkdir(dir, { recursive: true });
    const staged: Staged[] = [];
    for (const b of books) {
      for (const f of await filesOfBook(db, b.id)) {
        if (!f.signed) continue;
        const kind = f.kind === 'LEDGER' ? b.book : f.kind === 'BERAT' ? `${b.book}B` : f.kind === 'GIB_BERAT' ? `GIB-${b.book}B` : 'DR';
        const zipName = archiveFileName(tenant.vkn, period, kind as ArchiveName['kind'], f.part);
        const target = path.join(dir, `${randomUUID()}-${zipName}`);
        const zip = await zipFiles([{ name: zipName.replace(/\.zip$/, '.xml'), path: deps.ledgerFiles.pathOf(f.path) }]);
        await fsp.writeFile(target, zip, { mode: 0o640 });
        staged.push({ name: parseArchiveName(zipName)!, path: target, sizeBytes: zip.length, sha256: createHash('sha256').update(zip).digest('hex') });
      }
    }
    return staged;
  }

  async function removeStaged(staged: Staged[]): Promise<void> {
    for (const s of staged) if (s.uploadId === undefined) await fsp.rm(s.path, { force: true });
  }

  return {
    putChunk,

    /**
     * StoreLedger: the month's uploaded files (PutLedgerBackupChunk) stored together; with `fromGateway`, the
     * gateway's own books of the month instead (manual mode, or a past month).
     */
    async storeLedger(caller: Caller, period: string, opts: { fromGateway: boolean }): Promise<{ month: BackupMonthView; message: string }> {
      checkPeriod(period);
      const tenant = { id: caller.tenantId, vkn: caller.tenantVkn };
      let staged: Staged[] = [];
      try {
        if (opts.fromGateway) {
          staged = await stageGatewayMonth(tenant, period);
        } else {
          const uploads = await uploadsOfMonth(db, tenant.id, period);
          const unfinished = uploads.filter((u) => u.receivedBytes !== u.totalBytes);
          if (unfinished.length) throw new GatewayError('ARCHIVE_INCOMPLETE', { detail: unfinished.map((u) => `${u.fileName} yüklemesi bitmedi (${u.receivedBytes}/${u.totalBytes} bayt)`).join(', ') });
          staged = uploads.map((u) => ({ name: parseArchiveName(u.fileName)!, path: u.path, sizeBytes: u.totalBytes, sha256: u.sha256, uploadId: u.id }));
        }
        const month = await storeMonth(tenant, period, staged, opts.fromGateway ? 'GATEWAY' : 'PROGRAM', caller.username);
        return { month, message: storedMessage(period) };
      } finally {
        await removeStaged(staged);
      }
    },

    /** The ledger.backup job: a month of the gateway's whose approved berats are in is stored, if the tenant wants it automatic. */
    async afterDownload(bookId: number): Promise<void> {
      const book = await bookById(db, bookId);
      if (!book || !(await backupAutomatic(db, book.tenantId))) return;
      const books = await booksOfPeriod(db, book.tenantId, book.period);
      if (books.length !== 2 || books.some((b) => b.state !== 'DOWNLOADED')) return; // the other book's download stores it
      const existing = await backupOfPeriod(db, book.tenantId, book.period);
      const downloadedAt = books.map((b) => String((b.context as { downloadedAt?: string }).downloadedAt ?? '')).sort().at(-1)!;
      // Stored already from these books (a job run twice): nothing more.
      if (existing && (existing.context as { source?: string; storedAt?: string }).source === 'GATEWAY' && String((existing.context as { storedAt?: string }).storedAt ?? '') >= downloadedAt) return;
      const tenant = await tenantOf(book.tenantId);
      const staged = await stageGatewayMonth(tenant, book.period);
      try {
        await storeMonth(tenant, book.period, staged, 'GATEWAY', 'worker');
      } finally {
        await removeStaged(staged);
      }
    },

    /** The job gave up: the month is Yedeklenemedi with why (sent again by hand). */
    async backupFailed(bookId: number, err: unknown): Promise<void> {
      const book = await bookById(db, bookId);
      if (!book) return;
      if (isGatewayError(err)) return; // a check's refusal: storeMonth recorded it
      await recordFailure(book.tenantId, book.period, 'worker', new GatewayError('INTERNAL'));
    },

    /**
     * Durum Sorgula: every file of the month's last version read back from the archive and hashed; all as stored →
     * Yedeklendi with seed 002's message, else Yedeklenemedi naming the first file that is not.
     */
    async statusQuery(caller: Caller, period: string): Promise<{ month: BackupMonthView; message: string }> {
      checkPeriod(period);
      const b = await backupOfPeriod(db, caller.tenantId, period);
      const version = Number((b?.context as { storedVersion?: number } | undefined)?.storedVersion ?? 0);
      if (!b || version === 0) throw new GatewayError('ARCHIVE_NOT_STORED', { period: monthYear(period) });
      const files = (await archiveFilesOfMonth(db, b.id, version)).filter((f) => !f.deletedAt);
      let problem: string | null = null;
      for (const f of files) {
        problem = await objectProblem(deps.archive, f);
        if (problem) {
          problem = `${f.fileName}: ${problem}`;
          break;
        }
      }
      const event = problem ? 'VERIFY_FAIL' : 'VERIFY';
      const fault = problem ? new GatewayError('ARCHIVE_FILE_NOT_FOUND', { name: problem }) : null;
      await store.apply(entities.ledgerBackup(b.id), {
        event,
        actor: caller.username,
        reason: problem ?? `${files.length} dosya okundu ve özetleri doğrulandı`,
        ...(fault ? { code: fault.spec.code, codeDescription: `Yedeklenemedi: ${problem}` } : {}),
        contextPatch: { lastError: fault ? { code: fault.spec.code, text: problem, at: now() } : null, verifiedAt: now() },
      });
      const month = (await monthView(caller.tenantId, period))!;
      return { month, message: problem ? `${monthYear(period)} ayına ait defter dosyalarınız yedeklenemedi: ${problem}. Dosyaları yeniden gönderiniz.` : backedUpMessage(period) };
    },

    /** The months of the archive (and the gateway's own months not sent to it yet: Entegratör'e Gönderilmedi). */
    async list(caller: Caller, from: string | null, to: string | null, opts: { allVersions?: boolean } = {}): Promise<BackupMonthView[]> {
      const rows = await backupsOfTenant(db, caller.tenantId, from, to);
      const periods = new Map<string, LedgerBackupRow | null>(rows.map((r) => [r.period, r]));
      for (const b of await booksOfTenant(db, caller.tenantId, from, to)) if (b.state === 'DOWNLOADED' && !periods.has(b.period)) periods.set(b.period, null);
      const out: BackupMonthView[] = [];
      for (const [period, row] of [...periods].sort((a, b) => b[0].localeCompare(a[0]))) out.push((await monthView(caller.tenantId, period, row, opts))!);
      return out;
    },

    async month(caller: Caller, period: string, opts: { allVersions?: boolean } = {}): Promise<BackupMonthView> {
      checkPeriod(period);
      return (await monthView(caller.tenantId, period, undefined, opts))!;
    },

    /** A stored file (the last version's, or `version`'s), `length` bytes from `offset`, its whole size and SHA-256. */
    async readFile(caller: Caller, period: string, fileName: string, version: number | null, offset: number, length: number): Promise<{ file: ArchiveFileView; content: Buffer }> {
      const f = await fileOf(caller, period, fileName, version);
      if (f.deletedAt) throw new GatewayError('ARCHIVE_FILE_NOT_FOUND', { name: `${fileName} (silindi)` });
      const end = Math.min(f.sizeBytes, offset + Math.min(length, MAX_CHUNK_BYTES));
      const chunks: Buffer[] = [];
      if (offset < end) {
        let input: Readable;
        try {
          input = await deps.archive.read(f.objectKey, { start: offset, end: end - 1 });
        } catch (err) {
          if (err instanceof ArchiveMissingError) throw new GatewayError('ARCHIVE_FILE_NOT_FOUND', { name: fileName });
          throw err;
        }
        for await (const c of input) chunks.push(c as Buffer);
      }
      return { file: fileView(f), content: Buffer.concat(chunks) };
    },

    /** Deletes a stored file once its retention is over (refused before); recorded in the chain. */
    async deleteFile(caller: Caller, period: string, fileName: string, version: number | null): Promise<ArchiveFileView> {
      const f = await fileOf(caller, period, fileName, version);
      if (f.deletedAt) return fileView(f);
      // The later of the row's retention and the one chained when it was stored: a row edited to end it early does not.
      const chained = await storeEntryOf(db, caller.tenantId, f.id);
      const until = Math.max(Date.parse(f.retainUntil), chained ? Date.parse(chained.retainUntil) : Number.POSITIVE_INFINITY);
      if (deps.clock().getTime() < until) {
        throw new GatewayError('ARCHIVE_RETENTION', { name: fileName, until: Number.isFinite(until) ? turkishDay(new Date(until)) : 'süresiz' });
      }
      const at = now();
      await deps.writer.run(async (trx) => {
        await markArchiveFileDeleted(trx, f.id, at);
        await appendChain(trx, { tenantId: caller.tenantId, action: 'DELETE', fileId: f.id, period, setVersion: f.setVersion, fileName: f.fileName, sha256: f.sha256, sizeBytes: f.sizeBytes, retainUntil: f.retainUntil, at });
      });
      if (!(await objectStillNamed(db, f.objectKey, f.id))) await deps.archive.remove(f.objectKey);
      return { ...fileView(f), deletedAt: at };
    },

    async saveSettings(caller: Caller, automatic: boolean): Promise<void> {
      await saveBackupAutomatic(db, caller.tenantId, automatic, now());
    },

    async settings(caller: Caller): Promise<{ automatic: boolean }> {
      return { automatic: await backupAutomatic(db, caller.tenantId) };
    },

    verifyArchive: (tenantId: number) => verifyLedgerArchive(db, deps.archive, tenantId),
  };

  async function fileOf(caller: Caller, period: string, fileName: string, version: number | null): Promise<ArchiveFileRow> {
    checkPeriod(period);
    const b = await backupOfPeriod(db, caller.tenantId, period);
    const v = version ?? Number((b?.context as { storedVersion?: number } | undefined)?.storedVersion ?? 0);
    const f = b ? (await archiveFilesOfMonth(db, b.id, v)).find((x) => x.fileName === fileName) : undefined;
    if (!f) throw new GatewayError('ARCHIVE_FILE_NOT_FOUND', { name: fileName.slice(0, 100) });
    return f;
  }

}

/** Why a stored file is not as stored (missing, another size, other bytes), or null. */
async function objectProblem(archive: ArchiveStore, f: ArchiveFileRow): Promise<string | null> {
  let input: Readable;
  try {
    input = await archive.read(f.objectKey);
  } catch (err) {
    if (err instanceof ArchiveMissingError) return 'dosya yok';
    throw err;
  }
  const got = await hashStream(input);
  if (got.sizeBytes !== f.sizeBytes) return `boyutu değişmiş (${f.sizeBytes} → ${got.sizeBytes} bayt)`;
  if (got.sha256 !== f.sha256) return 'içeriği değişmiş (SHA-256 tutmuyor)';
  return null;
}

/**
 * The archive check (VerifyLedgerArchive, `npm run cli -- ledger:verify`): the tenant's chain walked from its first
 * entry — each entry's hash recomputed over the previous one's, the head matching the last entry, each entry
 * matching its file's row, every row chained — and every stored file not deleted read back and hashed. Problems are
 * in chain order: the first is the first broken entry.
 */
export async function verifyLedgerArchive(db: Knex, archive: ArchiveStore, tenantId: number): Promise<ArchiveVerification> {
  const chain = await chainOfTenant(db, tenantId);
  const head = await chainHead(db, tenantId);
  const files = new Map((await archiveFilesOfTenant(db, tenantId)).map((f) => [f.id, f]));
  const problems: ArchiveProblem[] = [];
  const storeSeq = new Map<number, number>(); // file id → the seq of its STORE entry
  let prev = CHAIN_GENESIS;
  let filesChecked = 0;
  let bytesChecked = 0;
  for (const [i, e] of chain.entries()) {
    const at = { seq: e.seq, period: e.period, fileName: e.fileName };
    if (e.seq !== i + 1 || e.prevHash !== prev || chainEntryHash(e) !== e.entryHash) {
      problems.push({ ...at, problem: 'CHAIN_BROKEN', detail: e.seq !== i + 1 ? `sıra ${i + 1} beklenirken ${e.seq}` : e.prevHash !== prev ? 'önceki kaydın özetine bağlı değil' : 'kaydın özeti içeriğiyle uyuşmuyor' });
    }
    prev = e.entryHash;
    const f = files.get(e.fileId);
    if (e.action === 'STORE') storeSeq.set(e.fileId, e.seq);
    if (!f || f.fileName !== e.fileName || f.sha256 !== e.sha256 || f.sizeBytes !== e.sizeBytes || f.setVersion !== e.setVersion || f.period !== e.period || f.retainUntil !== e.retainUntil) {
      problems.push({ ...at, problem: 'ROW_CHANGED', detail: 'dosya kaydı zincirdeki kayıtla uyuşmuyor' });
    }
  }
  if (head.seq !== chain.length || head.entryHash !== prev) problems.push({ seq: head.seq, period: '', fileName: '', problem: 'HEAD_MISMATCH', detail: `zincirin başı ${head.seq}. kayıt, zincirde ${chain.length} kayıt var` });
  for (const f of files.values()) {
    if (!storeSeq.has(f.id)) problems.push({ seq: null, period: f.period, fileName: f.fileName, problem: 'NOT_CHAINED', detail: 'zincirde kaydı olmayan dosya' });
    if (f.deletedAt) continue;
    const why = await objectProblem(archive, f);
    filesChecked++;
    bytesChecked += f.sizeBytes;
    if (why) {
      const seq = storeSeq.get(f.id) ?? null;
      problems.push({ seq, period: f.period, fileName: f.fileName, problem: why === 'dosya yok' ? 'MISSING' : why.startsWith('boyutu') ? 'SIZE_CHANGED' : 'CONTENT_CHANGED', detail: why });
    }
  }
  problems.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER));
  return { ok: problems.length === 0, entries: chain.length, filesChecked, bytesChecked, headSeq: head.seq, headHash: head.entryHash, firstBroken: problems[0] ?? null, problems };
}

export type LedgerArchiveService = ReturnType<typeof createLedgerArchiveService>;

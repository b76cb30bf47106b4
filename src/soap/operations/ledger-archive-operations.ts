/**
 * e-Defter's archive (issue 13; seed 002's "Entegratör Defter Saklama"): PutLedgerBackupChunk (a month's files in
 * resumable chunks), StoreLedger, GetLedgerBackupStatus ("Durum Sorgula"), ListLedgerBackups, GetLedgerBackupFile,
 * DeleteLedgerBackupFile, VerifyLedgerArchive and SaveLedgerBackupSettings. Thin handlers over the archive service.
 */
import { GatewayError } from '../../faults';
import type { ArchiveFileView, ArchiveProblem, BackupMonthView, LedgerArchiveService } from '../../services/ledger-archive.service';
import { argRequired, argBool, argString, soapOperation, type OperationDeps } from '../operation';
import { el } from './invoice-status';

function fileXml(f: ArchiveFileView): string {
  return (
    el('fileName', f.fileName) + el('kind', f.kind) + el('part', f.part) + el('version', f.version) + el('sizeBytes', f.sizeBytes) + el('sha256', f.sha256) +
    el('storedAt', f.storedAt) + el('retainUntil', f.retainUntil) + el('storeLocked', String(f.storeLocked)) + el('deletedAt', f.deletedAt)
  );
}

function monthXml(m: BackupMonthView): { $xml: string } {
  return {
    $xml:
      el('period', m.period) + el('periodLabel', m.periodLabel) + el('state', m.state) + el('status', m.status) + el('code', m.code) + el('description', m.description) +
      el('source', m.source) + el('versions', m.versions) + el('fileCount', m.fileCount) + el('totalBytes', m.totalBytes) + el('lastError', m.lastError) + el('updatedAt', m.updatedAt) +
      m.files.map((f) => `<tns:file>${fileXml(f)}</tns:file>`).join('') +
      m.uploads.map((u) => `<tns:upload>${el('fileName', u.fileName) + el('receivedBytes', u.receivedBytes) + el('totalBytes', u.totalBytes)}</tns:upload>`).join(''),
  };
}

function problemXml(p: ArchiveProblem): { $xml: string } {
  return { $xml: el('seq', p.seq) + el('period', p.period) + el('fileName', p.fileName) + el('problem', p.problem) + el('detail', p.detail) };
}


function whole(value: string | undefined, field: string, fallback?: number): number {
  const v = argString(value);
  if (v === null && fallback !== undefined) return fallback;
  if (v === null || !/^[0-9]{1,15}$/.test(v)) throw new GatewayError('REQUEST_FIELD', { field });
  return Number(v);
}

export function ledgerArchiveOperations(deps: OperationDeps & { archive: LedgerArchiveService }) {
  const { archive } = deps;
  return {
    PutLedgerBackupChunk: soapOperation('PutLedgerBackupChunk', deps, async (caller, args) => {
      const content = args.content ?? '';
      if (!/^[A-Za-z0-9+/=\s]*$/.test(content)) throw new GatewayError('REQUEST_FIELD', { field: 'content (base64)' });
      const r = await archive.putChunk(caller, {
        period: argRequired(args.period, 'period'),
        fileName: argRequired(args.fileName, 'fileName'),
        totalBytes: whole(args.totalBytes, 'totalBytes'),
        sha256: argRequired(args.sha256, 'sha256').toLowerCase(),
        offset: whole(args.offset, 'offset'),
        content: Buffer.from(content, 'base64'),
      });
      return { receivedBytes: String(r.receivedBytes), complete: r.complete };
    }),

    StoreLedger: soapOperation('StoreLedger', deps, async (caller, args) => {
      const r = await archive.storeLedger(caller, argRequired(args.period, 'period'), { fromGateway: argBool(args.fromGateway) });
      return { month: monthXml(r.month), message: r.message };
    }),

    GetLedgerBackupStatus: soapOperation('GetLedgerBackupStatus', deps, async (caller, args) => {
      const r = await archive.statusQuery(caller, argRequired(args.period, 'period'));
      return { month: monthXml(r.month), message: r.message };
    }),

    ListLedgerBackups: soapOperation('ListLedgerBackups', deps, async (caller, args) => ({
      month: (await archive.list(caller, argString(args.from), argString(args.to), { allVersions: argBool(args.allVersions) })).map(monthXml),
      automatic: (await archive.settings(caller)).automatic,
    })),

    GetLedgerBackupFile: soapOperation('GetLedgerBackupFile', deps, async (caller, args) => {
      const version = argString(args.version) === null ? null : whole(args.version, 'version');
      const offset = whole(args.offset, 'offset', 0);
      const r = await archive.readFile(caller, argRequired(args.period, 'period'), argRequired(args.fileName, 'fileName'), version, offset, whole(args.length, 'length', Number.MAX_SAFE_INTEGER));
      return { file: { $xml: fileXml(r.file) }, offset: String(offset), content: r.content.toString('base64') };
    }),

    DeleteLedgerBackupFile: soapOperation('DeleteLedgerBackupFile', deps, async (caller, args) => ({
      file: { $xml: fileXml(await archive.deleteFile(caller, argRequired(args.period, 'period'), argRequired(args.fileName, 'fileName'), whole(args.version, 'version'))) },
    })),

    VerifyLedgerArchive: soapOperation('VerifyLedgerArchive', deps, async (caller) => {
      const v = await archive.verifyArchive(caller.tenantId);
      return {
        ok: v.ok,
        entries: String(v.entries),
        filesChecked: String(v.filesChecked),
        bytesChecked: String(v.bytesChecked),
        headSeq: String(v.headSeq),
        headHash: v.headHash,
        ...(v.firstBroken ? { firstBroken: problemXml(v.firstBroken) } : {}),
        problem: v.problems.map(problemXml),
      };
    }),

    SaveLedgerBackupSettings: soapOperation('SaveLedgerBackupSettings', deps, async (caller, args) => {
      await archive.saveSettings(caller, argBool(argRequired(args.automatic, 'automatic')));
      return { saved: true };
    }),
  };
}

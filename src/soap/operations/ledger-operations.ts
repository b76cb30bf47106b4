/**
 * e-Defter's operations (issue 12; seed 001's "e-Defter Yükle" screen): UploadLedger, ListLedgerFiles ("Dosya
 * Sorgula"), SaveLedgerDates ("Tarihleri Kaydet"), DeleteLedgerFile, LedgerStep (one step, or ALL: "e-Defter
 * Yükle"), GetLedgerStatus (the month table), GetLedgerFile and SaveLedgerSettings. Thin handlers over the ledger
 * service; the answers are written as XML directly (see invoice-status.ts).
 */
import { Readable } from 'node:stream';
import { GatewayError } from '../../faults';
import { LEDGER_STEPS, type LedgerStep } from '../../machines';
import type { LedgerBookView, LedgerMonthView, LedgerService, LedgerSourceView } from '../../services/ledger.service';
import { zipFiles } from '../../zip/write';
import { argRequired, argBool, argString, soapOperation, type OperationDeps } from '../operation';
import { el } from './invoice-status';

function sourceXml(s: LedgerSourceView): { $xml: string } {
  return {
    $xml:
      el('id', s.id) + el('fileName', s.fileName) + el('period', s.period) + el('periodLabel', s.periodLabel) + el('periodStart', s.periodStart) +
      el('periodEnd', s.periodEnd) + el('sizeMb', s.sizeMb) + el('format', s.format) + el('receivedVia', s.receivedVia) + el('receivedAt', s.receivedAt) +
      el('state', s.state) + el('status', s.status) + el('code', s.code) + el('description', s.description) + el('error', s.error),
  };
}

function fileXml(f: LedgerBookView['files'][number]): string {
  return el('kind', f.kind) + el('part', f.part) + el('fileName', f.fileName) + el('sizeBytes', f.sizeBytes) + el('signed', String(f.signed)) + el('sha256', f.sha256);
}

function bookXml(b: LedgerBookView): string {
  return (
    '<tns:ledgerBook>' +
    el('book', b.book) + el('state', b.state) + el('status', b.status) + el('code', b.code) + el('description', b.description) +
    b.controlNumbers.map((c) => el('controlNumber', c)).join('') +
    el('periodStart', b.periodStart) + el('periodEnd', b.periodEnd) + el('totalDebit', b.totalDebit) + el('totalCredit', b.totalCredit) +
    el('lastError', b.lastError) + el('updatedAt', b.updatedAt) +
    b.files.map((f) => `<tns:file>${fileXml(f)}</tns:file>`).join('') +
    '</tns:ledgerBook>'
  );
}

function monthXml(m: LedgerMonthView): { $xml: string } {
  const flag = (name: string, v: boolean) => el(name, String(v));
  return {
    $xml:
      el('period', m.period) + el('periodLabel', m.periodLabel) + flag('kebir', m.kebir) + flag('yevmiye', m.yevmiye) + flag('kebirBerat', m.kebirBerat) +
      flag('yevmiyeBerat', m.yevmiyeBerat) + flag('gibKebirBerat', m.gibKebirBerat) + flag('gibYevmiyeBerat', m.gibYevmiyeBerat) +
      flag('defterRapor', m.defterRapor) + m.books.map(bookXml).join(''),
  };
}

function sourceId(value: string | undefined): number {
  const v = argString(value);
  if (v === null || !/^[0-9]{1,15}$/.test(v)) throw new GatewayError('REQUEST_FIELD', { field: 'sourceId' });
  return Number(v);
}


const STEPS = [...LEDGER_STEPS.map((s) => s.step), 'ALL'] as const;

export function ledgerOperations(deps: OperationDeps & { ledgers: LedgerService }) {
  const { ledgers } = deps;
  return {
    UploadLedger: soapOperation('UploadLedger', deps, async (caller, args) => {
      const content = argRequired(args.content, 'content');
      if (!/^[A-Za-z0-9+/=\s]*$/.test(content)) throw new GatewayError('REQUEST_FIELD', { field: 'content (base64)' });
      const source = await ledgers.receive(caller, {
        fileName: argRequired(args.fileName, 'fileName'),
        data: Readable.from([Buffer.from(content, 'base64')]),
        via: 'SOAP',
        ...(argString(args.delimiter) !== null ? { delimiter: args.delimiter! } : {}),
        ...(args.header !== undefined ? { header: argBool(args.header) } : {}),
      });
      return { source: sourceXml(source) };
    }),

    ListLedgerFiles: soapOperation('ListLedgerFiles', deps, async (caller, args) => ({
      source: (await ledgers.list(caller, argString(args.period))).map(sourceXml),
    })),

    SaveLedgerDates: soapOperation('SaveLedgerDates', deps, async (caller, args) => ({
      source: sourceXml(await ledgers.saveDates(caller, sourceId(args.sourceId), argRequired(args.periodStart, 'periodStart'), argRequired(args.periodEnd, 'periodEnd'))),
    })),

    DeleteLedgerFile: soapOperation('DeleteLedgerFile', deps, async (caller, args) => {
      await ledgers.deleteSource(caller, sourceId(args.sourceId));
      return { deleted: true };
    }),

    LedgerStep: soapOperation('LedgerStep', deps, async (caller, args) => {
      const step = argRequired(args.step, 'step');
      if (!(STEPS as readonly string[]).includes(step)) throw new GatewayError('REQUEST_FIELD', { field: `step (${STEPS.join(', ')})` });
      return { month: monthXml(await ledgers.requestStep(caller, argRequired(args.period, 'period'), step as LedgerStep | 'ALL')) };
    }),

    GetLedgerStatus: soapOperation('GetLedgerStatus', deps, async (caller, args) => ({
      month: (await ledgers.status(caller, argString(args.from), argString(args.to))).map(monthXml),
    })),

    GetLedgerFile: soapOperation('GetLedgerFile', deps, async (caller, args) => {
      const { row, path } = await ledgers.file(caller, argRequired(args.period, 'period'), argRequired(args.fileName, 'fileName'));
      // Zipped from the file as a stream: only the (≈ 10× smaller) ZIP is held, not the book (a part may be 200 MB).
      const zip = await zipFiles([{ name: row.fileName, path }]);
      return { file: { $xml: fileXml({ ...row }) }, zip: zip.toString('base64') };
    }),

    SaveLedgerSettings: soapOperation('SaveLedgerSettings', deps, async (caller, args) => {
      const s = (field: string) => argRequired(args[field], field);
      const branchName = argString(args.branchName);
      const branchNumber = argString(args.branchNumber);
      await ledgers.saveSettings(caller, {
        phone: s('phone'),
        email: s('email'),
        webSite: s('webSite'),
        address: { buildingNumber: s('buildingNumber'), street: s('street'), city: s('city'), postalCode: s('postalCode'), country: s('country') },
        nace: s('nace'),
        branch: branchName || branchNumber ? { name: branchName ?? '', number: branchNumber ?? '' } : null,
        accountant: { name: s('accountantName'), engagement: s('accountantEngagement') },
        enteredBy: s('enteredBy'),
      });
      return { saved: true };
    }),
  };
}

/**
 * A ready XBRL-GL Yevmiye as a month's source (seed 001: the ERP may hand over the journal already in GİB's format):
 * its entries read as a stream — a month may be gigabytes — into the same JournalEntry the CSV reader gives, so the
 * same checks (balance, müteselsil numbers, dates) and the same Dosya Oluştur follow. The company's header
 * (documentInfo, entityInformation) is not taken from the file: the books are written with the company's e-Defter
 * settings, as for a CSV. What is read, per GİB's Yevmiye guide (and what our own writer writes, so a Yevmiye we
 * built reads back as its journal):
 *
 *   gl-cor:entryHeader   entryNumberCounter (madde no), enteredDate, entryComment
 *   gl-cor:entryDetail   account/accountMainID, accountMainDescription, accountSub/accountSubID, accountSubDescription,
 *                        amount, debitCreditCode (D/C), documentType, documentTypeDescription, documentNumber,
 *                        documentDate, gl-bus:paymentMethod, detailComment
 *
 * saxes (strict, namespace-aware) does the parsing; a DOCTYPE is refused, as everywhere in the gateway. Anything
 * that is not a Yevmiye of this shape is LEDGER_SOURCE (4601) with the place it was found.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { GatewayError } from '../faults';
import { parseKurus, type JournalEntry, type JournalLine } from './journal';

const GL_COR = 'http://www.xbrl.org/int/gl/cor/2006-10-25';
const GL_BUS = 'http://www.xbrl.org/int/gl/bus/2006-10-25';
const EDEFTER = 'http://www.edefter.gov.tr';

const fault = (detail: string) => new GatewayError('LEDGER_SOURCE', { detail });
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The text facts read from an entryDetail, by their local name (gl-bus:paymentMethod included). */
const DETAIL_FACTS = new Set(['accountMainID', 'accountMainDescription', 'accountSubID', 'accountSubDescription', 'amount', 'debitCreditCode', 'documentType', 'documentTypeDescription', 'documentNumber', 'documentDate', 'paymentMethod', 'detailComment']);
const HEADER_FACTS = new Set(['entryNumberCounter', 'enteredDate', 'entryComment', 'entriesType']);

/** The entries of a ready XBRL-GL Yevmiye, in the file's order. */
export async function* readXbrlJournal(input: Readable): AsyncGenerator<JournalEntry> {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const ready: JournalEntry[] = [];
  let text = '';
  let header: Record<string, string> | null = null;
  let lines: JournalLine[] = [];
  let detail: Record<string, string> | null = null;
  let entriesType: string | null = null;
  let rootSeen = false;
  let failure: Error | null = null;
  const where = () => `satır ${parser.line}`;
  const fail = (detail: string) => {
    failure ??= fault(`${detail} (${where()})`);
  };

  parser.on('doctype', () => fail('DOCTYPE kabul edilmez'));
  parser.on('error', (err) => fail(`XML okunamadı: ${err.message.replace(/^.*?:\d+:\d+: /, '')}`));
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (!rootSeen) {
      rootSeen = true;
      if (tag.uri !== EDEFTER || tag.local !== 'defter') fail(`kök eleman edefter:defter değil (${tag.name})`);
    }
    text = '';
    if (tag.uri === GL_COR && tag.local === 'entryHeader') {
      if (entriesType !== 'journal') fail(`bir Yevmiye defteri değil (gl-cor:entriesType ${entriesType ?? 'yok'})`);
      header = {};
      lines = [];
    } else if (tag.uri === GL_COR && tag.local === 'entryDetail') {
      if (!header) fail('gl-cor:entryDetail bir gl-cor:entryHeader içinde değil');
      detail = {};
    }
  });
  parser.on('text', (t) => {
    text += t;
  });
  parser.on('closetag', (tag: SaxesTagNS) => {
    const value = text.trim();
    text = '';
    if ((tag.uri === GL_COR || tag.uri === GL_BUS) && detail && DETAIL_FACTS.has(tag.local)) detail[tag.local] = value;
    else if (tag.uri === GL_COR && header && !detail && HEADER_FACTS.has(tag.local)) header[tag.local] = value;
    else if (tag.uri === GL_COR && tag.local === 'entriesType' && !header) entriesType = value;
    if (tag.uri === GL_COR && tag.local === 'entryDetail' && detail && header) {
      lines.push(lineOf(detail, lines.length + 1, header));
      detail = null;
    } else if (tag.uri === GL_COR && tag.local === 'entryHeader' && header) {
      ready.push(entryOf(header, lines));
      header = null;
    }
  });

  function lineOf(d: Record<string, string>, lineNo: number, h: Record<string, string>): JournalLine {
    const at = `${h.entryNumberCounter ?? '?'} numaralı madde, ${lineNo}. satır`;
    const amount = parseKurus(d.amount ?? '');
    if (amount === null || amount <= 0n) fail(`${at}: gl-cor:amount ${JSON.stringify((d.amount ?? '').slice(0, 30))} pozitif bir tutar değil`);
    const side = d.debitCreditCode;
    if (side !== 'D' && side !== 'C') fail(`${at}: gl-cor:debitCreditCode D veya C olmalı (${JSON.stringify((side ?? '').slice(0, 10))})`);
    if (!d.accountMainID) fail(`${at}: gl-cor:accountMainID yok`);
    if (d.documentDate && !DATE.test(d.documentDate)) fail(`${at}: gl-cor:documentDate YYYY-AA-GG olmalı`);
    return {
      lineNo,
      account: d.accountMainID ?? '',
      accountName: d.accountMainDescription ?? '',
      subAccount: d.accountSubID || null,
      subAccountName: d.accountSubID ? d.accountSubDescription || null : null,
      side: side === 'C' ? 'C' : 'D',
      amount: amount ?? 0n,
      description: d.detailComment || null,
      documentType: d.documentType || null,
      documentTypeDescription: d.documentTypeDescription || null,
      documentNumber: d.documentNumber || null,
      documentDate: d.documentDate || null,
      paymentMethod: d.paymentMethod || null,
    };
  }

  function entryOf(h: Record<string, string>, entryLines: JournalLine[]): JournalEntry {
    const number = Number(h.entryNumberCounter);
    if (!/^\d+$/.test(h.entryNumberCounter ?? '') || number < 1) fail(`gl-cor:entryNumberCounter ${JSON.stringify((h.entryNumberCounter ?? '').slice(0, 20))} bir madde numarası değil`);
    if (!DATE.test(h.enteredDate ?? '')) fail(`${number} numaralı madde: gl-cor:enteredDate YYYY-AA-GG olmalı`);
    if (entryLines.length < 2) fail(`${number} numaralı madde en az iki satır olmalı`);
    return { number, date: h.enteredDate ?? '', description: h.entryComment || null, lines: entryLines, source: `${number} numaralı madde (${where()})` };
  }

  const decoder = new StringDecoder('utf8'); // a chunk may end inside a character
  for await (const chunk of input) {
    parser.write(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    if (failure) break;
    while (ready.length) yield ready.shift()!;
  }
  if (!failure) parser.write(decoder.end()).close();
  if (failure) {
    input.destroy();
    throw failure;
  }
  if (!rootSeen) throw fault('XML belgesi boş');
  while (ready.length) yield ready.shift()!;
}

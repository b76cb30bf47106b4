/**
 * The invoices a tenant sent, as lists and as documents: ListOutgoingInvoices (filters, newest first, keyset pages)
 * and GetInvoiceDocument (the signed UBL as it went out). Reads only; every query is scoped to the caller's tenant,
 * so another tenant's invoice is as absent as one that never existed.
 */
import type { Knex } from 'knex';
import { findInvoice, listInvoices, listKey, type DocumentKind, type InvoiceRow } from '../db/invoices';
import { GatewayError } from '../faults';
import type { Ettn } from '../ids';
import { earsivInvoiceMachine, efaturaInvoiceMachine, portalTab, type ElogoStatus, type PortalTab, type StateSpec } from '../machines';
import { invoiceStateOf } from './invoice.service';
import type { Caller } from '../security/authenticator';
import type { BlobStore } from '../storage/blob-store';
import { turkishDayStart } from '../turkish-time';

export interface OutgoingListQuery {
  /** Days (YYYY-MM-DD), both included; Turkish days when dateBy is CREATED. */
  from?: string | null;
  to?: string | null;
  /** CREATED (default): when the gateway took the invoice; ISSUED: the invoice's own date (e-Logo's DATEBY 0 / 1). */
  dateBy?: 'CREATED' | 'ISSUED' | null;
  kind?: DocumentKind | null;
  /** A state of the invoice machines (RECEIVED, DELIVERED, SUCCESS, …). */
  state?: string | null;
  /** e-Arşiv's portal tabs; an e-Fatura falls in the same three by its status (in progress, completed, failed). */
  portalTab?: PortalTab | null;
  receiverId?: string | null;
  numberPrefix?: string | null;
  pageSize?: number | null;
  /** nextPageToken of the previous page. */
  pageToken?: string | null;
}

export interface OutgoingInvoiceSummary {
  ettn: Ettn;
  invoiceNumber: string | null;
  documentKind: DocumentKind;
  profileId: string;
  typeCode: string;
  issueDate: string;
  receiverVknTckn: string;
  receiverName: string | null;
  payableAmount: string;
  currency: string;
  state: string;
  status: ElogoStatus;
  code: number;
  description: string;
  portalTab: PortalTab | null;
  /** e-Fatura: the SENDERENVELOPE that carries it, once enveloped. */
  envelopeId: string | null;
  receivedAt: string;
  updatedAt: string;
}

export interface OutgoingDocument {
  invoice: OutgoingInvoiceSummary;
  /** The signed UBL as sent; before signing (stages 10–20), the document as the gateway took it. */
  document: Buffer;
  signed: boolean;
  fileName: string;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;

const INVOICE_MACHINES = [efaturaInvoiceMachine, earsivInvoiceMachine] as const;
const TABS: readonly PortalTab[] = ['Henüz Sonuçlanmamış', 'Başarılı', 'Hatalı'];

/** For each machine, its states whose status puts them under the tab (machines as data: derived, not listed). */
function statesOfTab(tab: PortalTab, kind: DocumentKind | null) {
  return INVOICE_MACHINES.filter((m) => !kind || kindOfMachine(m.id) === kind).map((m) => ({
    machine: m.id,
    states: Object.entries(m.states as Record<string, StateSpec>)
      .filter(([, spec]) => portalTab(spec.status) === tab)
      .map(([name]) => name),
  }));
}

function kindOfMachine(machineId: string): DocumentKind {
  return machineId === earsivInvoiceMachine.id ? 'EARSIV' : 'EFATURA';
}

function statesNamed(state: string, kind: DocumentKind | null) {
  const found = INVOICE_MACHINES.filter((m) => (!kind || kindOfMachine(m.id) === kind) && state in m.states).map((m) => ({ machine: m.id, states: [state] }));
  if (found.length === 0) throw new GatewayError('REQUEST_FIELD', { field: 'state' });
  return found;
}

/** A request's day (YYYY-MM-DD), checked to be one that exists; REQUEST_FIELD naming `field` otherwise. */
export function day(value: string | null | undefined, field: string): string | null {
  if (value === null || value === undefined) return null;
  // Round-tripped: Date.parse takes 2026-02-30 as 2 March.
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : null;
  if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value) throw new GatewayError('REQUEST_FIELD', { field });
  return value;
}

function nextDay(d: string): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

type Order = 'CREATED' | 'ISSUED' | 'NUMBER';

/**
 * A keyset page token: where the page ended (its key in the page's order and its id), after `tag` (what the key is,
 * e.g. the order it was read in). Opaque to callers; checked when it comes back (decodePageToken).
 */
export function encodePageToken(at: { key: string; id: number }, ...tag: string[]): string {
  return Buffer.from(JSON.stringify([...tag, at.key, at.id])).toString('base64url');
}

/** The place an encodePageToken token with the same `tag` holds; REQUEST_FIELD (pageToken) for anything else. */
export function decodePageToken(token: string, ...tag: string[]): { key: string; id: number } {
  try {
    const parts = [...(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[])];
    const [key, id] = parts.slice(tag.length);
    if (tag.every((t, i) => parts[i] === t) && typeof key === 'string' && key.length <= 30 && Number.isSafeInteger(id)) return { key, id: id as number };
  } catch {
    // falls through to the fault
  }
  throw new GatewayError('REQUEST_FIELD', { field: 'pageToken' });
}

function summaryOf(row: InvoiceRow): OutgoingInvoiceSummary {
  return {
    ettn: row.ettn,
    invoiceNumber: row.number,
    documentKind: row.kind,
    profileId: row.profileId,
    typeCode: row.typeCode,
    issueDate: row.issueDate,
    receiverVknTckn: row.receiverId,
    receiverName: row.receiverName,
    payableAmount: row.payableAmount,
    currency: row.currency,
    ...invoiceStateOf(row),
    envelopeId: row.envelopeId,
    receivedAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function createOutgoingInvoiceService(deps: { db: Knex; blobs: BlobStore; /** See LIST_SCAN_ROWS. */ listScanRows?: number }) {
  return {
    async list(caller: Caller, query: OutgoingListQuery): Promise<{ invoices: OutgoingInvoiceSummary[]; nextPageToken: string | null }> {
      const dateBy = query.dateBy ?? 'CREATED';
      const from = day(query.from, 'from');
      const to = day(query.to, 'to');
      if (from && to && from > to) throw new GatewayError('REQUEST_FIELD', { field: 'from/to (from, to gününden sonra)' });
      const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw new GatewayError('REQUEST_FIELD', { field: `pageSize (1–${MAX_PAGE_SIZE})` });
      if (query.receiverId && !/^[0-9]{10,11}$/.test(query.receiverId)) throw new GatewayError('REQUEST_FIELD', { field: 'receiverVknTckn' });
      if (query.numberPrefix && !/^[A-Z0-9]{1,16}$/.test(query.numberPrefix)) throw new GatewayError('REQUEST_FIELD', { field: 'numberPrefix' });
      if (query.portalTab && !TABS.includes(query.portalTab)) throw new GatewayError('REQUEST_FIELD', { field: 'portalTab' });
      const kind = query.kind ?? null;

      // A state and a tab together: the state's rows, if its status is under the tab; none otherwise.
      let states = query.state ? statesNamed(query.state, kind) : query.portalTab ? statesOfTab(query.portalTab, kind) : null;
      if (states && query.state && query.portalTab) {
        const underTab = statesOfTab(query.portalTab, kind);
        states = states.filter((s) => underTab.some((t) => t.machine === s.machine && t.states.includes(query.state!)));
      }

      const bounds =
        dateBy === 'ISSUED'
          ? { from, to: to && nextDay(to) }
          : { from: from && turkishDayStart(from).toISOString(), to: to && turkishDayStart(to, 1).toISOString() };
      // A number prefix asks for a series: it is listed in number order, which GİB's numbering (gapless, rising
      // within a series and year) makes the order of issue, and which its index gives without a sort (by date, a
      // prefix matching a third of a million rows took 380 ms to page). With dates too, the dates bound the rows to
      // read, so the page is in date order: in number order, a day two years back under a busy series was read
      // after every later number.
      const order: Order = query.numberPrefix && !from && !to ? 'NUMBER' : dateBy;
      const { rows, resumeAfter } = await listInvoices(deps.db, caller.tenantId, {
        dateBy,
        order,
        ...bounds,
        kind,
        states,
        receiverId: query.receiverId ?? null,
        numberPrefix: query.numberPrefix ?? null,
        after: query.pageToken ? decodePageToken(query.pageToken, order) : null,
        limit: pageSize + 1, // one more than asked: whether there is a next page, without an empty last one
        ...(deps.listScanRows ? { scanRows: deps.listScanRows } : {}),
      });
      const page = rows.slice(0, pageSize);
      // A page may be short and still have a next one: its filters matched fewer rows than asked within the rows
      // one page reads (LIST_SCAN_ROWS), and the next page goes on from where the reading stopped.
      const next = rows.length > pageSize ? listKey(order, page[page.length - 1]!) : resumeAfter;
      return { invoices: page.map(summaryOf), nextPageToken: next ? encodePageToken(next, order) : null };
    },

    async document(caller: Caller, ref: { ettn?: Ettn | null; invoiceNumber?: string | null }): Promise<OutgoingDocument> {
      if (!ref.ettn && !ref.invoiceNumber) throw new GatewayError('REQUEST_FIELD', { field: 'ettn veya invoiceNumber' });
      const row = await findInvoice(deps.db, caller.tenantId, { ettn: ref.ettn, number: ref.invoiceNumber });
      if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
      const sha = row.signedSha256 ?? row.documentSha256;
      return {
        invoice: summaryOf(row),
        document: await deps.blobs.get(sha),
        signed: row.signedSha256 !== null || row.callerSigned,
        fileName: `${row.number ?? row.ettn}.xml`,
      };
    },
  };
}

export type OutgoingInvoiceService = ReturnType<typeof createOutgoingInvoiceService>;

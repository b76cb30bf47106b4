/**
 * The `invoices` table (the invoices tenants send, driven by the e-Fatura and e-Arşiv invoice machines) and
 * `number_series` (their gapless numbers).
 */
import type { Knex } from 'knex';
import { GatewayError } from '../faults';
import type { EnvelopeId, Ettn } from '../ids';
import { dbClient, parseJson, type Queryable } from './connect';
import { execute, executeReturning, selectAll, selectFirst } from './sql';

export type DocumentKind = 'EFATURA' | 'EARSIV';

export interface InvoiceRow {
  id: number;
  tenantId: number;
  machine: string;
  state: string;
  version: number;
  ettn: Ettn;
  number: string | null;
  kind: DocumentKind;
  profileId: string;
  typeCode: string;
  issueDate: string;
  receiverId: string;
  receiverName: string | null;
  currency: string;
  payableAmount: string;
  /** What the caller sent: with the ETTN, the idempotency key. */
  receivedSha256: string;
  /** The stored original. */
  documentSha256: string;
  signedSha256: string | null;
  callerSigned: boolean;
  context: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /** e-Fatura: the SENDERENVELOPE that carries it, once enveloped. */
  envelopeId: EnvelopeId | null;
}

export type NewInvoiceRow = Pick<
  InvoiceRow,
  'tenantId' | 'machine' | 'state' | 'ettn' | 'number' | 'kind' | 'profileId' | 'typeCode' | 'issueDate' | 'receiverId' | 'currency' | 'payableAmount' | 'receivedSha256' | 'callerSigned' | 'context' | 'createdAt'
> & { receiverName: string };

function toInvoice(r: Record<string, unknown>): InvoiceRow {
  return {
    id: Number(r.id),
    tenantId: Number(r.tenant_id),
    machine: String(r.machine),
    state: String(r.state),
    version: Number(r.version),
    ettn: r.ettn as Ettn,
    number: (r.invoice_number as string | null) ?? null,
    kind: r.kind as DocumentKind,
    profileId: String(r.profile_id),
    typeCode: String(r.type_code),
    issueDate: String(r.issue_date),
    receiverId: String(r.receiver_id),
    receiverName: (r.receiver_name as string | null) ?? null,
    currency: String(r.currency),
    payableAmount: String(r.payable_amount),
    receivedSha256: String(r.received_sha256),
    documentSha256: String(r.document_sha256),
    signedSha256: (r.signed_sha256 as string | null) ?? null,
    callerSigned: Boolean(r.caller_signed),
    context: parseJson<Record<string, unknown>>(r.context, {}),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    envelopeId: (r.envelope_id as EnvelopeId | null) ?? null,
  };
}

export async function insertInvoice(q: Queryable, i: NewInvoiceRow): Promise<number> {
  const [row] = await executeReturning<{ id: unknown }>(
    q,
    `insert into invoices (tenant_id, machine, state, version, ettn, invoice_number, kind, profile_id, type_code, issue_date, receiver_id,
       receiver_name, currency, payable_amount, received_sha256, document_sha256, caller_signed, context, created_at, updated_at)
     values (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id`,
    [
      i.tenantId, i.machine, i.state, i.ettn, i.number, i.kind, i.profileId, i.typeCode, i.issueDate, i.receiverId, i.receiverName.slice(0, 250),
      i.currency, i.payableAmount, i.receivedSha256, i.receivedSha256, i.callerSigned, JSON.stringify(i.context), i.createdAt, i.createdAt,
    ],
  );
  return Number(row!.id);
}

export async function invoiceById(q: Queryable, id: number): Promise<InvoiceRow | null> {
  const row = await selectFirst(q, 'select * from invoices where id = ?', [id]);
  return row ? toInvoice(row) : null;
}

/** A tenant's invoice by ETTN and/or number; another tenant's is not found. */
export async function findInvoice(q: Queryable, tenantId: number, ref: { ettn?: Ettn | null; number?: string | null }): Promise<InvoiceRow | null> {
  const where = ['tenant_id = ?'];
  const params: unknown[] = [tenantId];
  if (ref.ettn) {
    where.push('ettn = ?');
    params.push(ref.ettn);
  }
  if (ref.number) {
    where.push('invoice_number = ?');
    params.push(ref.number);
  }
  const row = await selectFirst(q, `select * from invoices where ${where.join(' and ')}`, params);
  return row ? toInvoice(row) : null;
}

/** The invoices an envelope carries, optionally only those in `state`. */
export async function invoicesOfEnvelope(q: Queryable, envelopeId: EnvelopeId, state?: string): Promise<Array<{ id: number; state: string }>> {
  const rows = state
    ? await selectAll(q, 'select id, state from invoices where envelope_id = ? and state = ?', [envelopeId, state])
    : await selectAll(q, 'select id, state from invoices where envelope_id = ?', [envelopeId]);
  return rows.map((r) => ({ id: Number(r.id), state: String(r.state) }));
}

/** Records the signed document, unless the row moved on meanwhile (false). */
export async function setSignedDocument(q: Queryable, id: number, version: number, sha256: string): Promise<boolean> {
  return (await execute(q, 'update invoices set signed_sha256 = ? where id = ? and version = ?', [sha256, id, version])) === 1;
}

/** Records the envelope that carries the invoice, unless the row moved on meanwhile (false). */
export async function setEnvelope(q: Queryable, id: number, version: number, envelopeId: EnvelopeId): Promise<boolean> {
  return (await execute(q, 'update invoices set envelope_id = ? where id = ? and version = ?', [envelopeId, id, version])) === 1;
}

// ---------------------------------------------------------------------------------------------------------------
// Number series

const MAX_SEQUENCE = 999_999_999;

/**
 * Takes the next invoice number of a tenant's series for a year, inside the caller's transaction: gapless because a
 * rolled-back transaction gives its number back, restarting each year because the year is part of the key, never
 * reused because the counter only grows. On PostgreSQL the increment's row lock serialises concurrent senders;
 * SQLite has one writer. Format (DOMAIN.md): 3-character prefix + 4-digit year + 9-digit sequence.
 */
export async function nextInvoiceNumber(
  trx: Knex.Transaction,
  series: { tenantId: number; kind: DocumentKind; prefix: string; year: number },
): Promise<string> {
  await execute(
    trx,
    'insert into number_series (tenant_id, kind, prefix, year, last_value) values (?, ?, ?, ?, 0) on conflict (tenant_id, prefix, year) do nothing',
    [series.tenantId, series.kind, series.prefix, series.year],
  );
  const [row] = await executeReturning<{ last_value: unknown; kind: string }>(
    trx,
    'update number_series set last_value = last_value + 1 where tenant_id = ? and prefix = ? and year = ? returning last_value, kind',
    [series.tenantId, series.prefix, series.year],
  );
  if (row.kind !== series.kind) {
    throw new GatewayError('REQUEST_FIELD', { field: `numberSeries (${series.prefix} serisi ${row.kind} icin kullaniliyor)` });
  }
  const value = Number(row.last_value);
  if (value > MAX_SEQUENCE) throw new GatewayError('NUMBER_SERIES_EXHAUSTED', { series: `${series.prefix}${series.year}` });
  return `${series.prefix}${series.year}${String(value).padStart(9, '0')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The outgoing list

export interface InvoiceListFilter {
  /** Which date the range applies to: when the gateway took the invoice, or its issue date. */
  dateBy: 'CREATED' | 'ISSUED';
  /** Inclusive lower bound of that date (ISO-8601 instant for CREATED, YYYY-MM-DD for ISSUED). */
  from?: string | null;
  /** Exclusive upper bound, same form. */
  to?: string | null;
  /** The order, newest first: by a date, or by invoice number (a number prefix's order; see the service). */
  order: 'CREATED' | 'ISSUED' | 'NUMBER';
  kind?: DocumentKind | null;
  /** Rows in any of these (machine, states) pairs. */
  states?: ReadonlyArray<{ machine: string; states: readonly string[] }> | null;
  receiverId?: string | null;
  /** Invoice numbers starting with this ([A-Z0-9]). */
  numberPrefix?: string | null;
  /** Continue after this row (the last one of the previous page): its key in the order, and its id. */
  after?: { key: string; id: number } | null;
  limit: number;
  /** LIST_SCAN_ROWS unless given (tests make it small to walk many short pages). */
  scanRows?: number;
}

const ORDER_COLUMN = { CREATED: 'created_at', ISSUED: 'issue_date', NUMBER: 'invoice_number' } as const;

/**
 * The index each page is read from on SQLite: the one that starts with the filter the query narrows by (a receiver,
 * else a state, else the tenant) and goes on in the page's order (migrations 006, 007). SQLite is told (INDEXED BY):
 * its planner picks by statistics the gateway does not keep (no ANALYZE runs), and with 007's indexes and no
 * statistics it took "newest 100" from a receiver's index and sorted a million rows (3.8 s). PostgreSQL keeps its own
 * statistics (autovacuum's ANALYZE) and picks these by itself (bench/outgoing-list.bench.ts).
 */
const LIST_INDEX = {
  tenant: { CREATED: 'invoices_tenant_created', ISSUED: 'invoices_tenant_issued', NUMBER: 'invoices_tenant_id_invoice_number_unique' },
  state: { CREATED: 'invoices_tenant_state_created', ISSUED: 'invoices_tenant_state_issued', NUMBER: 'invoices_tenant_state_number' },
  receiver: { CREATED: 'invoices_tenant_receiver_created', ISSUED: 'invoices_tenant_receiver_issued', NUMBER: 'invoices_tenant_receiver_number' },
} as const;

/**
 * The table a list page reads, named with its index on SQLite (INDEXED BY; see LIST_INDEX for why); PostgreSQL picks
 * by itself. `table` and `index` are constants of the caller: they go into SQL text.
 */
export function listSource(q: Queryable, table: string, index: string): string {
  return dbClient(q as Knex) === 'sqlite' ? `${table} indexed by ${index}` : table;
}

/**
 * How many rows of its index one page reads at most when some filter is not part of that index (a number series
 * listed by date, a kind, a date range listed by number, states of one receiver): such a filter may match nothing for
 * a long stretch (a 2025 series under a third of a million newer invoices took 230-430 ms), so the page stops there
 * and says where the next one goes on (`resumeAfter`). ≈ 20 ms of reading on either database.
 */
export const LIST_SCAN_ROWS = 20_000;

export interface InvoiceListPage {
  rows: InvoiceRow[];
  /**
   * Set when fewer rows than `limit` matched within the rows read and more may follow: the next page continues after
   * this key (every row before it was looked at).
   */
  resumeAfter: { key: string; id: number } | null;
}

/** A row's place in a list's order: its key in that order, and its id. */
export function listKey(order: InvoiceListFilter['order'], row: InvoiceRow): { key: string; id: number } {
  return { key: String(order === 'NUMBER' ? row.number : order === 'ISSUED' ? row.issueDate : row.createdAt), id: row.id };
}

interface Clause {
  sql: string;
  params: unknown[];
}

/**
 * A page of a tenant's invoices, newest first (by the chosen key, then id), read in the order of an index (migrations
 * 006 and 007, or the unique number index) so that a page costs the same on the millionth row as on the first. Keyset
 * paging, not OFFSET: a deep page skips nothing.
 */
export async function listInvoices(q: Queryable, tenantId: number, f: InvoiceListFilter): Promise<InvoiceListPage> {
  const range = f.dateBy === 'ISSUED' ? 'issue_date' : 'created_at';
  const order = ORDER_COLUMN[f.order];
  // What the index read by the page narrows by (tenant, its receiver or state, a range of its order) and what is
  // checked on the rows it gives (everything else).
  const covered: Clause[] = [{ sql: 'tenant_id = ?', params: [tenantId] }];
  const residual: Clause[] = [];
  const onRange = range === order ? covered : residual;
  if (f.from) onRange.push({ sql: `${range} >= ?`, params: [f.from] });
  if (f.to) onRange.push({ sql: `${range} < ?`, params: [f.to] });
  if (f.kind) residual.push({ sql: 'kind = ?', params: [f.kind] });
  if (f.receiverId) covered.push({ sql: 'receiver_id = ?', params: [f.receiverId] });
  if (f.numberPrefix) {
    // A range, not LIKE: SQLite's LIKE ignores case and so cannot use the index. The prefix is [A-Z0-9]+, so the
    // first string after all numbers that start with it is the prefix followed by a character above 'Z'.
    (f.order === 'NUMBER' ? covered : residual).push({ sql: 'invoice_number >= ? and invoice_number < ?', params: [f.numberPrefix, `${f.numberPrefix}~`] });
  }
  // A row value: both databases turn it into one range of the index (an OR of two comparisons would be scanned).
  if (f.after) covered.push({ sql: `(${order}, id) < (?, ?)`, params: [f.after.key, f.after.id] });
  const limit = Number(f.limit);
  const scanRows = Number(f.scanRows ?? LIST_SCAN_ROWS);
  const by = f.receiverId ? 'receiver' : f.states ? 'state' : 'tenant';
  const from = listSource(q, 'invoices', LIST_INDEX[by][f.order]);
  const sorted = `order by ${order} desc, id desc`;
  const where = (clauses: Clause[]) => ({ sql: clauses.map((c) => c.sql).join(' and '), params: clauses.flatMap((c) => c.params) });

  /** One read of the index: the page's rows, within LIST_SCAN_ROWS of it when some filter is checked on the rows. */
  interface Branch {
    covered: Clause[];
    residual: Clause[];
  }
  const pageOf = (b: Branch): Clause => {
    const c = where(b.covered);
    if (b.residual.length === 0) return { sql: `select * from ${from} where ${c.sql} ${sorted} limit ${limit}`, params: c.params };
    const r = where(b.residual);
    return { sql: `select * from (select * from ${from} where ${c.sql} ${sorted} limit ${scanRows}) w where ${r.sql} ${sorted} limit ${limit}`, params: [...c.params, ...r.params] };
  };
  /** The last row a capped read reached (none when the index held fewer rows than the cap: nothing was left out). */
  const boundaryOf = async (b: Branch): Promise<{ key: string; id: number } | null> => {
    const c = where(b.covered);
    const row = await selectFirst<{ k: string; id: number }>(q, `select ${order} as k, id from ${from} where ${c.sql} ${sorted} limit 1 offset ${scanRows - 1}`, c.params);
    return row ? { key: String(row.k), id: Number(row.id) } : null;
  };

  let branches: Branch[];
  if (!f.states) {
    branches = [{ covered, residual }];
  } else {
    const machinesOf = new Map<string, string[]>();
    for (const s of f.states) for (const state of s.states) machinesOf.set(state, [...(machinesOf.get(state) ?? []), s.machine]);
    if (machinesOf.size === 0) return { rows: [], resumeAfter: null };
    const inMachines = (machines: string[]) => `machine in (${machines.map(() => '?').join(', ')})`;
    if (f.receiverId) {
      // A receiver and states: the receiver's rows in order (its index), the states checked on them, stopping at a
      // page. Per state, a state the receiver has none of read all its rows: 27 ms each for a customer with 75,000.
      const pairs = [...machinesOf].map(([state, machines]) => ({ sql: `(state = ? and ${inMachines(machines)})`, params: [state, ...machines] }));
      branches = [{ covered, residual: [...residual, { sql: `(${pairs.map((p) => p.sql).join(' or ')})`, params: pairs.flatMap((p) => p.params) }] }];
    } else {
      // States alone (a portal tab is several): each state's newest rows are read from its (tenant, state, order)
      // index in order, at most a page of them, and the pages are merged. One IN over all states instead made both
      // databases collect every matching row and sort them: 150–480 ms for a tab holding 3 % of a million rows.
      branches = [...machinesOf].map(([state, machines]) => ({
        covered: [...covered, { sql: 'state = ?', params: [state] }],
        residual: [...residual, { sql: inMachines(machines), params: machines }],
      }));
    }
  }

  const pages = branches.map(pageOf);
  const query =
    pages.length === 1
      ? pages[0]!
      : { sql: `select * from (${pages.map((p, i) => `select * from (${p.sql}) b${i}`).join(' union all ')}) merged ${sorted} limit ${limit}`, params: pages.flatMap((p) => p.params) };
  let rows = (await selectAll(q, query.sql, query.params)).map(toInvoice);
  if (rows.length >= limit || branches.every((b) => b.residual.length === 0)) return { rows, resumeAfter: null };

  // A short page where rows were checked: complete only down to the latest point any capped read stopped at.
  let resume: { key: string; id: number } | null = null;
  const newer = (a: { key: string; id: number }, b: { key: string; id: number }) => a.key > b.key || (a.key === b.key && a.id > b.id);
  const stops = await Promise.all(branches.filter((b) => b.residual.length > 0).map(boundaryOf));
  for (const stop of stops) if (stop && (!resume || newer(stop, resume))) resume = stop;
  if (!resume) return { rows, resumeAfter: null };
  const last = resume;
  rows = rows.filter((r) => !newer(last, listKey(f.order, r)));
  return { rows, resumeAfter: resume };
}

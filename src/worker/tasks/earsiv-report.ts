/**
 * The daily e-Arşiv report (DOMAIN.md "e-Arşiv report", seed 000) and e-Arşiv cancellation.
 *
 *   earsiv.report        (periodic) collects each tenant's signed e-Arşiv invoices not yet in a report and its
 *                        cancelled ones whose cancellation was not reported, groups them by Istanbul day (an invoice
 *                        by its issue date, a cancellation by its cancellation date), and for each day builds the
 *                        eArsivRaporu (src/gib/protocol/earsiv-report.ts), signs it with the tenant's seal, stores
 *                        it, and in one transaction writes the report (CREATED, which enqueues its sending), its
 *                        items and moves every invoice SIGNED → IN_REPORT.
 *   earsiv-report.send   sendDocumentFile; then paket_id, report SENT (which enqueues the check) and its invoices
 *                        IN_REPORT → REPORTED in one transaction.
 *   earsiv-report.check  getBatchStatus until GİB decides: accepted → invoices SUCCESS (Başarılı), cancellations
 *                        CANCEL_REPORTED; rejected → invoices ERROR (Hatalı) with GİB's code and reason, and the
 *                        cancellations are taken out of the report to go into a later one.
 *
 * The rule that nothing is reported twice is the database's: earsiv_report_items has the primary key
 * (invoice_id, kind), so an invoice and its cancellation are each in at most one report, whatever runs concurrently.
 *
 * Schedule: with `everyMs === null` (production) a day is reported once it is over — the run after midnight
 * (00:05 Istanbul) reports yesterday, and anything of an earlier day that turned up late goes into another section
 * (bölüm) of that day. With `everyMs` set (tests, demo) every due item up to now is reported on each run, each run
 * adding a section to the day. A report holds at most `maxPerReport` entries (1000 by default); more make more
 * sections. Istanbul time is UTC+3 all year (since 2016).
 */
import { turkishDay, turkishDayStart } from '../../turkish-time';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { isUniqueViolation, parseJson } from '../../db/connect';
import { entities, type MachineStore } from '../../db/machine-store';
import type { WriteBatcher } from '../../db/write-batcher';
import { GatewayError, isGatewayError } from '../../faults';
import { earsivReportMachine } from '../../machines';
import type { EarsivClient } from '../../gib/earsiv-client';
import { isGibCallError, type GibCallError } from '../../gib/client-errors';
import { earsivReportInvoice } from '../../gib/earsiv-report-lines';
import {
  EARSIV_REPORT_SIGNATURE_PLACEMENT,
  buildEarsivReport,
  type EarsivReportCancellation,
  type EarsivReportInvoice,
} from '../../gib/protocol/earsiv-report';
import type { SignerRegistry } from '../../services/signer-registry';
import { signXml } from '../../signing/xades';
import type { BlobStore } from '../../storage/blob-store';
import { RETRY_LATER_MS, type Task, type TaskResult } from '../worker';

export const EARSIV_REPORT_BUILD_TASK = 'earsiv.report';
export const EARSIV_REPORT_SEND_TASK = 'earsiv-report.send';
export const EARSIV_REPORT_CHECK_TASK = 'earsiv-report.check';

const INVOICE_MACHINE = 'earsiv-invoice';
const REPORT_MACHINE = 'earsiv-report';
const REPORTS = 'earsiv_reports';
const ITEMS = 'earsiv_report_items';
const DEFAULT_MAX_PER_REPORT = 1000;
/** When GİB stayed away for all of a job's attempts: a fresh job this much later (as the outbox does). */
/** A tenant whose report could not be built (its seal unavailable…) is tried again this soon. */
const BUILD_RETRY_MS = 15 * 60 * 1000;

export interface EarsivReportDeps {
  db: Knex;
  writer: WriteBatcher;
  store: MachineStore;
  blobs: BlobStore;
  signers: Pick<SignerRegistry, 'signerFor' | 'drop'>;
  client: Pick<EarsivClient, 'sendReport' | 'getReportStatus'>;
  clock: () => Date;
  logger: Logger;
  /** null: daily (a day is reported after it ends); a number: every due item on every run, this often. */
  everyMs: number | null;
  /** How often GİB is asked about a report it has not decided yet. */
  checkEveryMs: number;
  /** Attempts of the retry jobs this module enqueues itself. */
  maxAttempts: number;
  /** baslik/hazirlayan: the integrator's VKN; the tenant's own VKN when not given (a self-hosted gateway). */
  integratorVkn?: string;
  /** Entries (invoices + cancellations) per report; 1000 by default. */
  maxPerReport?: number;
}

/** The Istanbul calendar day of an instant, YYYY-MM-DD. */
export const istanbulDay = turkishDay;

function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** The next 00:05 in Istanbul strictly after `now`. */
export function nextDailyRun(now: Date): Date {
  const today = istanbulDay(now);
  let at = turkishDayStart(today, 0, 5 * 60_000).getTime();
  if (at <= now.getTime()) at += 86_400_000;
  return new Date(at);
}

function idOf(row: unknown): number {
  return Number(typeof row === 'object' && row !== null ? (row as { id: unknown }).id : row);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------------------------
// Building

interface SignedRow {
  id: number;
  version: number;
  ettn: string;
  invoice_number: string;
  issue_date: string;
  signed_sha256: string;
}

interface CancelledRow {
  id: number;
  ettn: string;
  invoice_number: string;
  payable_amount: string;
  day: string;
}

export interface BuildSummary {
  /** Reports written. */
  reports: number;
  invoices: number;
  cancellations: number;
  /** Invoices that cannot be reported as they are, moved to ERROR (Hatalı). */
  refused: number;
  /** Tenants whose reports could not be built this time (tried again sooner). */
  failedTenants: number;
}

/** The build step on its own (the periodic task calls it): builds every report due at `now`. */
export async function buildEarsivReports(deps: EarsivReportDeps, now: Date = deps.clock()): Promise<BuildSummary> {
  const summary: BuildSummary = { reports: 0, invoices: 0, cancellations: 0, refused: 0, failedTenants: 0 };
  const today = istanbulDay(now);
  const lastDay = deps.everyMs === null ? previousDay(today) : today;
  const tenants = await deps.db('invoices')
    .where({ kind: 'EARSIV', machine: INVOICE_MACHINE })
    .whereIn('state', ['SIGNED', 'CANCELLED'])
    .distinct('tenant_id')
    .orderBy('tenant_id');
  for (const t of tenants) {
    const tenantId = Number(t.tenant_id);
    try {
      await buildForTenant(deps, tenantId, lastDay, summary);
    } catch (err) {
      summary.failedTenants++;
      deps.logger.error({ tenant: tenantId, error: describe(err) }, 'e-Arşiv report could not be built');
    }
  }
  return summary;
}

async function buildForTenant(deps: EarsivReportDeps, tenantId: number, lastDay: string, summary: BuildSummary): Promise<void> {
  const { db } = deps;
  const notIn = (kind: 'INVOICE' | 'CANCEL') =>
    function (this: Knex.QueryBuilder) {
      this.select(db.raw('1')).from(ITEMS).whereRaw(`${ITEMS}.invoice_id = invoices.id`).andWhere(`${ITEMS}.kind`, kind);
    };
  const signed: SignedRow[] = (
    await db('invoices')
      .where({ tenant_id: tenantId, kind: 'EARSIV', machine: INVOICE_MACHINE, state: 'SIGNED' })
      .andWhere('issue_date', '<=', lastDay)
      .whereNotExists(notIn('INVOICE'))
      .orderBy('id')
      .select('id', 'version', 'ettn', 'invoice_number', 'issue_date', 'signed_sha256')
  ).map((r) => ({ ...r, id: Number(r.id), version: Number(r.version) }));
  const cancelled: CancelledRow[] = (
    await db('invoices')
      .where({ tenant_id: tenantId, kind: 'EARSIV', machine: INVOICE_MACHINE, state: 'CANCELLED' })
      .whereNotExists(notIn('CANCEL'))
      .orderBy('id')
      .select('id', 'ettn', 'invoice_number', 'payable_amount', 'context', 'updated_at')
  )
    .map((r) => {
      const at = parseJson<{ cancelledAt?: string }>(r.context, {}).cancelledAt ?? r.updated_at;
      return { id: Number(r.id), ettn: r.ettn, invoice_number: r.invoice_number, payable_amount: r.payable_amount, day: istanbulDay(new Date(at)) };
    })
    .filter((r) => r.day <= lastDay);
  if (signed.length === 0 && cancelled.length === 0) return;

  const tenant = await db('tenants').where({ id: tenantId }).first('vkn');
  const days = [...new Set([...signed.map((s) => s.issue_date), ...cancelled.map((c) => c.day)])].sort();
  const max = Math.max(1, deps.maxPerReport ?? DEFAULT_MAX_PER_REPORT);
  for (const day of days) {
    const inv = signed.filter((s) => s.issue_date === day);
    const can = cancelled.filter((c) => c.day === day);
    for (let i = 0; i < inv.length + can.length; i += max) {
      // Invoices first, then cancellations, `max` entries a report.
      const invoices = inv.slice(i, i + max);
      const cancellations = can.slice(Math.max(0, i - inv.length), Math.max(0, i + max - inv.length));
      await buildOne(deps, { tenantId, vkn: String(tenant.vkn), day, invoices, cancellations }, summary);
    }
  }
}

/** When each invoice was signed, from its history (for an invoice that carries no xades:SigningTime). */
async function signedAtOf(db: Knex, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (ids.length === 0) return out;
  const rows = await db('state_history')
    .where({ machine: INVOICE_MACHINE, event: 'SIGN' })
    .whereIn('entity_id', ids)
    .groupBy('entity_id')
    .select('entity_id', db.raw('max(at) as at'));
  for (const r of rows) out.set(Number(r.entity_id), String(r.at));
  return out;
}

async function buildOne(
  deps: EarsivReportDeps,
  g: { tenantId: number; vkn: string; day: string; invoices: SignedRow[]; cancellations: CancelledRow[] },
  summary: BuildSummary,
): Promise<void> {
  const { db, logger } = deps;
  const integrator = deps.integratorVkn ?? g.vkn;
  const period = { start: g.day, end: g.day };
  const signedAt = await signedAtOf(db, g.invoices.map((i) => i.id));

  // Each invoice on its own first: one that cannot be reported must not hold back the others of its day.
  const lines: Array<{ row: SignedRow; line: EarsivReportInvoice }> = [];
  for (const row of g.invoices) {
    let line: EarsivReportInvoice;
    try {
      const bytes = await deps.blobs.get(row.signed_sha256);
      line = earsivReportInvoice(bytes, { ettn: row.ettn, number: row.invoice_number, ...(signedAt.has(row.id) ? { signedAt: new Date(signedAt.get(row.id)!) } : {}) });
      buildEarsivReport({ taxpayer: g.vkn, integrator, reportId: randomUUID(), period, invoices: [line] });
    } catch (err) {
      if (!isGatewayError(err)) {
        // Not the document's fault (a blob that cannot be read…): it stays SIGNED for the next run.
        logger.error({ invoice: row.id, error: describe(err) }, 'e-Arşiv invoice left out of the report');
        continue;
      }
      await refuseInvoice(deps, row, err);
      summary.refused++;
      continue;
    }
    lines.push({ row, line });
  }
  const cancellations: EarsivReportCancellation[] = g.cancellations.map((c) => ({
    number: c.invoice_number,
    ettn: c.ettn,
    cancelledOn: g.day,
    amount: c.payable_amount,
  }));
  if (lines.length === 0 && cancellations.length === 0) return;

  const last = await db(REPORTS).where({ tenant_id: g.tenantId, period_date: g.day }).max({ section: 'section' }).first();
  const section = Number(last?.section ?? 0) + 1;
  const reportId = randomUUID();
  const xml = buildEarsivReport({
    taxpayer: g.vkn,
    integrator,
    reportId,
    period,
    part: { start: g.day, end: g.day, number: section },
    invoices: lines.map((l) => l.line),
    cancellations,
  });
  let signed: Buffer;
  try {
    signed = await signXml(xml, await deps.signers.signerFor(g.tenantId), { placement: EARSIV_REPORT_SIGNATURE_PLACEMENT });
  } catch (err) {
    // A token pulled out or a session gone bad: open it afresh next time (as invoice.sign does).
    if (isGatewayError(err) && err.spec.retryable) await deps.signers.drop(g.tenantId);
    throw err;
  }
  const blobSha = await deps.blobs.put(signed);

  const at = deps.clock().toISOString();
  const reason = `e-Arsiv raporu ${g.day} bolum ${section}: ${lines.length} fatura, ${cancellations.length} iptal`;
  try {
    await deps.writer.run(async (trx) => {
      const [inserted] = await trx(REPORTS)
        .insert({
          tenant_id: g.tenantId,
          machine: REPORT_MACHINE,
          state: 'CREATED',
          version: 1,
          context: JSON.stringify({ invoices: lines.length, cancellations: cancellations.length }),
          uuid: reportId,
          period_date: g.day,
          section,
          blob_sha256: blobSha,
          created_at: at,
          updated_at: at,
        })
        .returning('id');
      const id = idOf(inserted);
      await deps.store.recordCreated(trx, earsivReportMachine, entities.earsivReport(id), 'worker', reason);
      const items = [
        ...lines.map((l) => ({ report_id: id, invoice_id: l.row.id, kind: 'INVOICE' })),
        ...g.cancellations.map((c) => ({ report_id: id, invoice_id: c.id, kind: 'CANCEL' })),
      ];
      for (let i = 0; i < items.length; i += 200) await trx(ITEMS).insert(items.slice(i, i + 200));
      for (const { row } of lines) {
        await deps.store.apply(
          entities.invoice(row.id),
          { event: 'ADD_TO_REPORT', actor: 'worker', reason: `e-Arsiv raporuna eklendi (${g.day}, bolum ${section})`, expectedVersion: row.version },
          trx,
        );
      }
    });
  } catch (err) {
    // Another run (another process) reported some of these first, or an invoice changed meanwhile: nothing of this
    // report was written; the next run starts again from what is in the database.
    if (isUniqueViolation(err) || (isGatewayError(err) && (err.fault === 'VERSION_CONFLICT' || err.fault === 'ILLEGAL_TRANSITION'))) {
      logger.info({ tenant: g.tenantId, day: g.day, error: describe(err) }, 'e-Arşiv report overtaken, built again next run');
      return;
    }
    throw err;
  }
  summary.reports++;
  summary.invoices += lines.length;
  summary.cancellations += cancellations.length;
  logger.info({ tenant: g.tenantId, day: g.day, section, report: reportId, invoices: lines.length, cancellations: cancellations.length }, 'e-Arşiv report built');
}

/** An invoice the report cannot carry as it is: Hatalı, with the reason (seed 000: it is fixed and sent again). */
async function refuseInvoice(deps: EarsivReportDeps, row: SignedRow, err: GatewayError): Promise<void> {
  deps.logger.warn({ invoice: row.id, error: err.message }, 'e-Arşiv invoice cannot be reported');
  try {
    await deps.store.apply(
      entities.invoice(row.id),
      {
        event: 'FAIL',
        actor: 'worker',
        reason: `e-Arsiv raporuna eklenemedi: ${err.message}`,
        code: err.code,
        codeDescription: `E-ARSIV RAPORUNA EKLENEMEDI: ${err.message}`,
        expectedVersion: row.version,
      },
    );
  } catch (e) {
    if (!(isGatewayError(e) && (e.fault === 'VERSION_CONFLICT' || e.fault === 'ILLEGAL_TRANSITION'))) throw e;
  }
}

export function earsivReportBuildTask(deps: EarsivReportDeps): Task {
  return {
    async run(): Promise<TaskResult> {
      const now = deps.clock();
      const summary = await buildEarsivReports(deps, now);
      let next = deps.everyMs === null ? nextDailyRun(now) : new Date(now.getTime() + deps.everyMs);
      if (summary.failedTenants > 0) next = new Date(Math.min(next.getTime(), now.getTime() + BUILD_RETRY_MS));
      return { runAgainAt: next };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Sending and checking

interface ReportRow {
  id: number;
  tenant_id: number;
  state: string;
  version: number;
  uuid: string;
  period_date: string;
  section: number;
  blob_sha256: string;
  paket_id: string | null;
}

async function reportRow(db: Knex | Knex.Transaction, id: number): Promise<ReportRow | undefined> {
  const r = await db(REPORTS).where({ id }).first('id', 'tenant_id', 'state', 'version', 'uuid', 'period_date', 'section', 'blob_sha256', 'paket_id');
  return r ? { ...r, id: Number(r.id), version: Number(r.version), section: Number(r.section) } : undefined;
}

async function itemInvoices(trx: Knex.Transaction, reportId: number, kind: 'INVOICE' | 'CANCEL') {
  const rows = await trx(`${ITEMS} as i`)
    .join('invoices as v', 'v.id', 'i.invoice_id')
    .where('i.report_id', reportId)
    .andWhere('i.kind', kind)
    .orderBy('v.id')
    .select('v.id', 'v.state', 'v.version', 'v.invoice_number');
  return rows.map((r) => ({ id: Number(r.id), state: String(r.state), version: Number(r.version), number: String(r.invoice_number) }));
}

/**
 * The report failed for good (GİB refused the package, or what we would send cannot be sent): report ERROR, its
 * invoices Hatalı with the reason, its cancellations taken out so they go into a later report.
 */
async function failReport(deps: EarsivReportDeps, reportId: number, code: number, description: string): Promise<void> {
  await deps.writer.run(async (trx) => {
    const cur = await reportRow(trx, reportId);
    if (!cur || cur.state !== 'CREATED') return;
    const plan = await planCancellations(trx, cur);
    await deps.store.apply(
      entities.earsivReport(reportId),
      { event: 'FAIL', actor: 'worker', reason: description, code, codeDescription: description, contextPatch: { releasedCancellations: plan.release.map((c) => c.id) }, expectedVersion: cur.version },
      trx,
    );
    for (const inv of await itemInvoices(trx, reportId, 'INVOICE')) {
      if (inv.state !== 'IN_REPORT') continue;
      await deps.store.apply(
        entities.invoice(inv.id),
        { event: 'REPORT_REJECTED', actor: 'worker', reason: `e-Arsiv raporu gonderilemedi: ${description}`, code, codeDescription: description, expectedVersion: inv.version },
        trx,
      );
    }
    await releaseCancellations(deps, trx, reportId, plan, description);
  });
}

/** A cancellation that went into this many failed reports is not put into another one (a person must look). */
export const MAX_CANCEL_REPORT_TRIES = 3;

interface CancelPlan {
  release: Array<{ id: number; number: string }>;
  keep: Array<{ id: number; number: string }>;
}

/**
 * Which cancellations of a failed report go back to be reported again: all, unless one has already failed in
 * MAX_CANCEL_REPORT_TRIES reports (counting this one) — a cancellation GİB refuses every time must not drag every
 * later report of its day down with it. Earlier tries are read from the failed reports' context.
 */
async function planCancellations(trx: Knex.Transaction, report: ReportRow): Promise<CancelPlan> {
  const cancels = await itemInvoices(trx, report.id, 'CANCEL');
  if (cancels.length === 0) return { release: [], keep: [] };
  const tries = new Map<number, number>();
  const failed = await trx(REPORTS).where({ tenant_id: report.tenant_id }).whereIn('state', ['REJECTED', 'ERROR']).whereNot({ id: report.id }).select('context');
  for (const f of failed) {
    for (const id of parseJson<{ releasedCancellations?: number[] }>(f.context, {}).releasedCancellations ?? []) tries.set(id, (tries.get(id) ?? 0) + 1);
  }
  const plan: CancelPlan = { release: [], keep: [] };
  for (const c of cancels) (1 + (tries.get(c.id) ?? 0) < MAX_CANCEL_REPORT_TRIES ? plan.release : plan.keep).push({ id: c.id, number: c.number });
  return plan;
}

/** Cancellations of a report GİB did not take: their items go, so the next build reports them again. */
async function releaseCancellations(deps: EarsivReportDeps, trx: Knex.Transaction, reportId: number, plan: CancelPlan, why: string): Promise<void> {
  if (plan.release.length > 0) {
    await trx(ITEMS).where({ report_id: reportId, kind: 'CANCEL' }).whereIn('invoice_id', plan.release.map((c) => c.id)).delete();
    deps.logger.warn({ report: reportId, invoices: plan.release.map((c) => c.number), reason: why }, 'cancellations of a failed e-Arşiv report will be reported again');
  }
  if (plan.keep.length > 0) {
    deps.logger.error(
      { report: reportId, invoices: plan.keep.map((c) => c.number), reason: why, tries: MAX_CANCEL_REPORT_TRIES },
      'cancellations failed in every e-Arşiv report they went into: not reported again, they need a person',
    );
  }
}

function gibRefusal(err: GibCallError): { code: number; description: string } {
  const code = err.gibCode ?? new GatewayError('GIB_REFUSED').code;
  return { code, description: `GIB RAPORU REDDETTI: ${err.message}`.slice(0, 1000) };
}

/** GİB away through all of a job's attempts: the same step, with a fresh job, an hour later. */
function retryReportLater(task: string): NonNullable<Task['retryLater']> {
  return {
    afterMs: RETRY_LATER_MS,
    key: (job, n) => `${task}:${REPORT_MACHINE}:${Number(job.payload.id)}:later:${n}`,
    message: 'GİB unreachable: trying the e-Arşiv report again later',
  };
}

export function earsivReportSendTask(deps: EarsivReportDeps): Task {
  return {
    async run(job) {
      const id = Number(job.payload.id);
      const row = await reportRow(deps.db, id);
      if (!row || row.state !== 'CREATED') return;
      const xml = await deps.blobs.get(row.blob_sha256);
      let sent: { paketId: string; duplicate?: boolean };
      try {
        sent = await deps.client.sendReport(xml, row.uuid);
      } catch (err) {
        // Retryable (GİB or the network away): the worker tries again with backoff, then an hour later (retryLater).
        if (!isGibCallError(err) || err.retryable) throw err;
        deps.logger.warn({ report: id, gibCode: err.gibCode, error: err.message }, 'GİB refused the e-Arşiv report');
        const r = gibRefusal(err);
        await failReport(deps, id, r.code, r.description);
        return;
      }
      await deps.writer.run(async (trx) => {
        const cur = await reportRow(trx, id);
        if (!cur || cur.state !== 'CREATED') return;
        await trx(REPORTS).where({ id }).update({ paket_id: sent.paketId });
        await deps.store.apply(
          entities.earsivReport(id),
          {
            event: 'SEND',
            actor: 'worker',
            reason: `GIB'e gonderildi, paket ${sent.paketId}${sent.duplicate ? ' (GIB paketi onceki denemede almisti)' : ''}`,
            expectedVersion: cur.version,
          },
          trx,
        );
        for (const inv of await itemInvoices(trx, id, 'INVOICE')) {
          if (inv.state !== 'IN_REPORT') continue;
          await deps.store.apply(
            entities.invoice(inv.id),
            { event: 'REPORT_SENT', actor: 'worker', reason: `e-Arsiv raporu GIB'e gonderildi (paket ${sent.paketId})`, expectedVersion: inv.version },
            trx,
          );
        }
      });
    },
    async onExhausted(job, err) {
      if (isGatewayError(err) && !err.spec.retryable) {
        // What we would send cannot be sent (a bug or bad data, never GİB's doing): the report fails for good.
        deps.logger.error({ report: job.payload.id, error: err.message }, 'e-Arşiv report cannot be sent');
        await failReport(deps, Number(job.payload.id), err.code, `RAPOR GONDERILEMEDI: ${err.message}`.slice(0, 1000));
      }
    },
    retryLater: retryReportLater(EARSIV_REPORT_SEND_TASK),
  };
}

export function earsivReportCheckTask(deps: EarsivReportDeps): Task {
  return {
    async run(job): Promise<TaskResult> {
      const id = Number(job.payload.id);
      const row = await reportRow(deps.db, id);
      if (!row || row.state !== 'SENT' || !row.paket_id) return;
      let status: { outcome: 'pending' | 'accepted' | 'rejected'; code: number; description: string };
      try {
        status = await deps.client.getReportStatus(row.paket_id);
      } catch (err) {
        // GİB says it does not know the package (304…): asking again will not help; a person must look.
        if (isGibCallError(err) && !err.retryable) throw new GatewayError('GIB_REFUSED', { detail: `getBatchStatus ${row.paket_id}: ${err.message}` }, err);
        throw err;
      }
      if (status.outcome === 'pending') return { runAgainAt: new Date(deps.clock().getTime() + deps.checkEveryMs) };
      const verdict = `${status.code} ${status.description}`;
      await deps.writer.run(async (trx) => {
        const cur = await reportRow(trx, id);
        if (!cur || cur.state !== 'SENT') return;
        if (status.outcome === 'accepted') {
          await deps.store.apply(
            entities.earsivReport(id),
            { event: 'ACCEPT', actor: 'gib', reason: `GIB raporu kabul etti: ${verdict}`, code: status.code, expectedVersion: cur.version },
            trx,
          );
          for (const inv of await itemInvoices(trx, id, 'INVOICE')) {
            if (inv.state !== 'REPORTED') {
              deps.logger.warn({ report: id, invoice: inv.id, state: inv.state }, 'invoice of an accepted e-Arşiv report is not REPORTED');
              continue;
            }
            await deps.store.apply(
              entities.invoice(inv.id),
              { event: 'REPORT_ACCEPTED', actor: 'gib', reason: `e-Arsiv raporu kabul edildi (paket ${row.paket_id})`, expectedVersion: inv.version },
              trx,
            );
          }
          for (const inv of await itemInvoices(trx, id, 'CANCEL')) {
            if (inv.state !== 'CANCELLED') continue;
            await deps.store.apply(
              entities.invoice(inv.id),
              { event: 'CANCEL_REPORTED', actor: 'gib', reason: `iptal e-Arsiv raporunda bildirildi (${row.period_date}, paket ${row.paket_id})`, expectedVersion: inv.version },
              trx,
            );
          }
          return;
        }
        const plan = await planCancellations(trx, cur);
        await deps.store.apply(
          entities.earsivReport(id),
          {
            event: 'REJECT',
            actor: 'gib',
            reason: `GIB raporu reddetti: ${verdict}`,
            code: status.code,
            codeDescription: status.description,
            contextPatch: { releasedCancellations: plan.release.map((c) => c.id) },
            expectedVersion: cur.version,
          },
          trx,
        );
        for (const inv of await itemInvoices(trx, id, 'INVOICE')) {
          if (inv.state !== 'REPORTED' && inv.state !== 'IN_REPORT') continue;
          await deps.store.apply(
            entities.invoice(inv.id),
            { event: 'REPORT_REJECTED', actor: 'gib', reason: `e-Arsiv raporu reddedildi: ${verdict}`, code: status.code, codeDescription: status.description, expectedVersion: inv.version },
            trx,
          );
        }
        await releaseCancellations(deps, trx, id, plan, verdict);
      });
      if (status.outcome === 'rejected') deps.logger.warn({ report: id, paket: row.paket_id, code: status.code, description: status.description }, 'GİB rejected the e-Arşiv report');
    },
    async onExhausted(job, err) {
      if (isGatewayError(err) && !err.spec.retryable) {
        deps.logger.error({ report: job.payload.id, error: err.message }, 'e-Arşiv report status cannot be asked: left as SENT');
      }
    },
    retryLater: retryReportLater(EARSIV_REPORT_CHECK_TASK),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Cancellation

/** How the state an invoice is in reads in the refusal (seed 000's words, e-Logo's portal tabs). */
function durum(state: string): string {
  if (state === 'ERROR') return 'HATALI';
  if (state === 'CANCELLED' || state === 'CANCEL_REPORTED') return 'IPTAL EDILMIS';
  return 'HENUZ SONUCLANMAMIS';
}

/**
 * Cancels a successful e-Arşiv invoice of the tenant (seed 000): only one in SUCCESS (Başarılı) can be cancelled —
 * errored or not yet concluded ones cannot (CANCEL_NOT_ALLOWED, 4508). The cancellation is reported in the report
 * of its date (`context.cancelledAt`, an Istanbul day), and its number is never used again (number_series is
 * gapless and moves only forward; nothing is given back here). Another tenant's invoice is DOCUMENT_NOT_FOUND.
 */
export async function cancelEarsivInvoice(
  deps: Pick<EarsivReportDeps, 'db' | 'store' | 'clock'>,
  tenantId: number,
  ref: { ettn?: string; number?: string },
  actor: string,
): Promise<{ state: string; cancelledAt: string }> {
  if (!ref.ettn && !ref.number) throw new GatewayError('REQUEST_FIELD', { field: 'ettn veya invoiceNumber' });
  const where: Record<string, unknown> = { tenant_id: tenantId };
  if (ref.ettn) where.ettn = ref.ettn.toLowerCase();
  if (ref.number) where.invoice_number = ref.number;
  const row = await deps.db('invoices').where(where).first('id', 'kind', 'machine', 'state', 'version');
  if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
  if (row.kind !== 'EARSIV' || row.machine !== INVOICE_MACHINE) {
    throw new GatewayError('CANCEL_NOT_ALLOWED', { reason: 'BU ISLEMLE SADECE E-ARSIV FATURALARI IPTAL EDILEBILIR (E-FATURA ICIN IPTAL TALEBI KULLANILIR)' });
  }
  if (row.state !== 'SUCCESS') {
    throw new GatewayError('CANCEL_NOT_ALLOWED', { reason: `SADECE BASARILI DURUMDAKI E-ARSIV FATURALARI IPTAL EDILEBILIR (DURUM: ${durum(row.state)})` });
  }
  const cancelledAt = deps.clock().toISOString();
  const result = await deps.store.apply(
    entities.invoice(Number(row.id)),
    {
      event: 'CANCEL',
      actor,
      reason: `e-Arsiv fatura iptal edildi; ${istanbulDay(new Date(cancelledAt))} tarihli e-Arsiv raporunda bildirilecek`,
      contextPatch: { cancelledAt },
      expectedVersion: Number(row.version),
    },
  );
  return { state: result.to, cancelledAt };
}

/**
 * The daily e-Arşiv report (DOMAIN.md "e-Arşiv report", seed 000). Three steps, each a job (src/worker/tasks):
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
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { isUniqueViolation } from '../db/connect';
import {
  cancellationsNotReported,
  failedReportContexts,
  insertReport,
  insertReportItems,
  lastSection,
  releaseCancelItems,
  reportById,
  reportInvoices,
  setPaketId,
  signedEarsivNotReported,
  tenantsWithEarsivToReport,
  type ReportRow,
  type SignedEarsivInvoice,
} from '../db/earsiv-reports';
import { entities, lastEventAt, type MachineStore } from '../db/machine-store';
import { tenantById } from '../db/tenants';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError, isGatewayError } from '../faults';
import { isGibCallError, type GibCallError } from '../gib/client-errors';
import type { EarsivClient } from '../gib/earsiv-client';
import { earsivReportInvoice } from '../gib/protocol/earsiv-report-lines';
import {
  EARSIV_REPORT_SIGNATURE_PLACEMENT,
  buildEarsivReport,
  type EarsivReportCancellation,
  type EarsivReportInvoice,
} from '../gib/protocol/earsiv-report';
import { earsivInvoiceMachine, earsivReportMachine } from '../machines';
import { signXml } from '../signing/xades';
import type { BlobStore } from '../storage/blob-store';
import { turkishDay, turkishDayStart } from '../turkish-time';
import type { SignerRegistry } from './signer-registry';

const DEFAULT_MAX_PER_REPORT = 1000;
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

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------------------------
// Building

interface CancelledRow {
  id: number;
  ettn: string;
  number: string;
  payableAmount: string;
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
async function buildEarsivReports(deps: EarsivReportDeps, now: Date = deps.clock()): Promise<BuildSummary> {
  const summary: BuildSummary = { reports: 0, invoices: 0, cancellations: 0, refused: 0, failedTenants: 0 };
  const today = istanbulDay(now);
  const lastDay = deps.everyMs === null ? previousDay(today) : today;
  for (const tenantId of await tenantsWithEarsivToReport(deps.db)) {
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
  const signed = await signedEarsivNotReported(deps.db, tenantId, lastDay);
  const cancelled: CancelledRow[] = (await cancellationsNotReported(deps.db, tenantId))
    .map((r) => ({ id: r.id, ettn: r.ettn, number: r.number, payableAmount: r.payableAmount, day: istanbulDay(new Date(r.cancelledAt)) }))
    .filter((r) => r.day <= lastDay);
  if (signed.length === 0 && cancelled.length === 0) return;

  const tenant = (await tenantById(deps.db, tenantId))!;
  const days = [...new Set([...signed.map((s) => s.issueDate), ...cancelled.map((c) => c.day)])].sort();
  const max = Math.max(1, deps.maxPerReport ?? DEFAULT_MAX_PER_REPORT);
  for (const day of days) {
    const inv = signed.filter((s) => s.issueDate === day);
    const can = cancelled.filter((c) => c.day === day);
    for (let i = 0; i < inv.length + can.length; i += max) {
      // Invoices first, then cancellations, `max` entries a report.
      const invoices = inv.slice(i, i + max);
      const cancellations = can.slice(Math.max(0, i - inv.length), Math.max(0, i + max - inv.length));
      await buildOne(deps, { tenantId, vkn: tenant.vkn, day, invoices, cancellations }, summary);
    }
  }
}

async function buildOne(
  deps: EarsivReportDeps,
  g: { tenantId: number; vkn: string; day: string; invoices: SignedEarsivInvoice[]; cancellations: CancelledRow[] },
  summary: BuildSummary,
): Promise<void> {
  const { db, logger } = deps;
  const integrator = deps.integratorVkn ?? g.vkn;
  const period = { start: g.day, end: g.day };
  // When each invoice was signed, from its history (for an invoice that carries no xades:SigningTime).
  const signedAt = await lastEventAt(db, earsivInvoiceMachine.id, 'SIGN', g.invoices.map((i) => i.id));

  // Each invoice on its own first: one that cannot be reported must not hold back the others of its day.
  const lines: Array<{ row: SignedEarsivInvoice; line: EarsivReportInvoice }> = [];
  for (const row of g.invoices) {
    let line: EarsivReportInvoice;
    try {
      const bytes = await deps.blobs.get(row.signedSha256);
      line = earsivReportInvoice(bytes, { ettn: row.ettn, number: row.number, ...(signedAt.has(row.id) ? { signedAt: new Date(signedAt.get(row.id)!) } : {}) });
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
    number: c.number,
    ettn: c.ettn,
    cancelledOn: g.day,
    amount: c.payableAmount,
  }));
  if (lines.length === 0 && cancellations.length === 0) return;

  const section = (await lastSection(db, g.tenantId, g.day)) + 1;
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

  const at = deps.clock().toISOString();
  const reason = `e-Arsiv raporu ${g.day} bolum ${section}: ${lines.length} fatura, ${cancellations.length} iptal`;
  try {
    await deps.writer.run(async (trx) => {
      const blobSha = await deps.blobs.put(signed, trx);
      const id = await insertReport(trx, {
        tenantId: g.tenantId,
        machine: earsivReportMachine.id,
        state: earsivReportMachine.initial,
        context: { invoices: lines.length, cancellations: cancellations.length },
        uuid: reportId,
        periodDate: g.day,
        section,
        blobSha256: blobSha,
        at,
      });
      await deps.store.recordCreated(trx, earsivReportMachine, entities.earsivReport(id), 'worker', reason);
      await insertReportItems(trx, id, [
        ...lines.map((l) => ({ invoiceId: l.row.id, kind: 'INVOICE' as const })),
        ...g.cancellations.map((c) => ({ invoiceId: c.id, kind: 'CANCEL' as const })),
      ]);
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
async function refuseInvoice(deps: EarsivReportDeps, row: SignedEarsivInvoice, err: GatewayError): Promise<void> {
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

/** When the next build is due after one at `now` (sooner when a tenant failed). */
function nextBuildAt(deps: Pick<EarsivReportDeps, 'everyMs'>, now: Date, summary: BuildSummary): Date {
  let next = deps.everyMs === null ? nextDailyRun(now) : new Date(now.getTime() + deps.everyMs);
  if (summary.failedTenants > 0) next = new Date(Math.min(next.getTime(), now.getTime() + BUILD_RETRY_MS));
  return next;
}

// ---------------------------------------------------------------------------------------------------------------
// Sending and checking

/**
 * The report failed for good (GİB refused the package, or what we would send cannot be sent): report ERROR, its
 * invoices Hatalı with the reason, its cancellations taken out so they go into a later report.
 */
async function failReport(deps: EarsivReportDeps, reportId: number, code: number, description: string): Promise<void> {
  await deps.writer.run(async (trx) => {
    const cur = await reportById(trx, reportId);
    if (!cur || cur.state !== 'CREATED') return;
    const plan = await planCancellations(trx, cur);
    await deps.store.apply(
      entities.earsivReport(reportId),
      { event: 'FAIL', actor: 'worker', reason: description, code, codeDescription: description, contextPatch: { releasedCancellations: plan.release.map((c) => c.id) }, expectedVersion: cur.version },
      trx,
    );
    for (const inv of await reportInvoices(trx, reportId, 'INVOICE')) {
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
  const cancels = await reportInvoices(trx, report.id, 'CANCEL');
  if (cancels.length === 0) return { release: [], keep: [] };
  const tries = new Map<number, number>();
  for (const context of await failedReportContexts(trx, report.tenantId, report.id)) {
    for (const id of (context.releasedCancellations as number[] | undefined) ?? []) tries.set(id, (tries.get(id) ?? 0) + 1);
  }
  const plan: CancelPlan = { release: [], keep: [] };
  for (const c of cancels) (1 + (tries.get(c.id) ?? 0) < MAX_CANCEL_REPORT_TRIES ? plan.release : plan.keep).push({ id: c.id, number: c.number });
  return plan;
}

/** Cancellations of a report GİB did not take: their items go, so the next build reports them again. */
async function releaseCancellations(deps: EarsivReportDeps, trx: Knex.Transaction, reportId: number, plan: CancelPlan, why: string): Promise<void> {
  if (plan.release.length > 0) {
    await releaseCancelItems(trx, reportId, plan.release.map((c) => c.id));
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

/**
 * earsiv-report.send: sendDocumentFile; then paket_id, report SENT (which enqueues the check) and its invoices
 * IN_REPORT → REPORTED in one transaction. GİB or the network away: the error is thrown (the job retries); GİB
 * refusing the package: the report fails (its invoices Hatalı).
 */
async function sendEarsivReport(deps: EarsivReportDeps, id: number): Promise<void> {
  const row = await reportById(deps.db, id);
  if (!row || row.state !== 'CREATED') return;
  const xml = await deps.blobs.get(row.blobSha256);
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
    const cur = await reportById(trx, id);
    if (!cur || cur.state !== 'CREATED') return;
    await setPaketId(trx, id, sent.paketId);
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
    for (const inv of await reportInvoices(trx, id, 'INVOICE')) {
      if (inv.state !== 'IN_REPORT') continue;
      await deps.store.apply(
        entities.invoice(inv.id),
        { event: 'REPORT_SENT', actor: 'worker', reason: `e-Arsiv raporu GIB'e gonderildi (paket ${sent.paketId})`, expectedVersion: inv.version },
        trx,
      );
    }
  });
}

/** The send step failed for good with a fault of ours (bad data or a bug, never GİB's doing): the report fails. */
async function reportCannotBeSent(deps: EarsivReportDeps, id: number, err: unknown): Promise<void> {
  if (!isGatewayError(err) || err.spec.retryable) return;
  deps.logger.error({ report: id, error: err.message }, 'e-Arşiv report cannot be sent');
  await failReport(deps, id, err.code, `RAPOR GONDERILEMEDI: ${err.message}`.slice(0, 1000));
}

/**
 * earsiv-report.check: getBatchStatus until GİB decides. Accepted → invoices SUCCESS (Başarılı), cancellations
 * CANCEL_REPORTED; rejected → invoices ERROR (Hatalı) with GİB's code and reason, and the cancellations are taken
 * out of the report to go into a later one. Returns when to ask again while GİB has not decided.
 */
async function checkEarsivReport(deps: EarsivReportDeps, id: number): Promise<{ askAgainAt: Date } | null> {
  const row = await reportById(deps.db, id);
  if (!row || row.state !== 'SENT' || !row.paketId) return null;
  const paketId = row.paketId;
  let status: { outcome: 'pending' | 'accepted' | 'rejected'; code: number; description: string };
  try {
    status = await deps.client.getReportStatus(paketId);
  } catch (err) {
    // GİB says it does not know the package (304…): asking again will not help; a person must look.
    if (isGibCallError(err) && !err.retryable) throw new GatewayError('GIB_REFUSED', { detail: `getBatchStatus ${paketId}: ${err.message}` }, err);
    throw err;
  }
  if (status.outcome === 'pending') return { askAgainAt: new Date(deps.clock().getTime() + deps.checkEveryMs) };
  const verdict = `${status.code} ${status.description}`;
  await deps.writer.run(async (trx) => {
    const cur = await reportById(trx, id);
    if (!cur || cur.state !== 'SENT') return;
    if (status.outcome === 'accepted') {
      await deps.store.apply(
        entities.earsivReport(id),
        { event: 'ACCEPT', actor: 'gib', reason: `GIB raporu kabul etti: ${verdict}`, code: status.code, expectedVersion: cur.version },
        trx,
      );
      for (const inv of await reportInvoices(trx, id, 'INVOICE')) {
        if (inv.state !== 'REPORTED') {
          deps.logger.warn({ report: id, invoice: inv.id, state: inv.state }, 'invoice of an accepted e-Arşiv report is not REPORTED');
          continue;
        }
        await deps.store.apply(
          entities.invoice(inv.id),
          { event: 'REPORT_ACCEPTED', actor: 'gib', reason: `e-Arsiv raporu kabul edildi (paket ${paketId})`, expectedVersion: inv.version },
          trx,
        );
      }
      for (const inv of await reportInvoices(trx, id, 'CANCEL')) {
        if (inv.state !== 'CANCELLED') continue;
        await deps.store.apply(
          entities.invoice(inv.id),
          { event: 'CANCEL_REPORTED', actor: 'gib', reason: `iptal e-Arsiv raporunda bildirildi (${row.periodDate}, paket ${paketId})`, expectedVersion: inv.version },
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
    for (const inv of await reportInvoices(trx, id, 'INVOICE')) {
      if (inv.state !== 'REPORTED' && inv.state !== 'IN_REPORT') continue;
      await deps.store.apply(
        entities.invoice(inv.id),
        { event: 'REPORT_REJECTED', actor: 'gib', reason: `e-Arsiv raporu reddedildi: ${verdict}`, code: status.code, codeDescription: status.description, expectedVersion: inv.version },
        trx,
      );
    }
    await releaseCancellations(deps, trx, id, plan, verdict);
  });
  if (status.outcome === 'rejected') deps.logger.warn({ report: id, paket: paketId, code: status.code, description: status.description }, 'GİB rejected the e-Arşiv report');
  return null;
}

export function createEarsivReportService(deps: EarsivReportDeps) {
  return {
    /** earsiv.report: builds every report due at `now`. */
    build: (now: Date = deps.clock()) => buildEarsivReports(deps, now),
    /** When the next build is due after one at `now` (sooner when a tenant's report could not be built). */
    nextBuildAt: (now: Date, summary: BuildSummary) => nextBuildAt(deps, now, summary),
    send: (reportId: number) => sendEarsivReport(deps, reportId),
    /** The send step failed for good with a fault of ours: the report fails (a retryable error changes nothing). */
    cannotBeSent: (reportId: number, err: unknown) => reportCannotBeSent(deps, reportId, err),
    check: (reportId: number) => checkEarsivReport(deps, reportId),
    /** Asking GİB failed for good (it does not know the package): the report stays SENT, for a person. */
    cannotBeChecked(reportId: number, err: unknown): void {
      if (isGatewayError(err) && !err.spec.retryable) deps.logger.error({ report: reportId, error: err.message }, 'e-Arşiv report status cannot be asked: left as SENT');
    },
  };
}

export type EarsivReportService = ReturnType<typeof createEarsivReportService>;

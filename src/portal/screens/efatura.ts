/**
 * e-Fatura Gelen Kutusu: the invoices other companies sent the tenant (src/services/inbox.service.ts), filtered and
 * paged by the database (a tenant may hold millions), as CSV too; one invoice's page with its envelope, history,
 * documents (UBL, HTML, PDF through the visuals service) and the KABUL / RED answer of a TICARIFATURA within its
 * 8 days (src/services/application-response.service.ts: the service decides; a refusal shows its message and code).
 * Another company's invoice is the portal's 404.
 */
import { GatewayError } from '../../faults';
import { displayEnvelopeId, type Ettn } from '../../ids';
import type { InboxPageQuery } from '../../services/inbox.service';
import type { VisualFormat } from '../../services/invoice-visual.service';
import { sendDownload, type PortalContext, type PortalScreen } from '../router';
import { csvLine, csvRow, CSV_HEADER, detailPath, inboxDetailBody, inboxListBody, INBOX_STATES, PAGE_SIZES, PROFILES, type InboxFilterForm } from './efatura-inbox-views';
import { ettnParam, faultLine, formDay, gibService, ownRecord } from './efatura-shared';

/** At most this many rows in one CSV: a larger export is narrowed by its dates (each is read page by page anyway). */
const CSV_MAX_ROWS = 100_000;
const CSV_PAGE = 500;

function filterForm(ctx: PortalContext): InboxFilterForm {
  return {
    baslangic: ctx.query('baslangic'),
    bitis: ctx.query('bitis'),
    gonderen: ctx.query('gonderen'),
    faturaNo: ctx.query('faturaNo')?.toUpperCase() ?? null,
    senaryo: ctx.query('senaryo'),
    durum: ctx.query('durum'),
    adet: ctx.query('adet'),
  };
}

/** The form's values as the service's query; anything malformed is PORTAL_INPUT naming the field. */
function inboxQuery(f: InboxFilterForm): InboxPageQuery {
  const from = formDay(f.baslangic, 'Başlangıç Tarihi');
  const to = formDay(f.bitis, 'Bitiş Tarihi');
  if (from && to && from > to) throw new GatewayError('PORTAL_DATE_RANGE', { detail: 'BAŞLANGIÇ TARİHİ BİTİŞ TARİHİNDEN SONRA' });
  if (f.gonderen && !/^[0-9]{10,11}$/.test(f.gonderen)) throw new GatewayError('PORTAL_INPUT', { field: 'Gönderen VKN/TCKN (10 veya 11 hane)' });
  if (f.faturaNo && !/^[A-Z0-9]{1,16}$/.test(f.faturaNo)) throw new GatewayError('PORTAL_INPUT', { field: 'Fatura No' });
  if (f.senaryo && !(PROFILES as readonly string[]).includes(f.senaryo)) throw new GatewayError('PORTAL_INPUT', { field: 'Senaryo' });
  if (f.durum && !INBOX_STATES.some((s) => s.state === f.durum)) throw new GatewayError('PORTAL_INPUT', { field: 'Durum' });
  if (f.adet && !(PAGE_SIZES as readonly string[]).includes(f.adet)) throw new GatewayError('PORTAL_INPUT', { field: 'Kayıt Sayısı' });
  return { from, to, senderVkn: f.gonderen, invoiceNumber: f.faturaNo, profileId: f.senaryo, state: f.durum, pageSize: Number(f.adet ?? 50) };
}

const FORMATS: Record<string, VisualFormat | undefined> = { ubl: 'UBL', html: 'HTML', pdf: 'PDF' };

export const efaturaScreen: PortalScreen = (r, deps) => {
  const { inbox, visuals } = deps.services;

  r.get('/e-fatura/gelen', async (ctx) => {
    const title = 'e-Fatura Gelen Kutusu';
    const form = filterForm(ctx);
    const token = ctx.query('sayfa');
    let page;
    try {
      page = await inbox.page(ctx.session.caller.tenantId, { ...inboxQuery(form), pageToken: token });
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      // A filter typed wrong (or a page token tampered with): the form again, with what is wrong.
      const shown = err.fault === 'REQUEST_FIELD' ? new GatewayError('PORTAL_INPUT', { field: String(err.params.field ?? '') }) : err;
      return ctx.render({ title, menu: 'efatura-gelen', body: inboxListBody(form, [], null, true, faultLine(shown)) }, 400);
    }
    await ctx.render({ title, menu: 'efatura-gelen', body: inboxListBody(form, page.invoices, page.nextPageToken, !token) });
  });

  // The list as CSV for Excel, with the same filters, written page by page (never the whole inbox in memory).
  r.get('/e-fatura/gelen/csv', async (ctx) => {
    const query = inboxQuery(filterForm(ctx));
    const res = ctx.res;
    res.status(200).setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="gelen-kutusu.csv"');
    res.setHeader('Cache-Control', 'no-store');
    res.write(`\uFEFF${csvLine(CSV_HEADER)}`);
    let token: string | null = null;
    let written = 0;
    do {
      const page = await inbox.page(ctx.session.caller.tenantId, { ...query, pageSize: CSV_PAGE, pageToken: token });
      for (const v of page.invoices.slice(0, CSV_MAX_ROWS - written)) res.write(csvRow(v));
      written += page.invoices.length;
      token = page.nextPageToken;
    } while (token && written < CSV_MAX_ROWS);
    if (token) res.write(csvLine([`Liste ilk ${CSV_MAX_ROWS} kayıtla sınırlandı; tarih aralığını daraltınız.`]));
    res.end();
  });

  r.get('/e-fatura/gelen/:ettn', async (ctx) => {
    const ettn = ettnParam(ctx.req.params.ettn);
    const tenantId = ctx.session.caller.tenantId;
    const invoice = await ownRecord(() => inbox.getIncoming(tenantId, ettn));
    const [history, envelope] = await Promise.all([inbox.history(tenantId, ettn), inbox.envelope(tenantId, ettn)]);
    await ctx.render({
      title: `Gelen Fatura ${invoice.invoiceNumber}`,
      menu: 'efatura-gelen',
      body: inboxDetailBody(ctx.session, { invoice, history, envelope, now: deps.clock(), canAnswer: deps.services.applicationResponses !== null }),
    });
  });

  r.post('/e-fatura/gelen/:ettn/yanit', async (ctx) => {
    const ettn = ettnParam(ctx.req.params.ettn);
    await ownRecord(() => inbox.getIncoming(ctx.session.caller.tenantId, ettn));
    const code = ctx.field('yanit');
    if (code !== 'KABUL' && code !== 'RED') throw new GatewayError('PORTAL_INPUT', { field: 'yanıt (KABUL veya RED)' });
    const reason = ctx.field('aciklama');
    try {
      if (code === 'RED' && !reason) throw new GatewayError('PORTAL_INPUT', { field: 'RED için açıklama (red nedeni)' });
      await gibService(deps.services, 'applicationResponses').answer(ctx.session.caller, { ettn, code, reason: reason?.slice(0, 500) ?? null });
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      return ctx.redirect(detailPath(ettn), { kind: 'error', text: `${code} yanıtı verilemedi: ${faultLine(err)}` });
    }
    deps.nudge();
    await ctx.redirect(detailPath(ettn), { kind: 'ok', text: `Faturaya ${code} yanıtı verildi; uygulama yanıtı göndericiye iletilmek üzere GİB'e gönderiliyor.` });
  });

  // The visual in the page's iframe: the invoice's own XSLT output, served with the visuals' policy (no scripts).
  r.get('/e-fatura/gelen/:ettn/gorsel', async (ctx) => {
    const ettn = ettnParam(ctx.req.params.ettn);
    const visual = await ownRecord(() => visuals.visual(ctx.session.caller, { direction: 'IN', ettn }, 'HTML'));
    const res = ctx.res;
    res.status(200).setHeader('Content-Type', visual.contentType);
    res.setHeader('Content-Security-Policy', visual.contentSecurityPolicy ?? "default-src 'none'");
    res.setHeader('Cache-Control', 'no-store');
    res.send(visual.body);
  });

  r.get('/e-fatura/gelen/:ettn/indir/:format', async (ctx) => {
    const ettn = ettnParam(ctx.req.params.ettn);
    const format = FORMATS[String(ctx.req.params.format).toLowerCase()];
    if (!format) throw new GatewayError('PORTAL_NOT_FOUND');
    const visual = await ownRecord(() => visuals.visual(ctx.session.caller, { direction: 'IN', ettn }, format));
    sendDownload(ctx.res, visual.body, visual.contentType, visual.fileName);
  });

  r.get('/e-fatura/gelen/:ettn/zarf', async (ctx) => {
    const ettn: Ettn = ettnParam(ctx.req.params.ettn);
    const envelope = await ownRecord(() => inbox.envelope(ctx.session.caller.tenantId, ettn));
    if (!envelope) throw new GatewayError('PORTAL_NOT_FOUND');
    sendDownload(ctx.res, await deps.blobs.get(envelope.blobSha256), 'application/zip', `${displayEnvelopeId(envelope.id)}.zip`);
  });
};

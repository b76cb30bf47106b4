/**
 * Hizmetlerim's two date pages (seed 003): **Aktivasyonu Başlat** — for each selected service "Hesap Hemen Açılsın" or
 * "Hesap İleri Tarihte Açılsın" with its date and time, then İlerle (ActivateService's plan, all or nothing) — and
 * **Değiştir**, a new date for a service still waiting to open (ChangeActivationDate).
 */
import { SERVICES, serviceCode, type ServiceCode } from '../../activation/catalogue';
import { GatewayError } from '../../faults';
import { html } from '../html';
import { csrfField } from '../layout';
import type { PortalDeps } from '../deps';
import { attempt, type PortalContext, type PortalRoutes } from '../router';
import { INFO_PATH } from './services-contract';
import { companyDetails, isWaitingSignature, planItemOf, SERVICES_PATH, whenFields, whenText } from './services-form';

/** The services named in the page's query (`hizmet`, repeated), each a code of the catalogue (else 4701). */
function selectedOf(ctx: PortalContext): ServiceCode[] {
  const raw = ctx.req.query.hizmet;
  const list = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((x): x is string => typeof x === 'string' && x.trim() !== '');
  const codes = [...new Set(list.map(serviceCode))];
  if (codes.length === 0) throw new GatewayError('PORTAL_INPUT', { field: 'hizmet seçilmedi' });
  return codes;
}

/** The form's own list of services (hidden `hizmet` fields). */
function postedServices(ctx: PortalContext): ServiceCode[] {
  const codes = [...new Set(ctx.fields('hizmet').map(serviceCode))];
  if (codes.length === 0) throw new GatewayError('PORTAL_INPUT', { field: 'hizmet seçilmedi' });
  return codes;
}

const queryOf = (codes: readonly string[]) => codes.map((c) => `hizmet=${encodeURIComponent(c)}`).join('&');

/** A suggestion for "İleri Tarihte": tomorrow at the next full hour. */
function tomorrow(now: Date): Date {
  return new Date(Math.ceil((now.getTime() + 86_400_000) / 3_600_000) * 3_600_000);
}

export function activationPages(r: PortalRoutes, deps: PortalDeps): void {
  const { activation } = deps.services;

  r.get('/ayarlar/hizmetlerim/aktivasyon', async (ctx) => {
    const codes = selectedOf(ctx);
    const company = await activation.company(ctx.session.caller);
    const fallback = tomorrow(deps.clock());
    const rows = codes.map((code) => html`<tr data-service="${code}"><td>${SERVICES[code].name}<input type="hidden" name="hizmet" value="${code}"></td>${whenFields(code, SERVICES[code].name, null, fallback)}</tr>`);
    await ctx.render({
      title: 'Hizmetler',
      menu: 'hizmetlerim',
      body: html`<form method="post" action="${SERVICES_PATH}/aktivasyon">${csrfField(ctx.session)}
<table class="list activation-dates"><thead><tr><th>Hizmet Adı</th><th colspan="2">Hizmet Açılma Tarihi</th></tr></thead><tbody>${rows}</tbody></table>
<p>Birden fazla hizmetin aynı anda aktivasyonu yapıldığında her hizmet için farklı seçim yapılabilir. Tarih ve saat Türkiye saatidir.
E-Fatura aktivasyon tarihi diğer hizmetlerden ileri tarihli olarak seçilemez.</p>
<div class="actions"><button type="submit">İlerle</button> <a class="button secondary" href="${SERVICES_PATH}">Vazgeç</a></div></form>
${companyDetails(company)}`,
    });
  });

  // The form's hidden `hizmet` fields are the page's own: without them (a forged form) the error page says so.
  r.post('/ayarlar/hizmetlerim/aktivasyon', async (ctx) => {
    const codes = postedServices(ctx);
    await attempt(ctx, `${SERVICES_PATH}/aktivasyon?${queryOf(codes)}`, async () => {
      const plan = codes.map((code) => planItemOf(ctx, code, SERVICES[code].name));
      const contract = await activation.start(ctx.session.caller, plan);
      if (contract) {
        const lines = contract.services.map((s) => `${s.operation}: ${whenText(s)}`);
        return ctx.redirect(INFO_PATH, { kind: 'ok', text: `Aktivasyon başlatıldı. Firma ve hizmet bilgilerini kontrol edip sözleşmeyi indiriniz.\n${lines.join('\n')}` });
      }
      // Only services that need no contract: they are open now.
      const listed = await activation.list(ctx.session.caller);
      const lines = listed.filter((s) => codes.includes(s.service)).map((s) => `${s.name}: ${s.description}`);
      return ctx.redirect(SERVICES_PATH, { kind: 'ok', text: lines.join('\n') });
    });
  });

  r.get('/ayarlar/hizmetlerim/degistir', async (ctx) => {
    const [code] = selectedOf(ctx);
    const s = (await activation.list(ctx.session.caller)).find((x) => x.service === code);
    if (!s) throw new GatewayError('PORTAL_NOT_FOUND');
    const at = s.activationAt ? new Date(s.activationAt) : null;
    await ctx.render({
      title: 'Aktivasyon Tarihini Değiştir',
      menu: 'hizmetlerim',
      body: html`<dl class="details"><dt>Hizmet Adı</dt><dd>${s.name}</dd><dt>Hizmet Durumu</dt><dd>${s.description}</dd><dt>Aktivasyon Tarihi</dt><dd>${whenText(s)}</dd></dl>
<form method="post" action="${SERVICES_PATH}/degistir">${csrfField(ctx.session)}<input type="hidden" name="hizmet" value="${s.service}">
<table class="list activation-dates"><thead><tr><th>Hizmet Adı</th><th colspan="2">Hizmet Açılma Tarihi</th></tr></thead>
<tbody><tr data-service="${s.service}"><td>${s.name}</td>${whenFields(s.service, s.name, at, tomorrow(deps.clock()))}</tr></tbody></table>
<div class="actions"><button type="submit">Kaydet</button> <a class="button secondary" href="${SERVICES_PATH}">Vazgeç</a></div></form>`,
    });
  });

  r.post('/ayarlar/hizmetlerim/degistir', async (ctx) => {
    const [code] = postedServices(ctx) as [ServiceCode];
    await attempt(ctx, `${SERVICES_PATH}/degistir?${queryOf([code])}`, async () => {
      const s = await activation.changeDate(ctx.session.caller, planItemOf(ctx, code, SERVICES[code].name));
      const text = `${s.name}: Aktivasyon Tarihi ${whenText(s)} (${s.description})`;
      // Still to be signed: a new contract with the new date was issued, to be signed instead of the last one.
      if (isWaitingSignature(s)) return ctx.redirect(INFO_PATH, { kind: 'ok', text: `${text}. Yeni tarihle yeni sözleşme düzenlendi; onu imzalayınız.` });
      return ctx.redirect(SERVICES_PATH, { kind: 'ok', text });
    });
  });
}

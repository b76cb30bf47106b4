/**
 * e-Defter Bilgileri: the company and accountant details GİB's XBRL-GL header carries (the seed's Büyük Defter dialog:
 * İrtibat Telefon No., SM/SMMM/YMM, …), needed before the first step. SaveLedgerSettings's service call and checks.
 */
import type { LedgerSettings } from '../../services/ledger.service';
import { html } from '../html';
import { csrfField } from '../layout';
import { attempt, type PortalContext, type PortalRoutes } from '../router';
import type { PortalDeps } from '../deps';

const PATH = '/portal/e-defter/ayarlar';

/** Form field → where it sits in the settings, with its label. */
const FIELDS: Array<{ name: string; label: string; get: (s: LedgerSettings | null) => string | undefined }> = [
  { name: 'telefon', label: 'İrtibat Telefon No.', get: (s) => s?.phone },
  { name: 'eposta', label: 'E-posta', get: (s) => s?.email },
  { name: 'web', label: 'Web Sitesi', get: (s) => s?.webSite },
  { name: 'bina', label: 'Bina No', get: (s) => s?.address.buildingNumber },
  { name: 'cadde', label: 'Cadde/Sokak', get: (s) => s?.address.street },
  { name: 'sehir', label: 'Şehir', get: (s) => s?.address.city },
  { name: 'postakodu', label: 'Posta Kodu', get: (s) => s?.address.postalCode },
  { name: 'ulke', label: 'Ülke', get: (s) => s?.address.country ?? 'Türkiye' },
  { name: 'nace', label: 'NACE Kodu', get: (s) => s?.nace },
  { name: 'subeadi', label: 'Şube Adı (varsa)', get: (s) => s?.branch?.name },
  { name: 'subeno', label: 'Şube No (4 hane, varsa)', get: (s) => s?.branch?.number },
  { name: 'muhasebeci', label: 'SM/SMMM/YMM (şirket içi ise -)', get: (s) => s?.accountant.name },
  { name: 'sozlesme', label: 'Sözleşme (şirket içi ise -)', get: (s) => s?.accountant.engagement },
  { name: 'giren', label: 'Kayıtları Giren', get: (s) => s?.enteredBy },
];

function fromForm(ctx: PortalContext): LedgerSettings {
  const f = (name: string) => ctx.field(name) ?? '';
  const branchName = f('subeadi');
  const branchNumber = f('subeno');
  return {
    phone: f('telefon'),
    email: f('eposta'),
    webSite: f('web'),
    address: { buildingNumber: f('bina'), street: f('cadde'), city: f('sehir'), postalCode: f('postakodu'), country: f('ulke') },
    nace: f('nace'),
    branch: branchName || branchNumber ? { name: branchName, number: branchNumber } : null,
    accountant: { name: f('muhasebeci'), engagement: f('sozlesme') },
    enteredBy: f('giren'),
  };
}

export function edefterSettingsPages(r: PortalRoutes, deps: PortalDeps): void {
  const ledgers = deps.services.ledgers;

  r.get('/e-defter/ayarlar', async (ctx) => {
    const s = await ledgers.settings(ctx.session.caller);
    await ctx.render({
      title: 'e-Defter Bilgileri',
      menu: 'edefter',
      body: html`<p><a href="/portal/e-defter">← e-Defter</a></p>
${s ? html`` : html`<p class="unavailable">e-Defter adımlarından önce şirket ve muhasebeci bilgilerini kaydediniz.</p>`}
<form class="filters edefter-settings" method="post" action="${PATH}">${csrfField(ctx.session)}${FIELDS.map(
        (x) => html`<label>${x.label} <input name="${x.name}" value="${x.get(s) ?? ''}"></label>`,
      )}<button type="submit">Kaydet</button></form>`,
    });
  });

  r.post('/e-defter/ayarlar', async (ctx) => {
    await attempt(ctx, PATH, async () => {
      await ledgers.saveSettings(ctx.session.caller, fromForm(ctx));
      await ctx.redirect(PATH, { kind: 'ok', text: 'e-Defter bilgileri kaydedildi.' });
    });
  });
}

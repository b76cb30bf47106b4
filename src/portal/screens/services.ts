/**
 * Ayarlar / Hizmetlerim (seed 003): every service of the company with its state (e-Logo's code and name), Hizmet
 * Açılış Tarihi, Aktivasyon Tarihi and GİB's last answer; the selected services go to Aktivasyonu Başlat, Değiştir or
 * Hizmeti Kapat. The activation pages (./services-activation.ts), the contract (./services-contract.ts) and the
 * Kontör page (./kontor.ts) are registered from here: together they are the seed's Hizmetlerim.
 */
import { serviceCode } from '../../activation/catalogue';
import { GatewayError } from '../../faults';
import { formatTime, html } from '../html';
import { csrfField } from '../layout';
import { attempt, faultText, type PortalScreen } from '../router';
import { kontorScreen, KONTOR_PATH } from './kontor';
import { activationPages } from './services-activation';
import { contractPages, INFO_PATH } from './services-contract';
import { isWaitingSignature, isWaitingToOpen, rowClass, SERVICES_PATH } from './services-form';

export const servicesScreen: PortalScreen = (r, deps) => {
  r.get('/ayarlar/hizmetlerim', async (ctx) => {
    const services = await deps.services.activation.list(ctx.session.caller);
    const waitingSignature = services.some(isWaitingSignature);
    const rows = services.map(
      (s) => html`<tr class="${rowClass(s)}" data-service="${s.service}">
<td><input type="checkbox" name="hizmet" value="${s.service}" aria-label="${s.name}"></td>
<td>${s.name}</td><td class="state">${s.description}</td><td class="num code">${s.code}</td>
<td>${formatTime(s.openedAt)}</td>
<td class="activation">${s.activationAt ? formatTime(s.activationAt) : isWaitingToOpen(s) ? 'Hesap Hemen Açılsın' : ''}</td>
<td class="gib">${s.gibCode !== null ? `(${s.gibCode}) ${s.gibDescription ?? ''}` : ''}</td></tr>`,
    );
    const body = services.length
      ? html`${waitingSignature ? html`<p class="unavailable">Müşteri imzası bekleyen hizmetleriniz var: <a href="${INFO_PATH}">Hizmet Bilgileri ve sözleşme</a>.</p>` : html``}
<form method="post" action="${SERVICES_PATH}">${csrfField(ctx.session)}
<table class="list services"><thead><tr><th><input type="checkbox" data-select-all="hizmet" aria-label="Tümünü seç"></th>
<th>Hizmet Adı</th><th>Hizmet Durumu</th><th>Durum Kodu</th><th>Hizmet Açılış Tarihi</th><th>Aktivasyon Tarihi</th><th>GİB'ten Gelen Yanıt</th></tr></thead>
<tbody>${rows}</tbody></table>
<div class="actions"><button type="submit" name="islem" value="baslat">Aktivasyonu Başlat</button>
<button type="submit" name="islem" value="degistir" class="secondary">Değiştir</button>
<button type="submit" name="islem" value="kapat" class="danger" data-confirm="Seçilen hizmetler kapatılacaktır. Devam etmek istiyor musunuz?">Hizmeti Kapat</button></div></form>
<p>Ödemesi onaylanan hizmetler <strong>Aktivasyon Bekliyor</strong> durumunda listelenir; bir veya birden fazla hizmet seçilerek
<strong>Aktivasyonu Başlat</strong> ile hesap açma süreci başlatılır. İleri tarihli açılışların tarihi <strong>Değiştir</strong> ile değiştirilebilir.</p>`
      : html`<p class="unavailable">Firmanıza sipariş edilmiş hizmet bulunmuyor. Hizmet ve kontör siparişi <a href="${KONTOR_PATH}">Kontör</a> sayfasından verilebilir.</p>`;
    await ctx.render({ title: 'Hizmetlerim', menu: 'hizmetlerim', body });
  });

  // The list's buttons: the start and change pages take the selection; closing happens here, service by service.
  r.post('/ayarlar/hizmetlerim', async (ctx) => {
    await attempt(ctx, SERVICES_PATH, async () => {
      const selected = ctx.fields('hizmet').map(serviceCode);
      if (selected.length === 0) throw new GatewayError('PORTAL_INPUT', { field: 'hizmet seçilmedi' });
      const query = selected.map((s) => `hizmet=${encodeURIComponent(s)}`).join('&');
      switch (ctx.field('islem')) {
        case 'baslat':
          return ctx.redirect(`${SERVICES_PATH}/aktivasyon?${query}`);
        case 'degistir':
          if (selected.length > 1) throw new GatewayError('PORTAL_INPUT', { field: 'Değiştir için tek hizmet seçiniz' });
          return ctx.redirect(`${SERVICES_PATH}/degistir?${query}`);
        case 'kapat': {
          const lines: string[] = [];
          let failed = false;
          for (const code of selected) {
            try {
              const s = await deps.services.activation.close(ctx.session.caller, code);
              lines.push(`${s.name}: ${s.description}`);
            } catch (err) {
              if (!(err instanceof GatewayError)) throw err;
              failed = true;
              lines.push(faultText(err));
            }
          }
          return ctx.redirect(SERVICES_PATH, { kind: failed ? 'error' : 'ok', text: lines.join('\n') });
        }
        default:
          throw new GatewayError('PORTAL_INPUT', { field: 'islem' });
      }
    });
  });

  activationPages(r, deps);
  contractPages(r);
  kontorScreen(r, deps);
};

/**
 * Ayarlar / Kontör: the company's balance and overdraft ("Kalan: 21.957,81 Ekst. Limit: -2.200,00"), its last
 * movements, the price list, and an order of services and kontör (OrderServices): by card it is paid at once, by
 * havale/EFT it waits until the integrator has seen the money (seed 003's notes on payment).
 */
import { SERVICES, SERVICE_CODES } from '../../activation/catalogue';
import { documentName, type PaymentMethod } from '../../activation/credits';
import { formatKurus, MAX_KURUS, type BillableDocument } from '../../activation/prices';
import { GatewayError } from '../../faults';
import { formatTime, html } from '../html';
import { csrfField } from '../layout';
import { attempt, type PortalScreen } from '../router';

export const KONTOR_PATH = '/portal/ayarlar/kontor';

const MOVEMENTS = 50;

const MOVEMENT_KINDS: Record<string, string> = { PURCHASE: 'Kontör Alımı', CHARGE: 'Kullanım', REFUND: 'İade', ADJUST: 'Düzeltme' };

/** "1.000,50", "1000,5", "1000.50" or "1000" TL → kuruş; a blank field is 0. */
function kurusOf(text: string | null): number {
  if (text === null) return 0;
  const t = text.replace(/\s/g, '');
  const normal = t.includes(',') ? t.replace(/\./g, '').replace(',', '.') : t;
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(normal);
  const kurus = m ? Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0')) : NaN;
  if (!Number.isSafeInteger(kurus) || kurus > MAX_KURUS) throw new GatewayError('PORTAL_INPUT', { field: 'Kontör tutarı (TL, ör. 1.000,00)' });
  return kurus;
}

export const kontorScreen: PortalScreen = (r, deps) => {
  const { credits } = deps.services;

  r.get('/ayarlar/kontor', async (ctx) => {
    const b = await credits.balance(ctx.session.caller.tenantId, MOVEMENTS);
    const { prices } = credits;
    const summary = b.metered
      ? html`<dl class="details kontor-summary"><dt>Kalan</dt><dd class="balance">${b.balance} TL</dd><dt>Ekst. Limit</dt><dd class="limit">${b.limit} TL</dd></dl>`
      : html`<p class="unavailable">Firmanız kontör kullanmıyor: gönderilen belgeler için kontör düşülmez. İlk sipariş ile kontör hesabı açılır.</p>`;
    const movements = b.movements.length
      ? html`<table class="list movements"><thead><tr><th>Tarih</th><th>Hareket</th><th>Açıklama</th><th>Tutar (TL)</th><th>Bakiye (TL)</th></tr></thead><tbody>${b.movements.map(
          (m) => html`<tr><td>${formatTime(m.at)}</td><td>${MOVEMENT_KINDS[m.kind] ?? m.kind}</td><td>${m.description}</td><td class="num">${formatKurus(m.amountKurus)}</td><td class="num">${formatKurus(m.balanceAfterKurus)}</td></tr>`,
        )}</tbody></table>`
      : html`<p>Kontör hareketi yok.</p>`;
    const serviceBoxes = SERVICE_CODES.map(
      (code) => html`<label><input type="checkbox" name="hizmet" value="${code}"> ${SERVICES[code].name} (${formatKurus(prices.services[code])} TL)</label>`,
    );
    await ctx.render({
      title: 'Kontör',
      menu: 'kontor',
      body: html`${summary}
<h2>Son Hareketler</h2>${movements}
<h2>Hizmet ve Kontör Siparişi</h2>
<form method="post" action="${KONTOR_PATH}/siparis" class="order">${csrfField(ctx.session)}
<fieldset><legend>Hizmetler</legend>${serviceBoxes}</fieldset>
<label>Kontör tutarı (TL) <input type="text" name="kontor" inputmode="decimal" placeholder="1.000,00"></label>
<fieldset><legend>Ödeme şekli</legend><label><input type="radio" name="odeme" value="CARD" checked> Kredi Kartı (ödeme hemen yansır)</label>
<label><input type="radio" name="odeme" value="WIRE"> Havale/EFT (ödemeniz kontrol edildikten sonra, 1 iş günü içerisinde yansır)</label></fieldset>
<div class="actions"><button type="submit">Sipariş Ver</button></div></form>
<h2>Belge Fiyatları</h2><table class="list prices"><thead><tr><th>Belge</th><th>Kontör (TL)</th></tr></thead><tbody>${(Object.entries(prices.documents) as Array<[BillableDocument, number]>).map(
        ([doc, kurus]) => html`<tr><td>${documentName(doc)} (${doc === 'LEDGER_MONTH' ? 'ay' : 'belge'} başına)</td><td class="num">${formatKurus(kurus)}</td></tr>`,
      )}</tbody></table>`,
    });
  });

  r.post('/ayarlar/kontor/siparis', async (ctx) => {
    await attempt(ctx, KONTOR_PATH, async () => {
      const method = ctx.field('odeme');
      if (method !== 'CARD' && method !== 'WIRE') throw new GatewayError('PORTAL_INPUT', { field: 'Ödeme şekli' });
      const order = await credits.order(ctx.session.caller.tenantId, {
        services: ctx.fields('hizmet'),
        creditsKurus: kurusOf(ctx.field('kontor')),
        paymentMethod: method as PaymentMethod,
        actor: `user:${ctx.session.caller.username}`,
      });
      await ctx.redirect(KONTOR_PATH, { kind: 'ok', text: order.message });
    });
  });
};

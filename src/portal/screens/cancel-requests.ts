/** e-Fatura İptal Talepleri (being built). */
import { html } from '../html';
import type { PortalScreen } from '../router';

export const cancelRequestsScreen: PortalScreen = (r) => {
  r.get('/e-fatura/iptal-talepleri', async (ctx) => {
    await ctx.render({ title: 'e-Fatura İptal Talepleri', menu: 'efatura-iptal', body: html`<p class="unavailable">Bu ekran henüz hazır değil.</p>` });
  });
};

/** e-Fatura (being built). */
import { html } from '../html';
import type { PortalScreen } from '../router';

export const efaturaScreen: PortalScreen = (r) => {
  r.get('/e-fatura/giden', async (ctx) => {
    await ctx.render({ title: 'e-Fatura', menu: 'efatura-giden', body: html`<p class="unavailable">Bu ekran henüz hazır değil.</p>` });
  });
};

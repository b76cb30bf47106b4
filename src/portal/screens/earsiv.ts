/** e-Arşiv Giden Kutusu (being built). */
import { html } from '../html';
import type { PortalScreen } from '../router';

export const earsivScreen: PortalScreen = (r) => {
  r.get('/e-arsiv/giden', async (ctx) => {
    await ctx.render({ title: 'e-Arşiv Giden Kutusu', menu: 'earsiv-giden', body: html`<p class="unavailable">Bu ekran henüz hazır değil.</p>` });
  });
};

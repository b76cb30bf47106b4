/** e-Defter (being built). */
import { html } from '../html';
import type { PortalScreen } from '../router';

export const edefterScreen: PortalScreen = (r) => {
  r.get('/e-defter', async (ctx) => {
    await ctx.render({ title: 'e-Defter', menu: 'edefter', body: html`<p class="unavailable">Bu ekran henüz hazır değil.</p>` });
  });
};

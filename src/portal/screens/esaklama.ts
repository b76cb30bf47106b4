/** e-Saklama (being built). */
import { html } from '../html';
import type { PortalScreen } from '../router';

export const esaklamaScreen: PortalScreen = (r) => {
  r.get('/e-saklama', async (ctx) => {
    await ctx.render({ title: 'e-Saklama', menu: 'esaklama', body: html`<p class="unavailable">Bu ekran henüz hazır değil.</p>` });
  });
};

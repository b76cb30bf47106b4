/** Hizmetlerim (being built). */
import { html } from '../html';
import type { PortalScreen } from '../router';

export const servicesScreen: PortalScreen = (r) => {
  r.get('/ayarlar/hizmetlerim', async (ctx) => {
    await ctx.render({ title: 'Hizmetlerim', menu: 'hizmetlerim', body: html`<p class="unavailable">Bu ekran henüz hazır değil.</p>` });
  });
};

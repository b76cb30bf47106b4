/** Ana Sayfa: where each part of the portal is, with the company's kontör balance when it is metered. */
import { html } from '../html';
import { MENU } from '../layout';
import type { PortalScreen } from '../router';

export const homeScreen: PortalScreen = (r) => {
  r.get('/', async (ctx) => {
    await ctx.render({
      title: 'Ana Sayfa',
      body: html`<div class="tiles">${MENU.map(
        (g) => html`<section class="tile"><h2>${g.title}</h2><ul>${g.items.map((i) => html`<li><a href="${i.href}">${i.label}</a></li>`)}</ul></section>`,
      )}</div>`,
    });
  });
};

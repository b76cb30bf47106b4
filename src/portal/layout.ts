/**
 * The page every screen is drawn in: e-Logo's layout — the company's title, VKN and kontör balance in the header, the
 * menu on the left (e-Fatura, e-Arşiv, e-Defter, e-Saklama, Ayarlar), the screen's title and the last action's
 * message above its content.
 */
import { html, type Html } from './html';
import type { Flash, PortalSession } from './session';

export interface MenuGroup {
  title: string;
  items: Array<{ id: string; label: string; href: string }>;
}

export const MENU: readonly MenuGroup[] = [
  { title: 'e-Fatura', items: [
    { id: 'efatura-giden', label: 'Giden Kutusu', href: '/portal/e-fatura/giden' },
    { id: 'efatura-gelen', label: 'Gelen Kutusu', href: '/portal/e-fatura/gelen' },
    { id: 'efatura-iptal', label: 'İptal Talepleri', href: '/portal/e-fatura/iptal-talepleri' },
  ] },
  { title: 'e-Arşiv', items: [{ id: 'earsiv-giden', label: 'Giden Kutusu', href: '/portal/e-arsiv/giden' }] },
  { title: 'e-Defter', items: [
    { id: 'edefter', label: 'e-Defter', href: '/portal/e-defter' },
    { id: 'edefter-yukle', label: 'e-Defter Yükle', href: '/portal/e-defter/yukle' },
  ] },
  { title: 'e-Saklama', items: [{ id: 'esaklama', label: 'e-Defter Saklama', href: '/portal/e-saklama' }] },
  { title: 'Ayarlar', items: [{ id: 'hizmetlerim', label: 'Hizmetlerim', href: '/portal/ayarlar/hizmetlerim' }, { id: 'kontor', label: 'Kontör', href: '/portal/ayarlar/kontor' }] },
];

export interface PageParts {
  title: string;
  /** The menu item to highlight (MENU's ids). */
  menu?: string;
  body: Html;
}

export interface PageFrame {
  session: PortalSession;
  /** "Kalan: 21.957,81 Ekst. Limit: -2.200,00"; null when the company is not metered. */
  kontor: string | null;
}

export function flashBox(flash: Flash | null): Html {
  if (!flash) return html``;
  return html`<div class="flash ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">${flash.text}</div>`;
}

/** A hidden input with the session's CSRF token: every form the portal writes has one. */
export function csrfField(session: PortalSession): Html {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

function head(title: string): Html {
  return html`<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Açık Entegratör</title>
<link rel="stylesheet" href="/portal/static/portal.css"><script src="/portal/static/portal.js" defer></script></head>`;
}

export function page(frame: PageFrame, parts: PageParts): Html {
  const { session } = frame;
  const menu = MENU.map(
    (g) => html`<li><span class="group">${g.title}</span><ul>${g.items.map(
      (i) => html`<li><a href="${i.href}"${i.id === parts.menu ? html` class="active" aria-current="page"` : html``}>${i.label}</a></li>`,
    )}</ul></li>`,
  );
  return html`${head(parts.title)}
<body><header class="top"><a class="brand" href="/portal">Açık Entegratör</a>
<div class="company"><span class="company-title">${session.tenantTitle}</span> <span class="vkn">VKN: ${session.caller.tenantVkn}</span>${
    frame.kontor ? html` <span class="kontor">Kontör: ${frame.kontor}</span>` : html``
  }</div>
<form class="logout" method="post" action="/portal/cikis"><span class="user">${session.caller.username}</span>${csrfField(session)}<button type="submit">Çıkış</button></form></header>
<div class="frame"><nav class="menu"><ul>${menu}</ul></nav>
<main><h1>${parts.title}</h1>${flashBox(session.flash)}${parts.body}</main></div></body></html>`;
}

/** A page outside the session (login, errors before login). */
export function barePage(title: string, body: Html): Html {
  return html`${head(title)}<body class="bare"><main><h1>${title}</h1>${body}</main></body></html>`;
}

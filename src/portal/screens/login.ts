/** The login page (Kullanıcı Adı, Şifre): the SOAP API's users, their lockout and its messages. */
import { html } from '../html';
import { barePage } from '../layout';

export function loginPage(p: { csrfToken: string; returnTo: string; error: string | null; username?: string }) {
  return barePage(
    'Giriş',
    html`<form class="login" method="post" action="/portal/giris">
<input type="hidden" name="_csrf" value="${p.csrfToken}"><input type="hidden" name="donus" value="${p.returnTo}">
${p.error ? html`<p class="flash error" role="alert">${p.error}</p>` : html``}
<label>Kullanıcı Adı <input name="kullanici" autocomplete="username" required value="${p.username ?? ''}"></label>
<label>Şifre <input name="sifre" type="password" autocomplete="current-password" required></label>
<button type="submit">Giriş</button></form>`,
  );
}

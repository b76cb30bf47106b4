/**
 * What every portal page shares (src/portal/portal.ts): login with the SOAP API's users and lockout, sessions in the
 * database (shared by gateway processes), CSRF on every POST, security headers, return paths, 404 — over HTTP, as a
 * browser without scripts would.
 */
import { expect } from 'chai';
import pino from 'pino';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app';
import { listenHttp } from '../../src/http/server';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { PortalClient, portalLogin } from '../helpers/portal';

describe('portal: login, sessions, CSRF, headers', function () {
  this.timeout(30_000);
  let gw: TestGateway;
  let base: string;
  let now = new Date();

  before(async () => {
    gw = await startTestGateway({ clock: () => now });
    base = gw.url.replace(/\/soap\/gateway$/, '');
  });
  after(async () => gw.close());
  beforeEach(() => {
    now = new Date();
  });

  it('the login page: Turkish form, security headers, its own CSRF cookie', async () => {
    const c = new PortalClient(base);
    const r = await c.get('/portal/giris');
    expect(r.status).to.equal(200);
    expect(r.text).to.include('Kullanıcı Adı').and.include('Şifre');
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).to.include("default-src 'self'").and.include("script-src 'self'").and.include("object-src 'none'");
    expect(r.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(r.headers.get('referrer-policy')).to.equal('no-referrer');
    expect(r.headers.get('x-frame-options')).to.equal('SAMEORIGIN');
    const cookie = r.headers.getSetCookie().find((l) => l.startsWith('oe_portal_giris='))!;
    expect(cookie).to.match(/HttpOnly/i).and.match(/Secure/i).and.match(/SameSite=Strict/i);
  });

  it('on plain HTTP from a non-loopback address the login page says the Secure cookie will not be kept', async () => {
    // fetch() sets Host itself: node:http lets the test say which address the browser used.
    const page = (headers: Record<string, string>) =>
      new Promise<string>((resolve, reject) => {
        http.get(`${base}/portal/giris`, { headers }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve(body));
        }).on('error', reject);
      });
    expect(await page({ host: '10.1.2.3:8080' })).to.include('Bu adres HTTPS değil');
    expect(await page({ host: 'portal.example.com', 'x-forwarded-proto': 'https' })).to.not.include('Bu adres HTTPS değil');
    expect(await page({})).to.not.include('Bu adres HTTPS değil');
  });

  it('a page without a session goes to the login page, which returns there after login', async () => {
    const c = new PortalClient(base);
    const r = await c.get('/portal/e-arsiv/giden');
    expect(r.status).to.equal(303);
    expect(r.location).to.equal('/portal/giris?donus=%2Fportal%2Fe-arsiv%2Fgiden');
    await c.get(r.location!);
    const login = await c.post('/portal/giris', { kullanici: gw.username, sifre: gw.password, donus: '/portal/e-arsiv/giden' });
    expect(login.status).to.equal(303);
    expect(login.location).to.equal('/portal/e-arsiv/giden');
    const session = login.headers.getSetCookie().find((l) => l.startsWith('oe_portal='))!;
    expect(session).to.match(/HttpOnly/i).and.match(/Secure/i).and.match(/SameSite=Strict/i);
    const page = await c.get('/portal/e-arsiv/giden');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('VKN: 1234567801').and.include('TEST TICARET A.S.').and.include('erp-user');
  });

  it('only the portal\'s own pages are return paths (no open redirect)', async () => {
    for (const donus of ['https://evil.example/', '//evil.example/portal', '/portal/../soap', '/other']) {
      const c = new PortalClient(base);
      await c.get('/portal/giris');
      const r = await c.post('/portal/giris', { kullanici: gw.username, sifre: gw.password, donus });
      expect(r.location, donus).to.equal('/portal');
    }
  });

  it('the session is stored only as its SHA-256, and another gateway process on the same database knows it', async () => {
    const c = await portalLogin(base, gw.username, gw.password);
    const id = c.cookies.get('oe_portal')!;
    const rows = await gw.testDb.db('portal_sessions').select('id_sha256');
    expect(rows.map((r) => r.id_sha256)).to.not.include(id);
    const other = await createApp({ config: gw.config, db: gw.testDb.db, logger: pino({ level: 'silent' }) });
    const server = await listenHttp(other.app, 0, '127.0.0.1', gw.config.http);
    try {
      const b = new PortalClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      b.cookies.set('oe_portal', id);
      const page = await b.get('/portal');
      expect(page.status).to.equal(200);
      expect(page.text).to.include('Ana Sayfa');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('a wrong password: the login page again with the SOAP API\'s message; ten in a row lock the user (4102), also for SOAP', async () => {
    await gw.createTenantUser('1111111111', 'kilit');
    const c = new PortalClient(base);
    await c.get('/portal/giris');
    const first = await c.post('/portal/giris', { kullanici: 'kilit', sifre: 'yanlis' });
    expect(first.status).to.equal(401);
    expect(first.text).to.include('KULLANICI ADI VEYA SIFRE HATALI (4101)');
    for (let i = 0; i < 9; i++) await c.post('/portal/giris', { kullanici: 'kilit', sifre: 'yanlis' });
    const locked = await c.post('/portal/giris', { kullanici: 'kilit', sifre: gw.password });
    expect(locked.status).to.equal(423);
    expect(locked.text).to.include('KULLANICI GECICI OLARAK KILITLENDI').and.include('(4102)');
    await gw.gateway.authenticator.login('kilit', gw.password).then(
      () => expect.fail('locked'),
      (err) => expect(err.code).to.equal(4102),
    );
  });

  it('a login form posted without its token, or with another browser\'s token, is refused (4801)', async () => {
    const c = new PortalClient(base);
    await c.get('/portal/giris');
    const none = await c.request('POST', '/portal/giris', { form: { kullanici: gw.username, sifre: gw.password } });
    expect(none.status).to.equal(403);
    expect(none.text).to.include('(4801)');
    const other = new PortalClient(base);
    await other.get('/portal/giris');
    const forged = await c.request('POST', '/portal/giris', { form: { _csrf: other.csrf!, kullanici: gw.username, sifre: gw.password } });
    expect(forged.status).to.equal(403);
    expect(c.cookies.has('oe_portal')).to.equal(false);
  });

  it('a form posted without the CSRF token, with a forged one, another session\'s, or from another site is refused (4801) and does nothing', async () => {
    const c = await portalLogin(base, gw.username, gw.password);
    const other = await portalLogin(base, gw.username, gw.password);
    const sessionsBefore = await gw.testDb.db('portal_sessions').count({ n: '*' }).first();
    for (const form of [{}, { _csrf: "x".repeat(43) }, { _csrf: other.csrf! }] as Array<Record<string, string>>) {
      const r = await c.request('POST', '/portal/cikis', { form });
      expect(r.status, JSON.stringify(form)).to.equal(403);
      expect(r.text).to.include('GÜVENLİK DOĞRULAMASI BAŞARISIZ').and.include('4801');
    }
    const cross = await c.request('POST', '/portal/cikis', { form: { _csrf: c.csrf! }, headers: { origin: 'https://evil.example' } });
    expect(cross.status).to.equal(403);
    const crossFetch = await c.request('POST', '/portal/cikis', { form: { _csrf: c.csrf! }, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossFetch.status).to.equal(403);
    const sessionsAfter = await gw.testDb.db('portal_sessions').count({ n: '*' }).first();
    expect(Number(sessionsAfter!.n)).to.equal(Number(sessionsBefore!.n));
    expect((await c.get('/portal')).status).to.equal(200);
  });

  it('logout ends the session in the database: the old cookie opens nothing', async () => {
    const c = await portalLogin(base, gw.username, gw.password);
    const id = c.cookies.get('oe_portal')!;
    const out = await c.post('/portal/cikis');
    expect(out.status).to.equal(303);
    const again = new PortalClient(base);
    again.cookies.set('oe_portal', id);
    expect((await again.get('/portal')).status).to.equal(303);
    const post = await again.request('POST', '/portal/cikis', { form: { _csrf: c.csrf! } });
    expect(post.status).to.equal(401);
    expect(post.text).to.include('OTURUMUNUZ SONA ERDİ').and.include('4802');
  });

  it('a session ends after GW_PORTAL_SESSION_MINUTES (30) without a request, and after 12 hours in any case', async () => {
    const c = await portalLogin(base, gw.username, gw.password);
    now = new Date(Date.now() + 29 * 60_000);
    expect((await c.get('/portal')).status).to.equal(200);
    now = new Date(Date.now() + 58 * 60_000); // 29 minutes after the last request
    expect((await c.get('/portal')).status).to.equal(200);
    now = new Date(Date.now() + 90 * 60_000);
    expect((await c.get('/portal')).status).to.equal(303);
    now = new Date();
    const d = await portalLogin(base, gw.username, gw.password);
    for (let m = 25; m < 12 * 60; m += 25) {
      now = new Date(Date.now() + m * 60_000);
      expect((await d.get('/portal')).status, `after ${m} min`).to.equal(200);
    }
    now = new Date(Date.now() + 12 * 60 * 60_000 + 60_000);
    expect((await d.get('/portal')).status).to.equal(303);
  });

  it('a session cookie of another company\'s user shows that company only; a user moved to another tenant loses the session', async () => {
    const t = await gw.createTenantUser('2222222222', 'baska-firma');
    const c = await portalLogin(base, 'baska-firma', gw.password);
    const home = await c.get('/portal');
    expect(home.text).to.include('VKN: 2222222222').and.not.include('1234567801');
    await gw.testDb.db('users').where({ username: 'baska-firma' }).update({ tenant_id: gw.tenant.id });
    expect((await c.get('/portal')).status).to.equal(303);
    await gw.testDb.db('users').where({ username: 'baska-firma' }).update({ tenant_id: t.id });
  });

  it('an unknown page is 404 with the portal\'s message; internal errors show no internal text', async () => {
    const c = await portalLogin(base, gw.username, gw.password);
    const r = await c.get('/portal/yok-boyle-bir-sayfa');
    expect(r.status).to.equal(404);
    expect(r.text).to.include('ARADIĞINIZ KAYIT BULUNAMADI').and.include('4803');
    const s = await c.get('/portal/static/portal.css');
    expect(s.status).to.equal(200);
    expect((await c.get('/portal/static/../../config.ts')).status).to.be.oneOf([400, 404]);
  });
});

/**
 * The web portal (issue 16) at /portal: server-rendered Turkish pages over the same services as the SOAP API. What
 * every page shares is here — security headers (helmet, a strict Content-Security-Policy), the session from its
 * cookie, the CSRF check of every POST, login and logout with the SOAP API's users and lockout, the error page and
 * the 404 — and each screen (src/portal/screens) only declares its pages.
 */
import path from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { parseCookie } from 'cookie';
import { GatewayError } from '../faults';
import type { PortalDeps } from './deps';
import { html } from './html';
import { barePage, page } from './layout';
import { contextFor, faultText, routesOn, sendHtml, type PortalHandler, type PortalScreen } from './router';
import { createPortalSessions, LOGIN_CSRF_COOKIE, newToken, SESSION_COOKIE, type PortalSession } from './session';
import { loginPage } from './screens/login';
import { SCREENS } from './screens';

export const PORTAL_PATH = '/portal';
const STATIC_DIR = path.join(__dirname, 'static');

/** The portal's own pages: scripts and styles only from itself, no frames of it elsewhere, forms only to itself. */
export const PORTAL_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'self'"],
  frameSrc: ["'self'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
};

function sameToken(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A POST from a page of another site: refused whatever its token. Browsers say so in Sec-Fetch-Site; without it, an
 * Origin of another host. ("null" is what a same-site form sends under a strict Referrer-Policy: left to the token.)
 */
function crossSite(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = req.get('origin');
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host !== req.get('host');
  } catch {
    return true;
  }
}

/** The CSRF token a POST carries: the form's field, a header (the portal's scripts), or the query (multipart forms). */
function postedToken(req: Request): string | null {
  const body = req.body as Record<string, unknown> | undefined;
  const fromBody = body && typeof body._csrf === 'string' ? body._csrf : null;
  const fromQuery = typeof req.query._csrf === 'string' ? req.query._csrf : null;
  return fromBody ?? req.get('x-csrf-token') ?? fromQuery;
}

/**
 * A browser keeps a Secure cookie only over HTTPS or from a loopback address: on plain HTTP from another host the
 * login would seem to do nothing, so the login page says why instead.
 */
function cookieWillBeDropped(req: Request, secure: boolean): boolean {
  // Only a hint: a TLS proxy in front says so in X-Forwarded-Proto.
  if (!secure || req.secure || req.get('x-forwarded-proto') === 'https') return false;
  const host = (req.hostname ?? '').replace(/^\[|\]$/g, '');
  return !(host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1');
}

/** Where to go after login: only a page of the portal itself (never another site). */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && /^\/portal(\/[A-Za-z0-9\-_/.?=&%]*)?$/.test(value) && !value.includes('//') && !value.includes('..') ? value : PORTAL_PATH;
}

export function mountPortal(app: Express, deps: PortalDeps): void {
  const sessions = createPortalSessions({ db: deps.db, clock: deps.clock, sessionMinutes: deps.settings.sessionMinutes, sessionMaxHours: deps.settings.sessionMaxHours });
  const secure = deps.settings.secureCookies;
  const cookieOptions = { httpOnly: true, secure, sameSite: 'strict' as const, path: '/' };
  const router = express.Router({ caseSensitive: false, strict: false });

  router.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: PORTAL_CSP }, crossOriginEmbedderPolicy: false, referrerPolicy: { policy: 'no-referrer' } }));
  router.use('/static', express.static(STATIC_DIR, { maxAge: '1h', index: false, dotfiles: 'deny', fallthrough: false }));
  router.use(express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 2000 }));
  router.use((req, res, next) => {
    res.locals.cookies = parseCookie(req.headers.cookie ?? '');
    next();
  });

  // --- Login and logout (no session yet) ---
  router.get('/giris', (req, res) => {
    const token = newToken();
    res.cookie(LOGIN_CSRF_COOKIE, token, { ...cookieOptions, maxAge: 3_600_000 });
    const warning = cookieWillBeDropped(req, secure)
      ? 'Bu adres HTTPS değil: tarayıcı oturum çerezini saklamaz. Portalı HTTPS üzerinden açın (ya da yalnızca bir test ağında GW_PORTAL_SECURE_COOKIES=false).'
      : null;
    sendHtml(res, loginPage({ csrfToken: token, returnTo: safeReturnPath(req.query.donus), error: warning }));
  });
  router.post('/giris', async (req, res) => {
    const cookies = res.locals.cookies as Record<string, string | undefined>;
    const body = req.body as Record<string, unknown>;
    const returnTo = safeReturnPath(body.donus);
    const again = (error: string, status: number) => {
      const token = newToken();
      res.cookie(LOGIN_CSRF_COOKIE, token, { ...cookieOptions, maxAge: 3_600_000 });
      sendHtml(res, loginPage({ csrfToken: token, returnTo, error, username: typeof body.kullanici === 'string' ? body.kullanici : '' }), status);
    };
    if (crossSite(req) || !sameToken(typeof body._csrf === 'string' ? body._csrf : null, cookies[LOGIN_CSRF_COOKIE] ?? '')) {
      const err = new GatewayError('PORTAL_CSRF');
      return again(faultText(err), 403);
    }
    const username = typeof body.kullanici === 'string' ? body.kullanici.trim() : '';
    const password = typeof body.sifre === 'string' ? body.sifre : '';
    try {
      if (!username || !password) throw new GatewayError('AUTH_FAILED');
      const caller = await deps.authenticator.login(username, password);
      const opened = await sessions.open(caller);
      res.clearCookie(LOGIN_CSRF_COOKIE, cookieOptions);
      res.cookie(SESSION_COOKIE, opened.id, cookieOptions);
      deps.logger.info({ user: caller.username, tenant: caller.tenantVkn }, 'portal login');
      res.redirect(303, returnTo);
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      deps.logger.info({ user: username, code: err.code }, 'portal login refused');
      again(faultText(err), err.code === 4102 ? 423 : 401);
    }
  });

  // --- Everything else needs a session ---
  router.use(async (req, res, next) => {
    const id = (res.locals.cookies as Record<string, string | undefined>)[SESSION_COOKIE];
    const session = id ? await sessions.resolve(id) : null;
    if (!session) {
      if (req.method === 'GET' || req.method === 'HEAD') return res.redirect(303, `${PORTAL_PATH}/giris?donus=${encodeURIComponent(PORTAL_PATH + req.url)}`);
      throw new GatewayError('PORTAL_SESSION');
    }
    res.locals.session = session;
    if (req.method !== 'GET' && req.method !== 'HEAD' && (crossSite(req) || !sameToken(postedToken(req), session.csrfToken))) {
      deps.logger.warn({ user: session.caller.username, path: req.path }, 'portal CSRF check failed');
      throw new GatewayError('PORTAL_CSRF');
    }
    next();
  });

  router.post('/cikis', async (_req, res) => {
    await sessions.close((res.locals.session as PortalSession).id);
    res.clearCookie(SESSION_COOKIE, cookieOptions);
    res.redirect(303, `${PORTAL_PATH}/giris`);
  });

  const wrap = (handler: PortalHandler) => async (req: Request, res: Response) => {
    await handler(contextFor(req, res, res.locals.session as PortalSession, deps, sessions));
  };
  const routes = routesOn(router, wrap);
  for (const screen of SCREENS as readonly PortalScreen[]) screen(routes, deps);

  router.use(() => {
    throw new GatewayError('PORTAL_NOT_FOUND');
  });
  // Faults as pages with their Turkish message and code; anything else is logged and shown as SISTEM HATASI.
  router.use(async (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = err instanceof GatewayError ? err : new GatewayError('INTERNAL');
    if (!(err instanceof GatewayError)) deps.logger.error({ err, path: req.path }, 'portal page failed');
    const status = known.spec.http < 500 ? known.spec.http : known.spec.soap === 'soap:Client' ? 400 : 500;
    if (res.headersSent) return;
    const body = html`<div class="error-page"><p class="flash error" role="alert">${known.message}</p><p class="code">Hata kodu: ${known.code}</p><p><a href="${PORTAL_PATH}">Ana sayfaya dön</a></p></div>`;
    const session = res.locals.session as PortalSession | undefined;
    if (req.get('accept')?.includes('application/json') && !req.get('accept')?.includes('text/html')) {
      res.status(status).json({ code: known.code, message: known.message });
      return;
    }
    if (!session) return sendHtml(res, barePage('Hata', body), status);
    const balance = await deps.services.credits.balance(session.caller.tenantId, 0).catch(() => null);
    sendHtml(res, page({ session: { ...session, flash: null }, kontor: balance?.metered ? balance.summary : null }, { title: 'Hata', body }), status);
  });

  app.use(PORTAL_PATH, router);
}

/**
 * The web portal from a test: a small HTTP client that keeps the session cookie and fills every form's CSRF token
 * from the page it came from (as a browser would), and Chromium through playwright-core for the browser tests
 * (headless Debian chromium, one browser per test file, screenshots under test-artefacts/portal).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_DIR } from './paths';

export const CHROMIUM_PATH = process.env.GW_CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(REPO_DIR, 'test-artefacts', 'portal');

export interface PortalResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Where a redirect pointed (not followed). */
  location: string | null;
}

/** The value of the first `<input name="_csrf">` of a page. */
export function csrfOf(page: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}

export class PortalClient {
  cookies = new Map<string, string>();
  /** The CSRF token of the last page read. */
  csrf: string | null = null;

  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: string, p: string, opts: { form?: Record<string, string | string[]>; headers?: Record<string, string>; body?: BodyInit } = {}): Promise<PortalResponse> {
    const headers: Record<string, string> = { ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}), ...opts.headers };
    let body: BodyInit | undefined = opts.body;
    if (opts.form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.form)) for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
      body = params.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(this.base + p, { method, headers, body, redirect: 'manual' });
    this.keep(res);
    const text = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1]!;
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location') };
  }

  get(p: string): Promise<PortalResponse> {
    return this.request('GET', p);
  }

  /** A GET that follows redirects within the portal (as a browser after a POST). */
  async follow(p: string): Promise<PortalResponse> {
    let r = await this.get(p);
    for (let i = 0; i < 5 && r.location; i++) r = await this.get(r.location);
    return r;
  }

  /** Posts a form with the CSRF token of the last page read (unless the form sets _csrf itself). */
  post(p: string, form: Record<string, string | string[]> = {}): Promise<PortalResponse> {
    return this.request('POST', p, { form: { ...(this.csrf ? { _csrf: this.csrf } : {}), ...form } });
  }

  async login(username: string, password: string): Promise<PortalResponse> {
    await this.get('/portal/giris');
    return this.post('/portal/giris', { kullanici: username, sifre: password });
  }
}

export async function portalLogin(base: string, username: string, password: string): Promise<PortalClient> {
  const c = new PortalClient(base);
  const r = await c.login(username, password);
  if (r.status !== 303) throw new Error(`login refused: ${r.status} ${r.text.slice(0, 300)}`);
  await c.get('/portal');
  return c;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A fresh browser context (its own cookies) logged in to the portal, with the page showing Ana Sayfa. */
export async function browserLogin(browser: Browser, base: string, username: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'tr-TR', timezoneId: 'Europe/Istanbul', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/portal/giris`);
  await page.fill('input[name=kullanici]', username);
  await page.fill('input[name=sifre]', password);
  await Promise.all([page.waitForURL(/\/portal\/?$/), page.click('button[type=submit]')]);
  return { context, page };
}

/** Saves a full-page screenshot as test-artefacts/portal/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

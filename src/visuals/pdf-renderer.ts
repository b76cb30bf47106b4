/**
 * HTML → PDF through Debian's chromium (playwright-core): the same page the browser shows, printed. One browser per
 * process, launched at the first PDF and shared; each render gets its own context (no cookies or cache shared
 * between invoices) with JavaScript off and every request aborted — the page is the invoice's XSLT output, and its
 * images are data: URLs, which need no request. A bounded number of pages print at once; one that takes longer than
 * the limit is closed and answered VISUAL_TIMEOUT. No chromium: VISUAL_UNAVAILABLE, and the gateway goes on.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { GatewayError, isGatewayError } from '../faults';
import { createSlots } from './slots';

export interface PdfRendererOptions {
  /** GW_CHROMIUM_PATH. */
  executablePath: string;
  /** Pages printing at once (GW_VISUAL_MAX_PAGES); more renders wait. */
  maxPages: number;
  /** One render's limit (GW_VISUAL_TIMEOUT_MS); the browser's launch has its own. */
  timeoutMs: number;
}

export interface PdfRenderer {
  pdf(html: string): Promise<Buffer>;
  /** Closes the browser (at shutdown); a later render launches a new one. */
  close(): Promise<void>;
}

const LAUNCH_TIMEOUT_MS = 30_000;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'];

export function createPdfRenderer(opts: PdfRendererOptions): PdfRenderer {
  const slots = createSlots(opts.maxPages);
  let browser: Promise<Browser> | null = null;

  const launch = (): Promise<Browser> => {
    if (browser) return browser;
    const started = (async () => {
      if (!fs.existsSync(opts.executablePath)) throw new GatewayError('VISUAL_UNAVAILABLE', { detail: `${opts.executablePath} bulunamadı` });
      try {
        const b = await chromium.launch({ executablePath: opts.executablePath, args: ARGS, timeout: LAUNCH_TIMEOUT_MS });
        // A crashed browser is launched again by the next render.
        b.on('disconnected', () => {
          if (browser === started) browser = null;
        });
        return b;
      } catch (err) {
        throw new GatewayError('VISUAL_UNAVAILABLE', { detail: 'chromium başlatılamadı' }, err);
      }
    })();
    browser = started;
    started.catch(() => {
      if (browser === started) browser = null;
    });
    return started;
  };

  const render = async (html: string): Promise<Buffer> => {
    const b = await launch();
    const context = await b.newContext({ javaScriptEnabled: false, offline: true, serviceWorkers: 'block', acceptDownloads: false });
    let timer: NodeJS.Timeout | undefined;
    try {
      await context.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort('blockedbyclient')));
      const printed = (async () => {
        const page = await context.newPage();
        await page.setContent(html, { waitUntil: 'load', timeout: opts.timeoutMs });
        return page.pdf({ format: 'A4', printBackground: true, margin: { top: '10mm', bottom: '10mm', left: '8mm', right: '8mm' } });
      })();
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new GatewayError('VISUAL_TIMEOUT', { seconds: Math.round(opts.timeoutMs / 100) / 10 })), opts.timeoutMs);
      });
      printed.catch(() => {}); // after a timeout its rejection (the context closed under it) is nobody's
      return await Promise.race([printed, timedOut]);
    } catch (err) {
      if (isGatewayError(err)) throw err;
      if (err instanceof Error && err.name === 'TimeoutError') throw new GatewayError('VISUAL_TIMEOUT', { seconds: Math.round(opts.timeoutMs / 100) / 10 }, err);
      throw err;
    } finally {
      clearTimeout(timer);
      await context.close().catch(() => {});
    }
  };

  return {
    pdf: (html) => slots.run(() => render(html)),
    async close() {
      const b = browser;
      browser = null;
      if (b) await (await b.catch(() => null))?.close().catch(() => {});
    },
  };
}

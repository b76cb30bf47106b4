/**
 * An invoice's visual, from its UBL: the page its own embedded XSLT makes of it (./xslt-runner.ts), or the gateway's
 * default page when it carries none (./default-template.ts); the İPTAL stamp on a cancelled one; the page policy
 * (no scripts, no requests) inside it; and the same page as a PDF (./pdf-renderer.ts). Knows nothing of tenants
 * or states: the caller (src/services/invoice-visual.service.ts) says whether the invoice is cancelled.
 */
import { DOCUMENT_LIMITS, parseXml } from '../xml/parse';
import { withCancelStamp } from './cancel-stamp';
import { defaultInvoiceHtml } from './default-template';
import { embeddedXslt } from './embedded-xslt';
import { withPagePolicy } from './page-policy';
import { createPdfRenderer } from './pdf-renderer';
import { createXsltRunner, DEFAULT_XSLT_LIMITS } from './xslt-runner';

export interface VisualSettings {
  /** GW_PYTHON: Debian's python3 with python3-lxml (the XSLT engine, libxslt). */
  python: string;
  /** GW_CHROMIUM_PATH: the browser that prints PDFs. */
  chromiumPath: string;
  /** GW_VISUAL_TIMEOUT_MS: one XSLT transformation's limit (the invoice's own code: short). */
  timeoutMs: number;
  /** GW_VISUAL_PDF_TIMEOUT_MS: one PDF's printing (our browser on a page already made: longer on a busy machine). */
  pdfTimeoutMs: number;
  /** GW_VISUAL_MAX_PAGES: PDFs printing at once. */
  maxPages: number;
}

export interface RenderOptions {
  /** Draw the İPTAL stamp over the page. */
  cancelled: boolean;
}

export interface InvoiceRenderer {
  /** The page, UTF-8 text, policy inside (serve it with VISUAL_CSP too). */
  html(ubl: Buffer, opts: RenderOptions): Promise<string>;
  pdf(ubl: Buffer, opts: RenderOptions): Promise<Buffer>;
  /** Closes the PDF browser (at shutdown). */
  close(): Promise<void>;
}

export function createInvoiceRenderer(settings: VisualSettings): InvoiceRenderer {
  const xslt = createXsltRunner({ python: settings.python, timeoutMs: settings.timeoutMs, ...DEFAULT_XSLT_LIMITS });
  const printer = createPdfRenderer({ executablePath: settings.chromiumPath, maxPages: settings.maxPages, timeoutMs: settings.pdfTimeoutMs });

  const html = async (ubl: Buffer, opts: RenderOptions): Promise<string> => {
    const root = parseXml(ubl, DOCUMENT_LIMITS).root;
    const sheet = embeddedXslt(root);
    const page = sheet ? await xslt.transform(sheet, ubl) : defaultInvoiceHtml(root);
    return withPagePolicy(opts.cancelled ? withCancelStamp(page) : page);
  };

  return {
    html,
    async pdf(ubl, opts) {
      return printer.pdf(await html(ubl, opts));
    },
    close: () => printer.close(),
  };
}

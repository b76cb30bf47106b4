/**
 * An invoice as a person sees it (issue 16): the signed UBL, its HTML visual (the invoice's own XSLT, or the
 * gateway's default page) or the same as a PDF — for an invoice the tenant sent (e-Fatura or e-Arşiv) or one in its
 * inbox, with the İPTAL stamp once it is cancelled. For SOAP's GetInvoiceDocument / GetIncomingInvoice, the web
 * portal, and the e-Arşiv mail's PDF. Tenant-scoped like the reads it is built on: another tenant's invoice is not
 * found (4301).
 */
import type { Knex } from 'knex';
import { invoiceById } from '../db/invoices';
import { GatewayError } from '../faults';
import { toEttn, type Ettn } from '../ids';
import type { Caller } from '../security/authenticator';
import type { BlobStore } from '../storage/blob-store';
import type { InvoiceRenderer } from '../visuals/invoice-renderer';
import { VISUAL_CSP } from '../visuals/page-policy';
import type { InboxService, IncomingInvoiceView } from './inbox.service';
import { invoiceStateOf } from './invoice.service';
import type { OutgoingDocument, OutgoingInvoiceService } from './outgoing-invoices.service';

export type VisualFormat = 'UBL' | 'HTML' | 'PDF';
export const VISUAL_FORMATS: readonly VisualFormat[] = ['UBL', 'HTML', 'PDF'];

/** OUT: an invoice the tenant sent (e-Fatura or e-Arşiv); IN: one in its inbox. */
export type VisualDirection = 'OUT' | 'IN';

export interface InvoiceVisualRef {
  direction: VisualDirection;
  ettn?: Ettn | string | null;
  /** OUT only: the invoice number instead of the ETTN. */
  invoiceNumber?: string | null;
}

export interface InvoiceVisual {
  body: Buffer;
  contentType: string;
  fileName: string;
  /** The invoice is cancelled: the HTML and the PDF carry the İPTAL stamp. */
  cancelled: boolean;
  /** HTML: serve it with this Content-Security-Policy header (the page also carries it in a <meta>). */
  contentSecurityPolicy: string | null;
}

/**
 * GİB's code 1235, FATURA İPTAL'E KONU EDİLDİ: the states the machines mark as cancelled (e-Fatura CANCELLED,
 * e-Arşiv CANCELLED and CANCEL_REPORTED, an incoming invoice CANCELLED); read from the machines' data.
 */
const CANCELLED_CODE = 1235;

const CONTENT_TYPES: Record<VisualFormat, string> = {
  UBL: 'application/xml',
  HTML: 'text/html; charset=utf-8',
  PDF: 'application/pdf',
};

export interface InvoiceVisualDeps {
  db: Knex;
  blobs: BlobStore;
  outgoing: OutgoingInvoiceService;
  inbox: InboxService;
  renderer: InvoiceRenderer;
}

interface Source {
  ubl: Buffer;
  /** The file name without its extension: the invoice number, or the ETTN before it has one. */
  baseName: string;
  cancelled: boolean;
}

export function createInvoiceVisualService(deps: InvoiceVisualDeps) {
  const { renderer } = deps;

  async function render(source: Source, format: VisualFormat): Promise<InvoiceVisual> {
    const { ubl, baseName, cancelled } = source;
    const body =
      format === 'UBL'
        ? ubl
        : format === 'HTML'
          ? Buffer.from(await renderer.html(ubl, { cancelled }), 'utf8')
          : await renderer.pdf(ubl, { cancelled });
    const extension = format === 'UBL' ? 'xml' : format.toLowerCase();
    return { body, contentType: CONTENT_TYPES[format], fileName: `${baseName}.${extension}`, cancelled, contentSecurityPolicy: format === 'HTML' ? VISUAL_CSP : null };
  }

  const outgoingSource = (d: OutgoingDocument): Source => ({ ubl: d.document, baseName: d.invoice.invoiceNumber ?? d.invoice.ettn, cancelled: d.invoice.code === CANCELLED_CODE });
  const incomingSource = (v: IncomingInvoiceView, ubl: Buffer): Source => ({ ubl, baseName: v.invoiceNumber || v.ettn, cancelled: v.code === CANCELLED_CODE });

  async function sourceOf(caller: Caller, ref: InvoiceVisualRef): Promise<Source> {
    const ettn = ref.ettn ? toEttn(ref.ettn) : null;
    if (ref.direction === 'OUT') return outgoingSource(await deps.outgoing.document(caller, { ettn, invoiceNumber: ref.invoiceNumber ?? null }));
    if (ref.direction === 'IN') {
      if (!ettn) throw new GatewayError('REQUEST_FIELD', { field: 'ettn' });
      const v = await deps.inbox.getIncoming(caller.tenantId, ettn);
      return incomingSource(v, await deps.blobs.get(v.documentSha256));
    }
    throw new GatewayError('REQUEST_FIELD', { field: 'direction (OUT veya IN)' });
  }

  return {
    /** The invoice's UBL, HTML or PDF for the caller's own company. */
    async visual(caller: Caller, ref: InvoiceVisualRef, format: VisualFormat = 'UBL'): Promise<InvoiceVisual> {
      if (!VISUAL_FORMATS.includes(format)) throw new GatewayError('REQUEST_FIELD', { field: 'format (UBL, HTML veya PDF)' });
      return render(await sourceOf(caller, ref), format);
    },

    /** The visual of an outgoing invoice whose document the caller has read already (`outgoing.document`). */
    outgoingVisual(d: OutgoingDocument, format: Exclude<VisualFormat, 'UBL'>): Promise<InvoiceVisual> {
      return render(outgoingSource(d), format);
    },

    /** The visual of an inbox invoice whose view and UBL the caller has read already. */
    incomingVisual(v: IncomingInvoiceView, ubl: Buffer, format: Exclude<VisualFormat, 'UBL'>): Promise<InvoiceVisual> {
      return render(incomingSource(v, ubl), format);
    },

    /**
     * The PDF of one outgoing invoice by its row id, for worker tasks (the e-Arşiv mail, `InvoicePdf`): the signed
     * UBL's visual, stamped when cancelled. Another tenant's id is not found. `ubl`: the row's signed UBL when the
     * caller has read it already (not read again).
     */
    async invoicePdf(tenantId: number, invoiceId: number, ubl?: Buffer): Promise<Buffer> {
      const row = await invoiceById(deps.db, invoiceId);
      if (!row || row.tenantId !== tenantId) throw new GatewayError('DOCUMENT_NOT_FOUND');
      ubl ??= await deps.blobs.get(row.signedSha256 ?? row.documentSha256);
      return renderer.pdf(ubl, { cancelled: invoiceStateOf(row).code === CANCELLED_CODE });
    },
  };
}

export type InvoiceVisualService = ReturnType<typeof createInvoiceVisualService>;

/**
 * ListOutgoingInvoices and GetInvoiceDocument: the invoices the company sent. Thin handlers: arguments → the
 * outgoing-invoice service (and, for an HTML or PDF document, the invoice-visual service) → the WSDL's
 * OutgoingInvoice, written as XML directly (a page holds up to 500 of them; see invoice-status.ts for why not
 * node-soap's serialiser).
 */
import { GatewayError } from '../../faults';
import type { DocumentKind } from '../../db/invoices';
import type { PortalTab } from '../../machines';
import type { OutgoingInvoiceService, OutgoingInvoiceSummary } from '../../services/outgoing-invoices.service';
import { VISUAL_FORMATS, type InvoiceVisualService, type VisualFormat } from '../../services/invoice-visual.service';
import { argEttn, argString, soapOperation, type OperationDeps } from '../operation';
import { el } from './invoice-status';

function outgoingInvoiceXml(v: OutgoingInvoiceSummary): { $xml: string } {
  return {
    $xml:
      el('ettn', v.ettn) +
      el('invoiceNumber', v.invoiceNumber) +
      el('documentKind', v.documentKind) +
      el('profileId', v.profileId) +
      el('typeCode', v.typeCode) +
      el('issueDate', v.issueDate) +
      el('receiverVknTckn', v.receiverVknTckn) +
      el('receiverName', v.receiverName) +
      el('payableAmount', v.payableAmount) +
      el('currency', v.currency) +
      el('state', v.state) +
      el('status', v.status) +
      el('code', v.code) +
      el('description', v.description) +
      el('portalTab', v.portalTab) +
      el('receivedAt', v.receivedAt) +
      el('updatedAt', v.updatedAt),
  };
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], field: string): T | null {
  const v = argString(value);
  if (v === null) return null;
  if (!(allowed as readonly string[]).includes(v)) throw new GatewayError('REQUEST_FIELD', { field });
  return v as T;
}

/** GetInvoiceDocument's and GetIncomingInvoice's `format`: UBL when absent. */
export function argFormat(value: string | undefined): VisualFormat {
  return oneOf(value, VISUAL_FORMATS, 'format (UBL, HTML veya PDF)') ?? 'UBL';
}

export function outgoingOperations(deps: OperationDeps & { outgoing: OutgoingInvoiceService; visuals: InvoiceVisualService }) {
  return {
    ListOutgoingInvoices: soapOperation('ListOutgoingInvoices', deps, async (caller, args) => {
      const pageSize = argString(args.pageSize);
      if (pageSize !== null && !/^[0-9]{1,4}$/.test(pageSize)) throw new GatewayError('REQUEST_FIELD', { field: 'pageSize' });
      const page = await deps.outgoing.list(caller, {
        from: argString(args.from),
        to: argString(args.to),
        dateBy: oneOf(args.dateBy, ['CREATED', 'ISSUED'] as const, 'dateBy (CREATED veya ISSUED)'),
        kind: oneOf<DocumentKind>(args.documentKind, ['EFATURA', 'EARSIV'], 'documentKind (EFATURA veya EARSIV)'),
        state: argString(args.state),
        portalTab: argString(args.portalTab) as PortalTab | null, // the service knows the tabs
        receiverId: argString(args.receiverVknTckn),
        numberPrefix: argString(args.numberPrefix),
        pageSize: pageSize === null ? null : Number(pageSize),
        pageToken: argString(args.pageToken),
      });
      return {
        invoice: page.invoices.map(outgoingInvoiceXml),
        ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
      };
    }),

    GetInvoiceDocument: soapOperation('GetInvoiceDocument', deps, async (caller, args) => {
      const ettn = argEttn(args.ettn);
      const invoiceNumber = argString(args.invoiceNumber);
      if (!ettn === !invoiceNumber) throw new GatewayError('REQUEST_FIELD', { field: 'ettn veya invoiceNumber (yalniz biri)' });
      const format = argFormat(args.format);
      const d = await deps.outgoing.document(caller, { ettn, invoiceNumber });
      const v = format === 'UBL' ? null : await deps.visuals.outgoingVisual(d, format);
      return {
        invoice: outgoingInvoiceXml(d.invoice),
        fileName: v?.fileName ?? d.fileName,
        signed: d.signed,
        document: (v?.body ?? d.document).toString('base64'),
        contentType: v?.contentType ?? 'application/xml',
      };
    }),
  };
}

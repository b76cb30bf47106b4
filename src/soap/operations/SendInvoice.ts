import { GatewayError } from '../../faults';
import type { InvoiceService } from '../../services/invoice.service';
import type { Channel } from '../../validation';
import { argBool, argString, soapOperation, type OperationDeps } from '../operation';
import { invoiceStatusXml } from './invoice-status';

const CONTAINERS = new Set(['auto', 'xml', 'zip']);
const CHANNELS = new Set(['EFATURA', 'EARSIV']);
const BASE64 = /^[A-Za-z0-9+/\r\n\t ]*={0,2}[\r\n\t ]*$/;

export function sendInvoiceOperation(deps: OperationDeps & { invoices: InvoiceService }) {
  return soapOperation('SendInvoice', deps, async (caller, args) => {
    const encoded = argString(args.document);
    if (!encoded || !BASE64.test(encoded)) throw new GatewayError('REQUEST_FIELD', { field: 'document (base64)' });
    const container = argString(args.container) ?? 'auto';
    if (!CONTAINERS.has(container)) throw new GatewayError('REQUEST_FIELD', { field: 'container' });
    const channel = argString(args.channel) ?? null;
    if (channel !== null && !CHANNELS.has(channel)) throw new GatewayError('REQUEST_FIELD', { field: 'channel (EFATURA veya EARSIV)' });
    const view = await deps.invoices.sendInvoice(caller, {
      document: Buffer.from(encoded, 'base64'),
      container: container as 'auto' | 'xml' | 'zip',
      assignNumber: argBool(args.assignNumber),
      numberSeries: argString(args.numberSeries),
      signed: argBool(args.signed),
      channel: channel as Channel | null,
    });
    return { invoice: invoiceStatusXml(view) };
  });
}

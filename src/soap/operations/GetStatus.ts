import type { InvoiceService } from '../../services/invoice.service';
import { argEttn, argString, soapOperation, type OperationDeps } from '../operation';
import { invoiceStatusXml } from './invoice-status';

export function getStatusOperation(deps: OperationDeps & { invoices: InvoiceService }) {
  return soapOperation('GetStatus', deps, async (caller, args) => {
    const view = await deps.invoices.getStatus(caller, {
      ettn: argEttn(args.ettn),
      invoiceNumber: argString(args.invoiceNumber),
    });
    return { invoice: invoiceStatusXml(view) };
  });
}

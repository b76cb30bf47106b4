import type { InvoiceStatusView } from '../../services/invoice.service';

/** The WSDL's InvoiceStatus, keys in schema order (node-soap writes them in object order), absent values left out. */
export function invoiceStatusXml(view: InvoiceStatusView): Record<string, unknown> {
  const out: Record<string, unknown> = { ettn: view.ettn };
  if (view.invoiceNumber) out.invoiceNumber = view.invoiceNumber;
  Object.assign(out, {
    documentKind: view.documentKind,
    profileId: view.profileId,
    state: view.state,
    status: view.status,
    code: view.code,
    description: view.description,
  });
  if (view.portalTab) out.portalTab = view.portalTab;
  out.receivedAt = view.receivedAt;
  out.updatedAt = view.updatedAt;
  out.history = {
    entry: view.history.map((h) => {
      const entry: Record<string, unknown> = { at: h.at };
      if (h.fromState) entry.fromState = h.fromState;
      Object.assign(entry, { toState: h.toState, event: h.event, actor: h.actor });
      if (h.reason) entry.reason = h.reason;
      if (h.code !== null) entry.code = h.code;
      return entry;
    }),
  };
  return out;
}

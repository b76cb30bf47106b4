import type { InvoiceStatusView } from '../../services/invoice.service';

/**
 * The WSDL's InvoiceStatus, written directly as XML in the service's namespace (prefix `tns`, which node-soap
 * declares on the response element). node-soap's generic object serialiser walked the schema for every element and
 * cost more than the rest of a GetStatus call together (profile in BENCHMARKS.md); this writer is checked against the
 * WSDL by two independent clients (node-soap's and Python zeep) in test/soap.
 */
export function esc(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function el(name: string, value: string | number | null | undefined): string {
  return value === null || value === undefined ? '' : `<tns:${name}>${esc(String(value))}</tns:${name}>`;
}

export function invoiceStatusXml(view: InvoiceStatusView): { $xml: string } {
  let history = '';
  for (const h of view.history) {
    history +=
      '<tns:entry>' +
      el('at', h.at) +
      el('fromState', h.fromState) +
      el('toState', h.toState) +
      el('event', h.event) +
      el('actor', h.actor) +
      el('reason', h.reason) +
      el('code', h.code) +
      '</tns:entry>';
  }
  return {
    $xml:
      el('ettn', view.ettn) +
      el('invoiceNumber', view.invoiceNumber) +
      el('documentKind', view.documentKind) +
      el('profileId', view.profileId) +
      el('state', view.state) +
      el('status', view.status) +
      el('code', view.code) +
      el('description', view.description) +
      el('portalTab', view.portalTab) +
      el('envelopeId', view.envelopeId) +
      el('applicationResponse', view.applicationResponse) +
      (view.cancelRequest
        ? `<tns:cancelRequest>${el('requestId', view.cancelRequest.requestId)}${el('state', view.cancelRequest.state)}</tns:cancelRequest>`
        : '') +
      (view.warnings.length > 0
        ? `<tns:warnings>${view.warnings.map((w) => `<tns:warning>${el('code', w.code)}${el('name', w.name)}${el('message', w.message)}</tns:warning>`).join('')}</tns:warnings>`
        : '') +
      el('gibPackage', view.gibPackage) +
      el('receivedAt', view.receivedAt) +
      el('updatedAt', view.updatedAt) +
      `<tns:history>${history}</tns:history>`,
  };
}

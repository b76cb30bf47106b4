import type { GatewayError } from '../faults';

/**
 * The WSDL's typed GatewayFault. Unknown errors become SISTEM HATASI (5000) before they get here (asGatewayError):
 * internal text never reaches the caller.
 */
export const GATEWAY_NS = 'urn:acik-entegrator:gateway:1';

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function faultDetailXml(err: GatewayError): string {
  return (
    `<gw:GatewayFault xmlns:gw="${GATEWAY_NS}">` +
    `<gw:code>${err.code}</gw:code><gw:name>${err.fault}</gw:name>` +
    `<gw:message>${escapeXml(err.message)}</gw:message>` +
    `<gw:retryable>${err.spec.retryable ? 'true' : 'false'}</gw:retryable>` +
    (err.failures.length > 0
      ? `<gw:failures>${err.failures
          .map((f) => `<gw:failure><gw:code>${f.code}</gw:code><gw:name>${f.name}</gw:name><gw:rule>${escapeXml(f.rule)}</gw:rule><gw:path>${escapeXml(f.path)}</gw:path><gw:message>${escapeXml(f.message)}</gw:message></gw:failure>`)
          .join('')}</gw:failures>`
      : '') +
    '</gw:GatewayFault>'
  );
}

/** A whole SOAP 1.1 fault envelope: every fault the gateway's SOAP service answers. */
export function faultEnvelope(err: GatewayError): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>' +
    `<faultcode>${err.spec.soap}</faultcode><faultstring>${escapeXml(`${err.code}: ${err.message}`)}</faultstring>` +
    `<detail>${faultDetailXml(err)}</detail></soap:Fault></soap:Body></soap:Envelope>`
  );
}

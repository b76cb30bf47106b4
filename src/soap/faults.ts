import { asGatewayError, type GatewayError } from '../faults';

/**
 * One function turns any error into the WSDL's typed GatewayFault. Unknown errors become SISTEM HATASI (5000):
 * internal text never reaches the caller (node-soap would otherwise answer with `err.toString()`).
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
    `<gw:retryable>${err.spec.retryable ? 'true' : 'false'}</gw:retryable></gw:GatewayFault>`
  );
}

/** The shape node-soap serialises as a SOAP 1.1 Fault (faultcode, faultstring, detail). */
export function toSoapFault(err: unknown): { Fault: Record<string, unknown> } {
  const e = asGatewayError(err);
  return {
    Fault: {
      faultcode: e.spec.soap,
      faultstring: `${e.code}: ${e.message}`,
      detail: { $xml: faultDetailXml(e) },
      statusCode: e.spec.http,
    },
  };
}

/** A whole SOAP 1.1 fault envelope, for answers given before node-soap sees the request (size, DOCTYPE). */
export function faultEnvelope(err: GatewayError): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>' +
    `<faultcode>${err.spec.soap}</faultcode><faultstring>${escapeXml(`${err.code}: ${err.message}`)}</faultstring>` +
    `<detail>${faultDetailXml(err)}</detail></soap:Fault></soap:Body></soap:Envelope>`
  );
}

import { randomBytes } from 'node:crypto';
import { buildUsernameTokenHeader } from '../../src/security/wsse';

/** Hand-built SOAP 1.1 requests, for what a well-behaved client library would never send. */
export function envelope(body: string, security: string | null): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:gw="urn:acik-entegrator:gateway:1">' +
    (security ? `<soap:Header>${security}</soap:Header>` : '') +
    `<soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

export function securityHeader(username: string, password: string, opts: { created?: Date; nonce?: Buffer } = {}): string {
  return buildUsernameTokenHeader(username, password, {
    nonce: opts.nonce ?? randomBytes(16),
    created: (opts.created ?? new Date()).toISOString(),
  });
}

export function sendInvoiceBody(document: Buffer, extra = ''): string {
  return `<gw:SendInvoiceRequest><gw:document>${document.toString('base64')}</gw:document>${extra}</gw:SendInvoiceRequest>`;
}

export async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'Content-Type': 'text/xml; charset=utf-8', ...headers } });
  const text = await res.text();
  const code = /<gw:code>(\d+)<\/gw:code>/.exec(text)?.[1];
  const name = /<gw:name>(\w+)<\/gw:name>/.exec(text)?.[1];
  return { status: res.status, text, code: code ? Number(code) : null, name: name ?? null };
}

/**
 * Reading a request of GİB's EFatura contract: a SOAP 1.2 message, or an MTOM package (multipart/related, XOP) whose
 * root part is one. GİB's service uses MTOM ("SOAP mesajlarının iletiminde büyük dosyalar söz konusu olduğundan MTOM …
 * kullanılmıştır", Ek-3 §1; Entegrasyon Kılavuzu v1.10 §4.5 item 5), so a push from GİB may carry the ZIP as a MIME
 * part. Pure: bytes and a Content-Type in, a SoapMessage out.
 */
import { SOAP_REQUEST_LIMITS } from '../../xml/parse';
import { parseSoapMessage, type SoapMessage } from './soap';

/**
 * The SOAP message of a request, with an MTOM attachment resolved into binaryData. Throws (any error: the caller
 * answers 2005) when it is not a request this service reads, or when its envelope is past SOAP_REQUEST_LIMITS.
 */
export function readRequest(body: Buffer, contentType: string): SoapMessage {
  const mime = parseContentType(contentType);
  if (mime.type !== 'multipart/related') {
    const msg = parseSoapMessage(body, SOAP_REQUEST_LIMITS);
    if (msg.kind === 'sendDocument' && !msg.binaryData) throw new Error('xop:Include outside an MTOM package');
    return msg;
  }
  const boundary = mime.params.boundary;
  if (!boundary) throw new Error('multipart/related without a boundary');
  const parts = splitMultipart(body, boundary);
  if (parts.length === 0) throw new Error('empty MTOM package');
  const start = mime.params.start ? stripAngles(mime.params.start) : null;
  const root = (start && parts.find((p) => p.contentId === start)) || parts[0]!;
  const msg = parseSoapMessage(root.body, SOAP_REQUEST_LIMITS);
  if (msg.kind !== 'sendDocument' || msg.binaryData) return msg;
  // XOP (W3C XOP §4): href="cid:<Content-ID, URL-encoded, without the angle brackets>".
  const href = msg.xopHref ?? '';
  if (!/^cid:/i.test(href)) throw new Error('xop:Include href is not a cid: URL');
  let cid: string;
  try {
    cid = decodeURIComponent(href.slice(4));
  } catch {
    throw new Error('xop:Include href is not a valid URL');
  }
  const part = parts.find((p) => p !== root && p.contentId === cid);
  if (!part) throw new Error('MTOM part named by xop:Include is missing');
  return { ...msg, binaryData: part.body };
}

interface MimePart {
  contentId: string | null;
  body: Buffer;
}

function stripAngles(s: string): string {
  const t = s.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t;
}

/** `type/subtype; a=b; c="d"` → lower-case type and parameters (parameter names lower-cased, values as written). */
function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const [head = '', ...rest] = splitParams(value);
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[p.slice(0, eq).trim().toLowerCase()] = v;
  }
  return { type: head.trim().toLowerCase(), params };
}

/** Splits on `;` outside double quotes. */
function splitParams(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The parts of a multipart body (RFC 2046 §5.1.1): between `--boundary` lines, headers, a blank line, the body. */
function splitMultipart(body: Buffer, boundary: string): MimePart[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: MimePart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos === -1) throw new Error('MTOM boundary not found');
  for (;;) {
    let after = pos + delimiter.length;
    if (body[after] === 0x2d && body[after + 1] === 0x2d) break; // close delimiter `--boundary--`
    // Transport padding, then the line end that ends the delimiter line.
    while (body[after] === 0x20 || body[after] === 0x09) after++;
    if (body[after] === 0x0d && body[after + 1] === 0x0a) after += 2;
    else if (body[after] === 0x0a) after += 1;
    else throw new Error('malformed MTOM delimiter line');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), after);
    const nextLf = next === -1 ? body.indexOf(Buffer.concat([Buffer.from('\n'), delimiter]), after) : -1;
    const end = next !== -1 ? next : nextLf;
    if (end === -1) throw new Error('MTOM part without a closing delimiter');
    parts.push(readPart(body.subarray(after, end)));
    pos = next !== -1 ? next + 2 : nextLf + 1;
  }
  return parts;
}

function readPart(raw: Buffer): MimePart {
  let split = raw.indexOf('\r\n\r\n');
  let skip = 4;
  if (split === -1) {
    split = raw.indexOf('\n\n');
    skip = 2;
  }
  if (split === -1) throw new Error('MTOM part without headers');
  const headers: Record<string, string> = {};
  for (const line of raw.toString('latin1', 0, split).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let content = raw.subarray(split + skip);
  const encoding = (headers['content-transfer-encoding'] ?? 'binary').toLowerCase();
  if (encoding === 'base64') content = Buffer.from(content.toString('latin1').replace(/[\s]+/g, ''), 'base64');
  else if (!['binary', '8bit', '7bit'].includes(encoding)) throw new Error(`MTOM part encoding ${encoding}`);
  return { contentId: headers['content-id'] ? stripAngles(headers['content-id']) : null, body: content };
}

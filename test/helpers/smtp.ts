/**
 * A real SMTP server for tests (the `smtp-server` package) on a free loopback port, keeping what it received, and a
 * minimal MIME reader for those messages (headers unfolded, RFC 2047 encoded-words decoded, quoted-printable and
 * base64 bodies, multipart/alternative) — written here rather than with the sender's own library, so a test checks
 * nodemailer's encoding independently.
 */
import net, { type AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { createRootCa } from '../../src/signing/dev-seal';

export interface ReceivedMail {
  mailFrom: string | null;
  rcptTo: string[];
  /** The authenticated user (null without AUTH). */
  user: string | null;
  /** Whether the connection was TLS (implicit, or after STARTTLS). */
  secure: boolean;
  raw: string;
}

export interface TestSmtpServer {
  port: number;
  received: ReceivedMail[];
  /** Messages refused at DATA so far (see `refuseNext`). */
  refused: number;
  /** Refuse the next `n` messages at DATA with a temporary error (451). */
  refuseNext(n: number): void;
  /** Resolves once `n` messages have been received (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** AUTH PLAIN/LOGIN checked against this user and password; without it no AUTH is offered or needed. */
  auth?: { user: string; password: string };
  /** 'starttls' (the default with auth), 'implicit' (TLS from the first byte) or 'none' (a plain server). */
  tls?: 'starttls' | 'implicit' | 'none';
  /** Listen on this port (default: a free one). */
  port?: number;
}

let certificate: { key: string; cert: string } | null = null;

/** A self-signed certificate (made once per run): trusted by no one, so a client must be told to accept it. */
export function testCertificate(): { key: string; cert: string } {
  if (!certificate) {
    const ca = createRootCa({ commonName: 'Test SMTP - GERCEK DEGIL' });
    certificate = { key: ca.keyPem, cert: ca.certPem };
  }
  return certificate;
}

/** A loopback port nothing listens on (yet): where an SMTP server is down, or is started later. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

export async function startSmtpServer(opts: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const mode = opts.tls ?? (opts.auth ? 'starttls' : 'none');
  const received: ReceivedMail[] = [];
  let refuse = 0;
  let refused = 0;
  const waiters: Array<() => void> = [];
  const options: SMTPServerOptions = {
    secure: mode === 'implicit',
    ...(mode === 'none' ? { hideSTARTTLS: true, disabledCommands: ['STARTTLS'] } : testCertificate()),
    disableReverseLookup: true,
    closeTimeout: 500,
    allowInsecureAuth: mode === 'none',
    logger: false,
    ...(opts.auth
      ? {
          authMethods: ['PLAIN', 'LOGIN'],
          onAuth(auth, _session, callback) {
            if (auth.username === opts.auth!.user && auth.password === opts.auth!.password) callback(null, { user: auth.username! });
            else callback(Object.assign(new Error('Kimlik doğrulanamadı'), { responseCode: 535 }));
          },
        }
      : { authOptional: true, disabledCommands: mode === 'none' ? ['STARTTLS', 'AUTH'] : ['AUTH'] }),
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuse > 0) {
          refuse--;
          refused++;
          server.refused = refused;
          callback(Object.assign(new Error('Geçici bir sorun var, sonra tekrar deneyin'), { responseCode: 451 }));
          return;
        }
        const { mailFrom, rcptTo } = session.envelope;
        received.push({ mailFrom: mailFrom ? mailFrom.address : null, rcptTo: rcptTo.map((r) => r.address), user: session.user ?? null, secure: session.secure, raw: Buffer.concat(chunks).toString('utf8') });
        for (const w of waiters.splice(0)) w();
        callback(null, 'Kabul edildi');
      });
    },
  };
  const smtp = new SMTPServer(options);
  smtp.on('error', () => undefined); // a client dropping the connection (the TLS refusal test) is not the test's failure
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const server: TestSmtpServer = {
    port: (smtp.server.address() as AddressInfo).port,
    received,
    refused,
    refuseNext(n) {
      refuse = n;
    },
    async waitFor(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} e-mails, the SMTP server received ${received.length}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 50);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
  return server;
}

export interface ParsedMail {
  /** Header values by lower-case name, unfolded (encoded-words left as they are). */
  headers: Record<string, string>;
  /** The Subject, encoded-words decoded. */
  subject: string;
  text: string | null;
  html: string | null;
  /** Parts sent as attachments (Content-Disposition: attachment), decoded to their bytes. */
  attachments: Array<{ filename: string; contentType: string; content: Buffer }>;
}

/** RFC 2047: `=?UTF-8?B?…?=` / `=?UTF-8?Q?…?=` words decoded (whitespace between two of them dropped). */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, charset: string, enc: string, data: string) => {
      const bytes = enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : qpBytes(data.replace(/_/g, ' '));
      return bytes.toString(charset.toLowerCase().replace(/\*.*$/, '') === 'utf-8' ? 'utf8' : 'latin1');
    });
}

function qpBytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(...Buffer.from(s[i]!, 'utf8'));
    }
  }
  return Buffer.from(out);
}

function splitHead(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at === -1 ? raw : raw.slice(0, at);
  const body = at === -1 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string | undefined, contentType: string | undefined): string {
  const enc = (encoding ?? '7bit').toLowerCase();
  const bytes = enc === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64') : enc === 'quoted-printable' ? qpBytes(body.replace(/=\r?\n/g, '')) : Buffer.from(body, 'utf8');
  const charset = /charset="?([^";]+)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
  return bytes.toString(charset === 'utf-8' || charset === 'utf8' ? 'utf8' : 'latin1').replace(/\r\n/g, '\n');
}

/** Reads a received message's subject and its text and HTML bodies. */
export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitHead(raw);
  const out: ParsedMail = { headers, subject: decodeWords(headers.subject ?? ''), text: null, html: null, attachments: [] };
  const visit = (h: Record<string, string>, b: string): void => {
    const type = h['content-type'] ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (/^multipart\//i.test(type) && boundary) {
      const parts = b.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`)).slice(1, -1);
      for (const part of parts) {
        const p = splitHead(part);
        visit(p.headers, p.body);
      }
      return;
    }
    const disposition = h['content-disposition'] ?? '';
    if (/^attachment/i.test(disposition)) {
      const enc = (h['content-transfer-encoding'] ?? '7bit').toLowerCase();
      const content = enc === 'base64' ? Buffer.from(b.replace(/\s+/g, ''), 'base64') : enc === 'quoted-printable' ? qpBytes(b.replace(/=\r?\n/g, '')) : Buffer.from(b.replace(/\r?\n$/, ''), 'utf8');
      const filename = decodeWords(/filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? '');
      out.attachments.push({ filename, contentType: type.split(';')[0]!.trim().toLowerCase(), content });
      return;
    }
    const decoded = decodeBody(b, h['content-transfer-encoding'], type).replace(/\n$/, '');
    if (/^text\/html/i.test(type)) out.html = decoded;
    else if (/^text\/plain/i.test(type)) out.text = decoded;
  };
  visit(headers, body);
  return out;
}

import { createHash, timingSafeEqual } from 'node:crypto';

/** A WS-Security UsernameToken as it arrived (OASIS UsernameToken Profile 1.0). */
export interface UsernameToken {
  username: string;
  password: string;
  type: 'digest' | 'text';
  nonce: string | null; // base64
  created: string | null;
}

const DIGEST_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';

type Node = string | { $value?: string; attributes?: Record<string, string> } | undefined;

function text(node: Node): string | null {
  if (node === undefined || node === null) return null;
  if (typeof node === 'string') return node;
  return typeof node.$value === 'string' ? node.$value : null;
}

/** Reads the token from node-soap's parsed `Header` object (prefixes are already stripped by node-soap). */
export function readUsernameToken(headers: unknown): UsernameToken | null {
  const security = (headers as { Security?: { UsernameToken?: Record<string, Node> } } | undefined)?.Security;
  const token = security?.UsernameToken;
  if (!token || typeof token !== 'object') return null;
  const username = text(token.Username);
  const password = text(token.Password);
  if (!username || password === null) return null;
  const passwordNode = token.Password;
  const typeAttr = typeof passwordNode === 'object' ? passwordNode?.attributes?.Type : undefined;
  return {
    username,
    password,
    type: typeAttr === DIGEST_TYPE ? 'digest' : 'text',
    nonce: text(token.Nonce),
    created: text(token.Created),
  };
}

/** Base64(SHA-1(nonce bytes + created + password)), compared in constant time. */
export function digestMatches(token: UsernameToken, password: string): boolean {
  if (!token.nonce || !token.created) return false;
  const expected = createHash('sha1')
    .update(Buffer.concat([Buffer.from(token.nonce, 'base64'), Buffer.from(token.created + password, 'utf8')]))
    .digest();
  const given = Buffer.from(token.password, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Client side, for tests, benchmarks and the CLI: builds a PasswordDigest header. */
export function buildUsernameTokenHeader(username: string, password: string, opts: { nonce: Buffer; created: string }): string {
  const digest = createHash('sha1')
    .update(Buffer.concat([opts.nonce, Buffer.from(opts.created + password, 'utf8')]))
    .digest('base64');
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return (
    '<wsse:Security soap:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" ' +
    'xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">' +
    `<wsse:UsernameToken><wsse:Username>${esc(username)}</wsse:Username>` +
    `<wsse:Password Type="${DIGEST_TYPE}">${digest}</wsse:Password>` +
    `<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${opts.nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${opts.created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

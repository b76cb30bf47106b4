/**
 * An RFC 3161 timestamp authority over HTTP (application/timestamp-query → application/timestamp-reply): Kamu SM's
 * or a commercial TSA (GW_LEDGER_TSA_URL). An outside service like GİB's, so it lives beside their clients and shares
 * their bounded HTTP exchange (soap-call.ts); the request and the answer's checks are src/signing/timestamp.ts's.
 */
import crypto from 'node:crypto';
import { timestampFailed, timestampRequest, tokenOfResponse, type TimestampAuthority } from '../signing/timestamp';
import { httpExchange } from './soap-call';

export function createRfc3161Client(opts: { url: string; timeoutMs: number }): TimestampAuthority {
  const url = new URL(opts.url).toString();
  return {
    async stamp(sha256) {
      const nonce = crypto.randomBytes(8);
      nonce[0]! &= 0x7f; // a positive INTEGER
      let answer;
      try {
        answer = await httpExchange(url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' }, body: timestampRequest(sha256, nonce) }, opts.timeoutMs);
      } catch {
        throw timestampFailed('sunucuya ulaşılamadı');
      }
      if (!answer.ok) throw timestampFailed(`sunucu HTTP ${answer.status} döndü`);
      return tokenOfResponse(answer.body, sha256, nonce);
    },
  };
}


/**
 * The cancellation portal client (src/gib/cancel-portal-client.ts) against a tiny express stub on loopback: what it
 * sends, and how each kind of answer (a refusal, a server error, garbage, silence, no server) becomes an error with
 * the right code and retry flag. The real exchanges are in test/simulator/cancel-portal.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { GibCallError } from '../../src/gib/client-errors';
import { CancelPortalError, createCancelPortalClient, isCancelPortalError, type CancelRequestView } from '../../src/gib/cancel-portal-client';

const VIEW: CancelRequestView = {
  id: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
  senderVknTckn: '1234567801',
  receiverVknTckn: '9876543210',
  ettn: '698D8959-D648-4EA4-B2B7-CF27D7DB8B41',
  invoiceNumber: 'DAS2020000000003',
  invoiceDate: '2020-01-29',
  amount: '7840.80',
  currency: 'TRY',
  requestedAt: '2020-01-29T14:02:48+03:00',
  state: 'Onay Bekliyor',
};

async function failure(p: Promise<unknown>): Promise<CancelPortalError> {
  try {
    await p;
  } catch (err) {
    expect(isCancelPortalError(err)).to.equal(true);
    expect(err).to.be.instanceOf(GibCallError);
    return err as CancelPortalError;
  }
  throw new Error('expected the call to fail');
}

describe('cancellation portal client', function () {
  let server: http.Server;
  let url: string;
  const seen: Array<{ method: string; url: string; type: string | undefined; body: string }> = [];
  /** What the stub answers next: status and raw body (null: never answer). */
  let answer: { status: number; body: string; type?: string } | null = { status: 200, body: '{}' };
  const held = new Set<http.ServerResponse>();

  before(async () => {
    const app = express();
    app.use(express.raw({ type: () => true }));
    app.use((req, res) => {
      seen.push({ method: req.method, url: req.originalUrl, type: req.get('content-type'), body: Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '' });
      if (answer === null) {
        held.add(res);
        return;
      }
      res.status(answer.status).type(answer.type ?? 'application/json').send(answer.body);
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/FaturaIptal/`;
  });
  beforeEach(() => {
    seen.length = 0;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sends the documents as XML and the list query as parameters; reads the views back', async () => {
    const client = createCancelPortalClient({ url, timeoutMs: 2000 });
    answer = { status: 201, body: JSON.stringify({ message: 'oluşturuldu', request: VIEW }) };
    expect(await client.createRequest(Buffer.from('<ci:CancelRequest/>'))).to.deep.equal(VIEW);
    answer = { status: 200, body: JSON.stringify({ message: 'İşlem Başarılı', request: { ...VIEW, state: 'Fatura İptal Edildi', decidedAt: '2020-01-30T09:00:00+03:00' } }) };
    expect((await client.decide(Buffer.from('<ci:CancelDecision/>'))).state).to.equal('Fatura İptal Edildi');
    answer = { status: 200, body: JSON.stringify({ from: '2020-01-20', to: '2020-01-29', requests: [VIEW] }) };
    expect(await client.list({ vknTckn: '1234567801', direction: 'made', from: '2020-01-20', to: '2020-01-29' })).to.deep.equal([VIEW]);
    answer = { status: 200, body: JSON.stringify(VIEW) };
    expect(await client.get(VIEW.id)).to.deep.equal(VIEW);
    expect(seen.map((s) => [s.method, s.url])).to.deep.equal([
      ['POST', '/FaturaIptal/talepler'],
      ['POST', '/FaturaIptal/kararlar'],
      ['GET', '/FaturaIptal/talepler?vknTckn=1234567801&direction=made&from=2020-01-20&to=2020-01-29'],
      ['GET', `/FaturaIptal/talepler/${VIEW.id}`],
    ]);
    expect(seen[0]!.type).to.equal('application/xml');
    expect(seen[0]!.body).to.equal('<ci:CancelRequest/>');
  });

  it('a refusal carries the portal\'s code and Turkish message and is not retryable; 404 TALEP_BULUNAMADI is null', async () => {
    const client = createCancelPortalClient({ url, timeoutMs: 2000 });
    answer = { status: 422, body: JSON.stringify({ code: 'TUTAR_HATALI', message: 'DAS2020000000003 numaralı faturanın ödenecek tutar bilgisi hatalı.' }) };
    const e = await failure(client.createRequest(Buffer.from('<x/>')));
    expect([e.code, e.message, e.httpStatus, e.failure, e.retryable, e.gibCode]).to.deep.equal([
      'TUTAR_HATALI',
      'DAS2020000000003 numaralı faturanın ödenecek tutar bilgisi hatalı.',
      422,
      'http',
      false,
      null,
    ]);
    answer = { status: 404, body: JSON.stringify({ code: 'TALEP_BULUNAMADI', message: 'yok' }) };
    expect(await client.get(VIEW.id)).to.equal(null);
    // A 404 that is not the portal's (a wrong URL) is an error, not "no such request".
    answer = { status: 404, body: '<html>Cannot GET</html>', type: 'text/html' };
    const wrongUrl = await failure(client.get(VIEW.id));
    expect([wrongUrl.code, wrongUrl.httpStatus, wrongUrl.retryable]).to.deep.equal([null, 404, false]);
  });

  it('server errors, unreadable or unexpected answers are retryable', async () => {
    const client = createCancelPortalClient({ url, timeoutMs: 2000 });
    answer = { status: 500, body: JSON.stringify({ code: 'SISTEM_HATASI', message: 'Sistem hatası, daha sonra tekrar deneyiniz.' }) };
    const e500 = await failure(client.decide(Buffer.from('<x/>')));
    expect([e500.code, e500.retryable]).to.deep.equal(['SISTEM_HATASI', true]);
    answer = { status: 200, body: 'not json', type: 'text/plain' };
    const garbage = await failure(client.list({ vknTckn: '1234567801', direction: 'received' }));
    expect([garbage.failure, garbage.retryable]).to.deep.equal(['answer', true]);
    answer = { status: 201, body: JSON.stringify({ request: { ...VIEW, state: 'Reddedildi' } }) };
    const odd = await failure(client.createRequest(Buffer.from('<x/>')));
    expect([odd.failure, odd.retryable, odd.message]).to.deep.equal(['answer', true, 'iptal portalı talep: beklenmeyen yanıt']);
  });

  it('no answer within timeoutMs: aborted, retryable; no server at all: network, retryable', async () => {
    answer = null;
    const slow = createCancelPortalClient({ url, timeoutMs: 100 });
    const started = Date.now();
    const t = await failure(slow.get(VIEW.id));
    expect([t.failure, t.retryable, t.code]).to.deep.equal(['timeout', true, null]);
    expect(Date.now() - started).to.be.below(1500);
    for (const res of held) res.socket?.destroy();
    held.clear();
    answer = { status: 200, body: '{}' };

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const none = createCancelPortalClient({ url: `http://127.0.0.1:${port}/FaturaIptal`, timeoutMs: 2000 });
    const n = await failure(none.list({ vknTckn: '1234567801', direction: 'made' }));
    expect([n.failure, n.retryable]).to.deep.equal(['network', true]);
    expect(n.message).to.include('ECONNREFUSED');
  });

  it('refuses a bad URL or timeout at creation', () => {
    expect(() => createCancelPortalClient({ url: 'not a url', timeoutMs: 1000 })).to.throw();
    expect(() => createCancelPortalClient({ url, timeoutMs: 0 })).to.throw(/timeoutMs/);
  });
});

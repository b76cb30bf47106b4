/**
 * The GİB client over real HTTP on loopback: against the GİB simulator (two registered users, delays of a
 * millisecond) for the real exchanges, and against a tiny express stub that answers with GİB's EFaturaFaults
 * (built by the codec) for the faults the client cannot provoke itself (it computes the hash).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { createGibClient, GibCallError, gibCallKind, type GibClient } from '../../src/gib/client';
import { buildEFaturaFault, buildEnvelope, soapContentType, EFATURA_FAULT_KIND } from '../../src/gib/protocol';
import { createSimulator, type Simulator } from '../../src/simulator';
import { A, B, USERS, closeSeal, signedInvoice } from '../simulator/helpers';

const FAST = { queueMs: 1, processMs: 1, deliverMs: 1, deliveryRetryMs: 10, deliveryRetries: 1, pushRetryMs: 20, pushMaxAttempts: 1, requestTimeoutMs: 500 };

async function envelopeOf(invoices: Buffer[], id = randomUUID()): Promise<{ id: string; xml: Buffer }> {
  const xml = buildEnvelope({ id, type: 'SENDERENVELOPE', createdAt: new Date(), sender: A, receiver: B, elementType: 'INVOICE', elements: invoices });
  return { id, xml };
}

async function rejection(p: Promise<unknown>): Promise<GibCallError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(GibCallError);
    return err as GibCallError;
  }
  throw new Error('expected the call to fail');
}

async function listen(app: express.Express): Promise<{ url: string; server: http.Server }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

describe('GİB client', function () {
  let invoice: Buffer;

  before(async () => {
    invoice = await signedInvoice();
  });
  after(async () => {
    await closeSeal();
  });

  describe('against the simulator', function () {
    let sim: Simulator;
    let client: GibClient;

    before(async () => {
      sim = createSimulator({ timings: FAST, faults: { holdMs: 2000 } });
      await sim.start(0);
      for (const u of USERS) sim.store.upsertUser(u, new Date());
      client = createGibClient({ url: sim.soapUrl, timeoutMs: 2000 });
    });
    after(async () => {
      await sim.stop();
    });

    it('sends an envelope, polls until GİB has processed it, and a resend is a duplicate, not an error', async () => {
      const env = await envelopeOf([invoice]);
      const r = await client.sendDocument(env.xml, env.id);
      expect(r).to.deep.include({ fileName: `${env.id}.zip`, answer: 'ZARF KUYRUGA EKLENDI', duplicate: false });
      expect(r.md5).to.match(/^[0-9a-f]{32}$/);
      expect(sim.store.getEnvelope(env.id)).to.not.equal(undefined);

      let sr = await client.getApplicationResponse(env.id);
      const until = Date.now() + 3000;
      while (sr && sr.code < 1200 && Date.now() < until) {
        await new Promise((res) => setTimeout(res, 10));
        sr = await client.getApplicationResponse(env.id);
      }
      expect(sr).to.not.equal(null);
      expect(sr!.envelopeId).to.equal(env.id);
      expect(sr!.code).to.be.at.least(1200);
      expect(sr!.status.code).to.equal(sr!.code);

      const again = await client.sendDocument(env.xml, env.id);
      expect(again).to.deep.equal({ fileName: r.fileName, md5: r.md5, answer: 'ZARF ID SISTEMDE MEVCUT', duplicate: true });
    });

    it('an unknown envelope ID is null', async () => {
      expect(await client.getApplicationResponse(randomUUID())).to.equal(null);
    });

    it('no answer in time aborts the call (retryable); when GİB did take it, the resend is a duplicate', async () => {
      const quick = createGibClient({ url: sim.soapUrl, timeoutMs: 150 });
      const env = await envelopeOf([invoice]);
      Object.assign(sim.faults, { sendDocumentTimeouts: 1, acceptHeld: true });
      const started = Date.now();
      const err = await rejection(quick.sendDocument(env.xml, env.id));
      expect(Date.now() - started).to.be.below(1000);
      expect(err).to.deep.include({ gibCode: null, kind: 'retryable', failure: 'timeout' });
      expect(err.retryable).to.equal(true);

      const again = await quick.sendDocument(env.xml, env.id);
      expect(again.duplicate).to.equal(true);
    });

    it('no answer and GİB did not take it: timeout, then the retry delivers', async () => {
      const quick = createGibClient({ url: sim.soapUrl, timeoutMs: 150 });
      const env = await envelopeOf([invoice]);
      Object.assign(sim.faults, { sendDocumentTimeouts: 1, acceptHeld: false });
      const err = await rejection(quick.sendDocument(env.xml, env.id));
      expect(err.kind).to.equal('retryable');
      expect(sim.store.getEnvelope(env.id)).to.equal(undefined);
      const again = await quick.sendDocument(env.xml, env.id);
      expect(again.duplicate).to.equal(false);
    });

    it('an envelope whose header names another ID is our bug, refused before any call', async () => {
      const env = await envelopeOf([invoice]);
      let thrown: unknown;
      try {
        await client.sendDocument(env.xml, randomUUID());
      } catch (e) {
        thrown = e;
      }
      expect(thrown).to.be.instanceOf(Error);
      expect(thrown).to.not.be.instanceOf(GibCallError);
    });
  });

  describe('against a stub answering with GİB faults', function () {
    let stub: { url: string; server: http.Server };
    const fault = { code: 2000, status: 400 };

    before(async () => {
      const app = express();
      app.post('/fault', express.raw({ type: () => true }), (_req, res) => {
        res.status(fault.status).type(soapContentType()).send(buildEFaturaFault(fault.code));
      });
      app.post('/plain503', (_req, res) => {
        res.status(503).type('text/html').send('<html><body>Service Unavailable</body></html>');
      });
      app.post('/plain404', (_req, res) => {
        res.status(404).type('text/plain').send('not here');
      });
      app.post('/silent', () => {
        /* never answers; closeAllConnections ends it */
      });
      stub = await listen(app);
    });
    after(async () => {
      await close(stub.server);
    });

    const cases: Array<[number, number, 'rejected' | 'retryable']> = [
      [2000, 400, 'rejected'],
      [2006, 400, 'rejected'],
      [2005, 500, 'retryable'],
      [2003, 500, 'retryable'],
    ];
    for (const [code, status, kind] of cases) {
      it(`sendDocument fault ${code} → GibCallError gibCode ${code}, ${kind}`, async () => {
        Object.assign(fault, { code, status });
        const client = createGibClient({ url: `${stub.url}/fault`, timeoutMs: 1000 });
        const env = await envelopeOf([invoice]);
        const err = await rejection(client.sendDocument(env.xml, env.id));
        expect(err).to.deep.include({ gibCode: code, kind, failure: 'fault', httpStatus: status });
        expect(err.message).to.contain(String(code));
      });
    }

    it('getApplicationResponse: 2004 is null, 2005 is a retryable error', async () => {
      const client = createGibClient({ url: `${stub.url}/fault`, timeoutMs: 1000 });
      Object.assign(fault, { code: 2004, status: 400 });
      expect(await client.getApplicationResponse(randomUUID())).to.equal(null);
      Object.assign(fault, { code: 2005, status: 500 });
      const err = await rejection(client.getApplicationResponse(randomUUID()));
      expect(err).to.deep.include({ gibCode: 2005, kind: 'retryable' });
    });

    it('HTTP 503 without a GİB code is retryable; 404 is not', async () => {
      const env = await envelopeOf([invoice]);
      const e503 = await rejection(createGibClient({ url: `${stub.url}/plain503`, timeoutMs: 1000 }).sendDocument(env.xml, env.id));
      expect(e503).to.deep.include({ gibCode: null, kind: 'retryable', httpStatus: 503 });
      const e404 = await rejection(createGibClient({ url: `${stub.url}/plain404`, timeoutMs: 1000 }).sendDocument(env.xml, env.id));
      expect(e404).to.deep.include({ gibCode: null, kind: 'rejected', httpStatus: 404 });
    });

    it('a server that never answers: timeout, retryable', async () => {
      const client = createGibClient({ url: `${stub.url}/silent`, timeoutMs: 100 });
      const err = await rejection(client.getApplicationResponse(randomUUID()));
      expect(err).to.deep.include({ gibCode: null, kind: 'retryable', failure: 'timeout' });
    });
  });

  it('connection refused (a closed port) is retryable', async () => {
    const { url, server } = await listen(express());
    await close(server);
    const client = createGibClient({ url: `${url}/EFatura`, timeoutMs: 1000 });
    const env = await envelopeOf([invoice]);
    const err = await rejection(client.sendDocument(env.xml, env.id));
    expect(err).to.deep.include({ gibCode: null, kind: 'retryable', failure: 'network' });
    expect(err.message).to.contain('ECONNREFUSED');
  });

  it('one retry table: GİB codes follow the codec table, transport failures without a code by kind', () => {
    for (const [code, k] of Object.entries(EFATURA_FAULT_KIND)) {
      expect(gibCallKind(Number(code), 'fault', 500), code).to.equal(k.retryable ? 'retryable' : 'rejected');
    }
    expect(gibCallKind(2005, 'fault', 500)).to.equal('retryable');
    expect(gibCallKind(2000, 'fault', 400)).to.equal('rejected');
    expect(gibCallKind(2999, 'fault', 500)).to.equal('rejected');
    expect(gibCallKind(null, 'network', null)).to.equal('retryable');
    expect(gibCallKind(null, 'timeout', null)).to.equal('retryable');
    expect(gibCallKind(null, 'http', 502)).to.equal('retryable');
    expect(gibCallKind(null, 'http', 429)).to.equal('retryable');
    expect(gibCallKind(null, 'http', 403)).to.equal('rejected');
  });

  it('refuses a bad configuration at creation', () => {
    expect(() => createGibClient({ url: 'not a url', timeoutMs: 1000 })).to.throw();
    expect(() => createGibClient({ url: 'http://127.0.0.1:1/', timeoutMs: 0 })).to.throw(/timeoutMs/);
  });
});

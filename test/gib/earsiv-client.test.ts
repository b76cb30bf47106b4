/**
 * The e-Arşiv client against a tiny express stub answering with what the simulator never sends (GİB's transient
 * faults, InterruptedException, HTTP errors without SOAP, silence, broken answers). The exchanges with a real
 * service are in test/simulator/earsiv.test.ts.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { GibCallError, gibCallKind } from '../../src/gib/client-errors';
import { createEarsivClient, packReport } from '../../src/gib/earsiv-client';
import {
  EARSIV_FAULT_KIND,
  buildEArsivFault,
  buildGetBatchStatusResponse,
  buildGetUserListResponse,
  buildInterruptedException,
  buildSendDocumentFileResponse,
  buildUserList,
  earsivContentType,
  parseEarsivSoapMessage,
} from '../../src/gib/protocol';

const REPORT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const REPORT = Buffer.from(`<?xml version="1.0"?><earsiv:eArsivRaporu xmlns:earsiv="http://earsiv.efatura.gov.tr"><earsiv:baslik><earsiv:raporNo>${REPORT_ID}</earsiv:raporNo></earsiv:baslik></earsiv:eArsivRaporu>`);

async function rejection(p: Promise<unknown>): Promise<GibCallError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(GibCallError);
    return err as GibCallError;
  }
  throw new Error('expected the call to fail');
}

describe('GİB e-Arşiv client', function () {
  let server: http.Server;
  let url: string;
  /** What the stub answers next: status and body. */
  let answer: { status: number; body: Buffer; type?: string } = { status: 200, body: Buffer.alloc(0) };
  const seen: Array<{ action: string; body: Buffer }> = [];

  before(async () => {
    const app = express();
    app.post('/EArsiv', express.raw({ type: () => true }), (req, res) => {
      seen.push({ action: String(req.headers['content-type']), body: req.body as Buffer });
      res.status(answer.status).type(answer.type ?? earsivContentType()).send(answer.body);
    });
    app.post('/silent', () => {
      /* never answers; closeAllConnections ends it */
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sendReport zips the report as <raporNo>.zip with the binding’s action, and returns GİB’s return string', async () => {
    answer = { status: 200, body: buildSendDocumentFileResponse('PAKET-42') };
    seen.length = 0;
    const c = createEarsivClient({ url: `${url}/EArsiv`, timeoutMs: 1000 });
    expect(await c.sendReport(REPORT, REPORT_ID)).to.deep.equal({ paketId: 'PAKET-42', duplicate: false });
    expect(seen[0]!.action).to.contain('action="urn:SendDocumentFile"');
    const msg = parseEarsivSoapMessage(seen[0]!.body);
    expect(msg.kind).to.equal('sendDocumentFile');
    const packed = await packReport(REPORT, REPORT_ID);
    expect(msg).to.deep.equal({ kind: 'sendDocumentFile', attachment: { fileName: `${REPORT_ID}.zip`, binaryData: packed.zip } });
    // the packing is a pure function: a resend is the same bytes
    expect((await packReport(REPORT, REPORT_ID)).zip.equals(packed.zip)).to.equal(true);

    answer = { status: 200, body: buildSendDocumentFileResponse('') };
    expect(await rejection(c.sendReport(REPORT, REPORT_ID))).to.deep.include({ failure: 'answer', kind: 'retryable' });
  });

  const faults: Array<[number, number, 'rejected' | 'retryable']> = [
    [108, 400, 'rejected'],
    [1131, 400, 'rejected'],
    [110, 500, 'retryable'],
    [113, 500, 'retryable'],
    [1195, 500, 'retryable'],
  ];
  for (const [code, status, kind] of faults) {
    it(`sendDocumentFile fault ${code} → GibCallError gibCode ${code}, ${kind}`, async () => {
      answer = { status, body: buildEArsivFault(code) };
      const err = await rejection(createEarsivClient({ url: `${url}/EArsiv`, timeoutMs: 1000 }).sendReport(REPORT, REPORT_ID));
      expect(err).to.deep.include({ gibCode: code, kind, failure: 'fault', httpStatus: status, service: 'earsiv' });
      expect(err.message).to.contain(String(code));
    });
  }

  it('getBatchStatus: outcome from durumKodu, GİB’s text when durumAciklama is missing; InterruptedException is retryable', async () => {
    const c = createEarsivClient({ url: `${url}/EArsiv`, timeoutMs: 1000 });
    answer = { status: 200, body: buildGetBatchStatusResponse({ durumKodu: 1160, durumAciklama: 'XML SEMA KONTROLUNDEN GECEMEDI: x', paketId: 'p' }) };
    expect(await c.getReportStatus('p')).to.deep.equal({ outcome: 'rejected', code: 1160, description: 'XML SEMA KONTROLUNDEN GECEMEDI: x' });
    answer = { status: 200, body: buildGetBatchStatusResponse({ durumKodu: 1300 }) };
    expect(await c.getReportStatus('p')).to.deep.equal({ outcome: 'accepted', code: 1300, description: 'BASARIYLA TAMAMLANDI' });
    answer = { status: 200, body: buildGetBatchStatusResponse({ durumKodu: 1100 }) };
    expect((await c.getReportStatus('p')).outcome).to.equal('pending');
    answer = { status: 400, body: buildInterruptedException() };
    expect(await rejection(c.getReportStatus('p'))).to.deep.include({ gibCode: null, kind: 'retryable', httpStatus: 400 });
    answer = { status: 200, body: buildSendDocumentFileResponse('x') };
    expect(await rejection(c.getReportStatus('p'))).to.deep.include({ failure: 'answer', kind: 'retryable' });
    let thrown: unknown;
    await c.getReportStatus(' ').catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(Error).and.not.be.instanceOf(GibCallError);
  });

  it('getUserList asks for GB and PK and merges them; an unreadable list is an answer failure', async () => {
    const c = createEarsivClient({ url: `${url}/EArsiv`, timeoutMs: 1000 });
    const app = express();
    app.post('/EArsiv', express.raw({ type: () => true }), (req, res) => {
      const m = parseEarsivSoapMessage(req.body as Buffer);
      const role = m.kind === 'getUserList' && m.type === 'GB' ? 'GB' : 'PK';
      const list = buildUserList([{ vknTckn: '1234567801', title: 'A', aliases: [{ alias: `urn:mail:default${role.toLowerCase()}@a.com.tr`, role, documentType: 'Invoice', creationTime: '2024-01-01T00:00:00' }] }]);
      // the bare XML is taken as well as a ZIP
      res.type(earsivContentType()).send(buildGetUserListResponse({ fileName: `${role}.xml`, binaryData: list }));
    });
    const s = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => s.once('listening', () => r()));
    try {
      const users = await createEarsivClient({ url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/EArsiv`, timeoutMs: 1000 }).getUserList();
      expect(users).to.have.length(1);
      expect(users[0]!.aliases.map((a) => `${a.role} ${a.alias}`)).to.deep.equal(['GB urn:mail:defaultgb@a.com.tr', 'PK urn:mail:defaultpk@a.com.tr']);
    } finally {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    answer = { status: 200, body: buildGetUserListResponse({ fileName: 'x.zip', binaryData: Buffer.from('PK\x03\x04 broken', 'latin1') }) };
    expect(await rejection(c.getUserList())).to.deep.include({ failure: 'answer', kind: 'retryable' });
    answer = { status: 400, body: buildEArsivFault(400) };
    expect(await rejection(c.getUserList())).to.deep.include({ gibCode: 400, kind: 'rejected' });
  });

  it('HTTP 503 without a SOAP fault is retryable; 404 is not; silence is a timeout, retryable; a closed port too', async () => {
    const c = createEarsivClient({ url: `${url}/EArsiv`, timeoutMs: 1000 });
    answer = { status: 503, body: Buffer.from('<html>Service Unavailable</html>'), type: 'text/html' };
    expect(await rejection(c.getReportStatus('p'))).to.deep.include({ gibCode: null, kind: 'retryable', httpStatus: 503 });
    answer = { status: 404, body: Buffer.from('not here'), type: 'text/plain' };
    expect(await rejection(c.getReportStatus('p'))).to.deep.include({ gibCode: null, kind: 'rejected', httpStatus: 404 });

    const started = Date.now();
    const silent = await rejection(createEarsivClient({ url: `${url}/silent`, timeoutMs: 100 }).sendReport(REPORT, REPORT_ID));
    expect(Date.now() - started).to.be.below(1000);
    expect(silent).to.deep.include({ gibCode: null, kind: 'retryable', failure: 'timeout', service: 'earsiv' });

    const closed = express().listen(0, '127.0.0.1');
    await new Promise<void>((r) => closed.once('listening', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await rejection(createEarsivClient({ url: `http://127.0.0.1:${port}/EArsiv`, timeoutMs: 1000 }).getReportStatus('p'));
    expect(refused).to.deep.include({ kind: 'retryable', failure: 'network' });
  });

  it('one retry table: e-Arşiv codes are read in e-Arşiv’s table, EFatura’s stay as they were', () => {
    for (const [code, k] of Object.entries(EARSIV_FAULT_KIND)) {
      expect(gibCallKind(Number(code), 'fault', 500, 'earsiv'), code).to.equal(k.retryable ? 'retryable' : 'rejected');
    }
    expect(gibCallKind(110, 'fault', 500, 'earsiv')).to.equal('retryable');
    expect(gibCallKind(110, 'fault', 500)).to.equal('rejected'); // not an EFatura code
    expect(gibCallKind(2005, 'fault', 500, 'earsiv')).to.equal('rejected'); // not an e-Arşiv code
    expect(gibCallKind(2005, 'fault', 500)).to.equal('retryable');
  });

  it('refuses a bad configuration at creation, and a report whose raporNo is not the ID before any call', async () => {
    expect(() => createEarsivClient({ url: 'not a url', timeoutMs: 1000 })).to.throw();
    expect(() => createEarsivClient({ url: 'http://127.0.0.1:1/', timeoutMs: -1 })).to.throw(/timeoutMs/);
    seen.length = 0;
    let thrown: unknown;
    await createEarsivClient({ url: `${url}/EArsiv`, timeoutMs: 1000 })
      .sendReport(REPORT, randomUUID())
      .catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(Error).and.not.be.instanceOf(GibCallError);
    expect(seen).to.have.length(0);
  });
});

/**
 * The cancellation portal's documents (src/gib/protocol/cancel-request.ts): build, sign with the placement
 * constants, verify, parse back; the builders' and the parsers' refusals.
 */
import { expect } from 'chai';
import {
  CANCEL_DECISION_SIGNATURE_PLACEMENT,
  CANCEL_PORTAL_NS,
  CANCEL_PORTAL_REFUSALS,
  CANCEL_REQUEST_SIGNATURE_PLACEMENT,
  buildCancelDecision,
  buildCancelRequest,
  cancelPortalMessage,
  isGibProtocolError,
  parseCancelDecision,
  parseCancelRequest,
  sameAmount,
  type CancelRequestSpec,
} from '../../src/gib/protocol';
import { parseXml } from '../../src/xml/parse';
import { signXml } from '../../src/signing/xades';
import { verifyXml } from '../../src/signing/verify';
import { fieldError, testSeal, type TestSeal } from './helpers';

const SPEC: CancelRequestSpec = {
  id: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
  senderVknTckn: '1234567801',
  receiverVknTckn: '9876543210',
  ettn: '698D8959-D648-4EA4-B2B7-CF27D7DB8B41',
  invoiceNumber: 'DAS2020000000003',
  invoiceDate: '2020-01-29',
  amount: '7840.80',
  currency: 'TRY',
  requestedAt: new Date('2020-01-29T11:02:48Z'),
};

function gibCode(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (isGibProtocolError(err)) return { code: err.gibCode, message: err.message };
    throw err;
  }
  throw new Error('expected a GibProtocolError');
}

describe('GİB codec: e-Fatura cancellation portal documents', function () {
  let seal: TestSeal;

  before(async () => {
    seal = await testSeal('1234567801', 'A ANONİM ŞİRKETİ');
  });
  after(async () => {
    await seal.signer.close();
  });

  it('a request: built, signed last in the root, verified, parsed back', async () => {
    const unsigned = buildCancelRequest(SPEC);
    const text = unsigned.toString('utf8');
    expect(text).to.match(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<ci:CancelRequest /);
    expect(text).to.include(`xmlns:ci="${CANCEL_PORTAL_NS}"`);
    expect(text).to.include('<ci:PayableAmount currencyID="TRY">7840.80</ci:PayableAmount>');
    // A Date is written in Turkish time without offset, as GİB writes times.
    expect(text).to.include('<ci:RequestTime>2020-01-29T14:02:48</ci:RequestTime>');
    expect(parseCancelRequest(unsigned).signed).to.equal(false);

    const signed = await signXml(unsigned, seal.signer, { placement: CANCEL_REQUEST_SIGNATURE_PLACEMENT });
    const root = parseXml(signed).root;
    const last = root.children[root.children.length - 1]!;
    expect([last.ns, last.local]).to.deep.equal(['http://www.w3.org/2000/09/xmldsig#', 'Signature']);
    const v = await verifyXml(signed, { trustedRoots: [seal.ca.certPem], expectedSignerId: '1234567801' });
    expect(v.signerId).to.equal('1234567801');

    expect(parseCancelRequest(signed)).to.deep.equal({
      id: SPEC.id,
      senderVknTckn: '1234567801',
      receiverVknTckn: '9876543210',
      ettn: SPEC.ettn,
      invoiceNumber: 'DAS2020000000003',
      invoiceDate: '2020-01-29',
      amount: '7840.80',
      currency: 'TRY',
      requestedAt: '2020-01-29T14:02:48',
      signed: true,
    });
  });

  it('a decision: each kind built, signed, parsed back', async () => {
    for (const decision of ['APPROVE', 'REJECT', 'DELETE'] as const) {
      const xml = buildCancelDecision({ requestId: SPEC.id, decision, deciderVknTckn: '9876543210', decidedAt: '2020-01-30T09:00:00+03:00' });
      const signed = await signXml(xml, seal.signer, { placement: CANCEL_DECISION_SIGNATURE_PLACEMENT });
      expect(parseCancelDecision(signed)).to.deep.equal({ requestId: SPEC.id, decision, deciderVknTckn: '9876543210', decidedAt: '2020-01-30T09:00:00+03:00', signed: true });
    }
  });

  it('builders refuse what the portal would not take (REQUEST_FIELD)', () => {
    expect(fieldError(() => buildCancelRequest({ ...SPEC, invoiceNumber: 'DAS20200000003' }))).to.include('cancelRequest.invoiceNumber');
    expect(fieldError(() => buildCancelRequest({ ...SPEC, invoiceNumber: 'das2020000000003' }))).to.include('invoiceNumber');
    expect(fieldError(() => buildCancelRequest({ ...SPEC, senderVknTckn: '123' }))).to.include('senderVknTckn');
    expect(fieldError(() => buildCancelRequest({ ...SPEC, ettn: 'not-a-uuid' }))).to.include('ettn');
    expect(fieldError(() => buildCancelRequest({ ...SPEC, invoiceDate: '2020-02-30' }))).to.include('invoiceDate');
    expect(fieldError(() => buildCancelRequest({ ...SPEC, amount: '7.840,80' }))).to.include('amount');
    expect(fieldError(() => buildCancelRequest({ ...SPEC, amount: '-1.00' }))).to.include('amount');
    expect(fieldError(() => buildCancelRequest({ ...SPEC, currency: 'TL' }))).to.include('currency');
    expect(fieldError(() => buildCancelDecision({ requestId: SPEC.id, decision: 'CANCEL' as never, deciderVknTckn: '9876543210' }))).to.include('decision');
    expect(fieldError(() => buildCancelDecision({ requestId: 'x', decision: 'APPROVE', deciderVknTckn: '9876543210' }))).to.include('requestId');
  });

  it('parsers: not XML is 1132/1140, anything off our shape 1160 naming it', () => {
    expect(gibCode(() => parseCancelRequest(Buffer.from('\x00\x01 not xml'))).code).to.equal(1132);
    expect(gibCode(() => parseCancelRequest(Buffer.from('<a><b></a>'))).code).to.equal(1140);
    const good = buildCancelRequest(SPEC).toString('utf8');
    const bad = (from: string | RegExp, to: string) => gibCode(() => parseCancelRequest(Buffer.from(good.replace(from, to))));
    expect(bad('<ci:ETTN>', '<ci:ETTN>x')).to.deep.include({ code: 1160 });
    expect(bad(/<ci:InvoiceDate>[^<]*<\/ci:InvoiceDate>/, '').message).to.include('CancelRequest/InvoiceDate bulunamadı');
    expect(bad('<ci:RequestTime>', '<ci:Extra>1</ci:Extra><ci:RequestTime>').message).to.include('beklenmeyen öğe');
    expect(bad('<ci:RequestTime>', '<ci:ETTN>698D8959-D648-4EA4-B2B7-CF27D7DB8B41</ci:ETTN><ci:RequestTime>').message).to.include('birden fazla');
    expect(bad(' currencyID="TRY"', '').message).to.include('currencyID');
    expect(bad('>7840.80<', '>7.840,80<').message).to.include('PayableAmount');
    expect(bad('DAS2020000000003', 'DAS2020').message).to.include('InvoiceNumber');
    // A decision is not a request, and the other way round.
    const decision = buildCancelDecision({ requestId: SPEC.id, decision: 'APPROVE', deciderVknTckn: '9876543210' });
    expect(gibCode(() => parseCancelRequest(decision)).message).to.include('CancelRequest bekleniyordu');
    expect(gibCode(() => parseCancelDecision(Buffer.from(good))).message).to.include('CancelDecision bekleniyordu');
    const d = decision.toString('utf8');
    expect(gibCode(() => parseCancelDecision(Buffer.from(d.replace('>APPROVE<', '>ONAY<')))).message).to.include('Decision');
    const twoSignatures = d.replace('</ci:CancelDecision>', '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></ci:CancelDecision>');
    expect(gibCode(() => parseCancelDecision(Buffer.from(twoSignatures))).message).to.include('birden fazla ds:Signature');
  });

  it('amounts compare as decimals; refusal messages are filled in', () => {
    expect(sameAmount('7840.80', '7840.8')).to.equal(true);
    expect(sameAmount('07840.800', '7840.80')).to.equal(true);
    expect(sameAmount('0.00', '0')).to.equal(true);
    expect(sameAmount('7840.80', '7840.81')).to.equal(false);
    expect(sameAmount('7840.80', '784.08')).to.equal(false);
    expect(sameAmount('', '')).to.equal(false);
    expect(sameAmount('1e3', '1000')).to.equal(false);
    expect(cancelPortalMessage('TUTAR_HATALI', { invoiceNumber: 'DAS2020000000003' })).to.equal('DAS2020000000003 numaralı faturanın ödenecek tutar bilgisi hatalı.');
    for (const [code, r] of Object.entries(CANCEL_PORTAL_REFUSALS)) {
      expect(code, code).to.match(/^[A-Z_]+$/);
      expect(r.http, code).to.be.within(400, 599);
    }
  });
});

import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import * as soap from 'soap';
import { makeInvoice } from '../helpers/invoices';
import { faultOf, OTHER_VKN, soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { TEST_DB_KIND } from '../helpers/db';
import { envelope, post, securityHeader } from '../helpers/raw-soap';

const statusBody = (ettn = randomUUID()) => `<gw:GetStatusRequest><gw:ettn>${ettn}</gw:ettn></gw:GetStatusRequest>`;

describe(`authentication and tenants (${TEST_DB_KIND})`, function () {
  this.timeout(30_000);
  let gw: TestGateway;
  let offsetMs = 0;

  before(async () => {
    gw = await startTestGateway({ clock: () => new Date(Date.now() + offsetMs), env: { GW_AUTH_LOCK_MINUTES: '15' } });
  });
  after(async () => gw.close());
  afterEach(() => {
    offsetMs = 0;
  });

  it('no UsernameToken → 4105', async () => {
    expect((await post(gw.url, envelope(statusBody(), null))).code).to.equal(4105);
  });

  it('a wrong password and an unknown user get the same fault, 4101', async () => {
    const wrong = await post(gw.url, envelope(statusBody(), securityHeader(gw.username, 'wrong-password')));
    const unknown = await post(gw.url, envelope(statusBody(), securityHeader('nobody', 'wrong-password')));
    expect(wrong.code).to.equal(4101);
    expect(unknown.code).to.equal(4101);
    expect(wrong.text.replace(/<gw:message>.*/, '')).to.contain('KULLANICI ADI VEYA SIFRE HATALI');
    await gw.gateway.services.tenants.unlockUser(gw.username);
  });

  it('a replayed UsernameToken (same nonce) → 4103', async () => {
    const header = securityHeader(gw.username, gw.password);
    expect((await post(gw.url, envelope(statusBody(), header))).code).to.equal(4301); // authenticated, document unknown
    expect((await post(gw.url, envelope(statusBody(), header))).code).to.equal(4103);
  });

  it('a token created outside the window → 4104', async () => {
    const old = securityHeader(gw.username, gw.password, { created: new Date(Date.now() - 10 * 60 * 1000) });
    expect((await post(gw.url, envelope(statusBody(), old))).code).to.equal(4104);
  });

  it('PasswordText is refused unless configured → 4106', async () => {
    const text =
      '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken>' +
      `<wsse:Username>${gw.username}</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">${gw.password}</wsse:Password>` +
      '</wsse:UsernameToken></wsse:Security>';
    expect((await post(gw.url, envelope(statusBody(), text))).code).to.equal(4106);
  });

  it('10 failed attempts lock the user for the configured time, even with the right password', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await post(gw.url, envelope(statusBody(), securityHeader(gw.username, `wrong-${i}`)))).code).to.equal(4101);
    }
    const locked = await post(gw.url, envelope(statusBody(), securityHeader(gw.username, gw.password)));
    expect(locked.code).to.equal(4102);
    offsetMs = 16 * 60 * 1000; // the lock (15 min) has passed
    const created = new Date(Date.now() + offsetMs);
    const after = await post(gw.url, envelope(statusBody(), securityHeader(gw.username, gw.password, { created })));
    expect(after.code).to.equal(4301);
  });

  it('passwords are stored hashed (scrypt) and sealed, never in plain text', async () => {
    const row = await gw.testDb.db('users').where({ username: gw.username }).first();
    expect(row.password_hash).to.match(/^scrypt\$/);
    expect(JSON.stringify(row)).not.to.contain(gw.password);
  });

  it('zeep-style and node-soap clients both authenticate with PasswordDigest', async () => {
    const client = await soapClient(gw);
    const fault = await client.GetStatusAsync({ ettn: randomUUID() }).catch(faultOf);
    expect(fault.code).to.equal(4301);
  });

  describe('tenant isolation', () => {
    let ettn: string;
    const number = 'ISO2026000000001';
    let other: soap.Client;

    before(async () => {
      ettn = randomUUID();
      const mine = await soapClient(gw);
      await mine.SendInvoiceAsync({ document: Buffer.from(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, ettn, number })).toString('base64') });
      await gw.createTenantUser(OTHER_VKN, 'other-user');
      other = await soapClient(gw, 'other-user', gw.password);
    });

    it('another tenant’s user gets DOCUMENT_NOT_FOUND for my invoice, by ETTN and by number — as for one that does not exist', async () => {
      const byEttn = await other.GetStatusAsync({ ettn }).catch(faultOf);
      const byNumber = await other.GetStatusAsync({ invoiceNumber: number }).catch(faultOf);
      const missing = await other.GetStatusAsync({ ettn: randomUUID() }).catch(faultOf);
      expect(byEttn).to.deep.equal(missing);
      expect(byNumber).to.deep.equal(missing);
      expect(byEttn.code).to.equal(4301);
    });

    it('another tenant cannot send an invoice in my name (4107)', async () => {
      const doc = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: 'ISO2026000000002' });
      const fault = await other.SendInvoiceAsync({ document: Buffer.from(doc).toString('base64') }).catch(faultOf);
      expect(fault.code).to.equal(4107);
    });

    it('the same ETTN sent by another tenant for its own invoice does not reveal or touch mine', async () => {
      const doc = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: OTHER_VKN, ettn, number });
      const [res] = await other.SendInvoiceAsync({ document: Buffer.from(doc).toString('base64') });
      expect(res.invoice.ettn).to.equal(ettn);
      const rows = await gw.testDb.db('invoices').where({ ettn }).select('tenant_id');
      expect(rows).to.have.length(2);
    });
  });
});


/**
 * Kontör (issue 14, item 2): orders paid by card at once or by wire transfer once the operator confirms with the real
 * CLI; every billable document takes its credit atomically with its acceptance (SendInvoice's e-Fatura and e-Arşiv,
 * an e-Defter month once); a retried ETTN is never charged twice; past the limit SendInvoice is refused with 4720 and
 * nothing is stored; concurrent sends that together cross the limit let exactly the affordable number pass; a refused
 * invoice gets its credit back once; the movements always sum to the balance; an unmetered tenant is unaffected.
 * The same spec runs on SQLite and (GW_TEST_DB=postgres) on PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { Knex } from 'knex';
import type * as soap from 'soap';
import { createCreditService } from '../../src/activation/credits';
import { DEFAULT_PRICES, formatKurus, formatLimit, parsePriceList } from '../../src/activation/prices';
import { ConfigError, loadConfig } from '../../src/config';
import { creditAccount, movementSum } from '../../src/db/credits';
import { entities } from '../../src/db/machine-store';
import { GatewayError } from '../../src/faults';
import { earsivInvoiceMachine, efaturaInvoiceMachine, transition } from '../../src/machines';
import { zipOne } from '../../src/zip/write';
import { TEST_DB_KIND, tempDir } from '../helpers/db';
import { LEDGER_SETTINGS } from '../helpers/edefter';
import { expectFault, send, soapClient, startTestGateway, TEST_PASSWORD, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { makeInvoice } from '../helpers/invoices';
import { REPO_DIR } from '../helpers/paths';

const run = promisify(execFile);
const SAMPLE = fs.readFileSync(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv'));
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : ([v].flat() as T[]));

/** The test price list (GW_PRICE_LIST_FILE): an e-Fatura 0,40, an e-Arşiv 0,25, an e-Defter month 20,00. */
const PRICES = { services: { EIRSALIYE: 12_345 }, documents: { EFATURA: 40, EARSIV: 25, LEDGER_MONTH: 2_000 } };

describe('kontör: prices, amounts and configuration', () => {
  it('writes kuruş the Turkish way, the limit as the seed shows it', () => {
    expect(formatKurus(2_195_781)).to.equal('21.957,81');
    expect(formatKurus(-5)).to.equal('-0,05');
    expect(formatKurus(100_000_000)).to.equal('1.000.000,00');
    expect(formatLimit(220_000)).to.equal('-2.200,00');
    expect(formatLimit(0)).to.equal('0,00');
  });

  it('a price list file overrides the defaults; anything else in it is refused', () => {
    const p = parsePriceList(PRICES);
    expect(p.services.EIRSALIYE).to.equal(12_345);
    expect(p.services.EFATURA).to.equal(DEFAULT_PRICES.services.EFATURA);
    expect(p.documents).to.deep.equal({ EFATURA: 40, EARSIV: 25, LEDGER_MONTH: 2_000 });
    expect(() => parsePriceList({ services: { EFATRUA: 1 } })).to.throw(/services\.EFATRUA/);
    expect(() => parsePriceList({ documents: { EFATURA: 0.5 } })).to.throw(/whole number of kuruş/);
    expect(() => parsePriceList({ documents: { EARSIV: -1 } })).to.throw(/whole number/);
    expect(() => parsePriceList({ prices: {} })).to.throw(/"prices"/);
    expect(() => parsePriceList([])).to.throw(/JSON object/);
  });

  it('GW_PRICE_LIST_FILE and GW_CREDIT_LIMIT_KURUS are checked at start (ConfigError)', () => {
    const dir = tempDir('gw-prices-');
    const good = path.join(dir, 'prices.json');
    fs.writeFileSync(good, JSON.stringify(PRICES));
    const config = loadConfig({ GW_DATA_DIR: dir, GW_PRICE_LIST_FILE: good, GW_CREDIT_LIMIT_KURUS: '220000' });
    expect(config.credits.prices.documents.EFATURA).to.equal(40);
    expect(config.credits.defaultLimitKurus).to.equal(220_000);
    expect(loadConfig({ GW_DATA_DIR: dir }).credits).to.deep.equal({ prices: DEFAULT_PRICES, priceListFile: null, defaultLimitKurus: 0 });
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"documents": {"EFATURA": "50"}}');
    expect(() => loadConfig({ GW_DATA_DIR: dir, GW_PRICE_LIST_FILE: bad })).to.throw(ConfigError, /GW_PRICE_LIST_FILE .*documents\.EFATURA/);
    fs.writeFileSync(bad, '{not json');
    expect(() => loadConfig({ GW_DATA_DIR: dir, GW_PRICE_LIST_FILE: bad })).to.throw(ConfigError, /GW_PRICE_LIST_FILE/);
    expect(() => loadConfig({ GW_DATA_DIR: dir, GW_PRICE_LIST_FILE: path.join(dir, 'none.json') })).to.throw(ConfigError, /not a readable file/);
    expect(() => loadConfig({ GW_DATA_DIR: dir, GW_CREDIT_LIMIT_KURUS: '-1' })).to.throw(ConfigError, /GW_CREDIT_LIMIT_KURUS/);
  });

  it('the invoices\' refused final states give the credit back (credits.refund); delivery and RED do not', () => {
    const PASS = { context: {}, now: new Date() };
    for (const [state, event] of [['RECEIVED', 'FAIL'], ['ENVELOPED', 'FAIL'], ['SENT', 'GIB_REJECTED'], ['GIB_ACCEPTED', 'GIB_REJECTED']] as const) {
      expect(transition(efaturaInvoiceMachine, state, event, PASS).effects, `${state} × ${event}`).to.deep.equal(['credits.refund']);
    }
    for (const [state, event] of [['SENT', 'DELIVERY_FAILED'], ['SENT', 'RECEIVER_FAILED'], ['SENT', 'DELIVERED']] as const) {
      expect(transition(efaturaInvoiceMachine, state, event, PASS).effects, `${state} × ${event}`).to.deep.equal([]);
    }
    for (const [state, event] of [['RECEIVED', 'FAIL'], ['SIGNED', 'FAIL'], ['IN_REPORT', 'REPORT_REJECTED'], ['REPORTED', 'REPORT_REJECTED']] as const) {
      expect(transition(earsivInvoiceMachine, state, event, PASS).effects, `${state} × ${event}`).to.deep.equal(['credits.refund']);
    }
    expect(transition(earsivInvoiceMachine, 'REPORTED', 'REPORT_ACCEPTED', PASS).effects).not.to.include('credits.refund');
  });
});

describe(`kontör: orders, charges, the limit and refunds (${TEST_DB_KIND})`, function () {
  this.timeout(120_000);
  let gw: TestGateway;
  let db: Knex;
  let vknSeq = 0;
  const dir = tempDir('gw-credits-');

  /** A new company with its own user and SOAP client. */
  async function company() {
    const vkn = `30000000${String(++vknSeq).padStart(2, '0')}`;
    const username = `erp-${vkn}`;
    const tenant = await gw.createTenantUser(vkn, username);
    return { vkn, tenant, client: await soapClient(gw, username, TEST_PASSWORD) };
  }
  const movements = (tenantId: number) => db('credit_movements').where({ tenant_id: tenantId }).orderBy('id');
  const invoiceCount = async (tenantId: number) => Number((await db('invoices').where({ tenant_id: tenantId }).count({ n: '*' }))[0]!.n);
  const balanceOf = async (tenantId: number) => (await creditAccount(db, tenantId))?.balanceKurus ?? null;
  /** sum(movements) == balance, and the balance within its limit. */
  async function ledgerHolds(tenantId: number) {
    const account = (await creditAccount(db, tenantId))!;
    expect(await movementSum(db, tenantId)).to.equal(account.balanceKurus);
    expect(account.balanceKurus).to.be.at.least(-account.limitKurus);
    return account;
  }
  const order = async (client: soap.Client, args: Record<string, unknown>) => (await client.OrderServicesAsync(args))[0].order;
  const serviceState = async (tenantId: number, service: string) => (await db('tenant_services').where({ tenant_id: tenantId, service }).first())?.state;
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'src', 'cli.ts'), ...args], {
      env: { ...process.env, GW_DATA_DIR: gw.config.dataDir, GW_DATABASE_URL: gw.testDb.databaseUrl ?? '', GW_SQLITE_FILE: gw.testDb.sqliteFile },
      cwd: REPO_DIR,
    });

  before(async () => {
    const prices = path.join(dir, 'prices.json');
    fs.writeFileSync(prices, JSON.stringify(PRICES));
    gw = await startTestGateway({ env: { GW_PRICE_LIST_FILE: prices, GW_CREDIT_LIMIT_KURUS: '100' } });
    db = gw.testDb.db;
  });
  after(async () => gw.close());

  it('an unmetered company (no account) is neither charged nor refused, and GetCreditBalance says so', async () => {
    const { tenant, vkn, client } = await company();
    for (let i = 0; i < 3; i++) await send(client, makeInvoice({ supplierVkn: vkn }));
    await send(client, makeInvoice({ supplierVkn: vkn, profile: 'EARSIVFATURA' }));
    expect(await invoiceCount(tenant.id)).to.equal(4);
    expect(await creditAccount(db, tenant.id)).to.equal(null);
    expect(await movements(tenant.id)).to.have.length(0);
    const [b] = await client.GetCreditBalanceAsync({});
    expect(String(b.metered)).to.equal('false');
    expect(b.summary).to.equal('Kontör kullanılmıyor (sınırsız)');
    expect(list(b.movement)).to.have.length(0);
    // The price list from GW_PRICE_LIST_FILE.
    const prices = Object.fromEntries(list<{ item: string; kind: string; priceKurus: string }>(b.price).map((p) => [`${p.kind}:${p.item}`, Number(p.priceKurus)]));
    expect(prices).to.include({ 'SERVICE:EFATURA': 50_000, 'SERVICE:EIRSALIYE': 12_345, 'DOCUMENT:EFATURA': 40, 'DOCUMENT:EARSIV': 25, 'DOCUMENT:LEDGER_MONTH': 2_000 });
  });

  it('a card order is paid at once: the account opens with the configured limit, credits in, services Aktivasyon Bekliyor', async () => {
    const { tenant, client } = await company();
    const o = await order(client, { service: ['efatura', 'EARSIV'], creditsKurus: 1000, paymentMethod: 'CARD' });
    expect(o).to.include({ state: 'PAID', stateDescription: 'Ödendi', paymentMethod: 'CARD' });
    expect(Number(o.totalKurus)).to.equal(50_000 + 30_000 + 1000);
    expect(o.total).to.equal('810,00');
    expect(list<{ service: string; stateDescription: string; priceKurus: string }>(o.service).map((s) => [s.service, Number(s.priceKurus), s.stateDescription])).to.deep.equal([
      ['EFATURA', 50_000, 'Aktivasyon Bekliyor'],
      ['EARSIV', 30_000, 'Aktivasyon Bekliyor'],
    ]);
    expect(o.message).to.contain('10,00 TL kontör hesabınıza yüklendi');
    expect(await serviceState(tenant.id, 'EFATURA')).to.equal('AWAITING_ACTIVATION');
    expect(await serviceState(tenant.id, 'EARSIV')).to.equal('AWAITING_ACTIVATION');
    const account = await ledgerHolds(tenant.id);
    expect(account).to.include({ balanceKurus: 1000, limitKurus: 100 });
    const m = await movements(tenant.id);
    expect(m.map((r) => [r.kind, r.ref, Number(r.amount_kurus), Number(r.balance_after_kurus)])).to.deep.equal([['PURCHASE', `ORDER:${o.id}`, 1000, 1000]]);
    const row = await db('service_orders').where({ id: o.id }).first();
    expect(row).to.include({ state: 'PAID', payment_method: 'CARD' });
    expect(JSON.parse(row.services)).to.deep.equal([{ service: 'EFATURA', priceKurus: 50_000 }, { service: 'EARSIV', priceKurus: 30_000 }]);

    const [b] = await client.GetCreditBalanceAsync({ movements: 5 });
    expect(String(b.metered)).to.equal('true');
    expect(b).to.include({ balance: '10,00', limit: '-1,00', summary: 'Kalan: 10,00 Ekst. Limit: -1,00' });
    expect(list<{ kind: string }>(b.movement).map((x) => x.kind)).to.deep.equal(['PURCHASE']);
  });

  it('bad orders are typed faults and store nothing: unknown service 4701, nothing ordered / twice / ordered already 4722', async () => {
    const { tenant, client } = await company();
    expect((await expectFault(order(client, { service: ['EFATURA', 'EFATURAX'], paymentMethod: 'CARD' }))).code).to.equal(4701);
    expect((await expectFault(order(client, { paymentMethod: 'CARD' }))).message).to.contain('SİPARİŞ GEÇERSİZ: hizmet veya kontör seçilmedi');
    expect((await expectFault(order(client, { service: ['EARSIV', 'earsiv'], paymentMethod: 'WIRE' }))).code).to.equal(4722);
    expect((await expectFault(order(client, { service: ['EARSIV'], paymentMethod: 'CASH' }))).code).to.equal(4004);
    expect(await db('service_orders').where({ tenant_id: tenant.id })).to.have.length(0);
    expect(await creditAccount(db, tenant.id)).to.equal(null);
    await order(client, { service: ['EARSIV'], paymentMethod: 'WIRE' });
    const again = await expectFault(order(client, { service: ['EDEFTER', 'EARSIV'], paymentMethod: 'CARD' }));
    expect(again.code).to.equal(4722);
    expect(await db('service_orders').where({ tenant_id: tenant.id })).to.have.length(1);
    expect(await serviceState(tenant.id, 'EDEFTER')).to.equal(undefined);
  });

  it('a wire order waits (Onay Bekliyor) until the operator confirms it with the CLI; twice is 4723, unknown 4721', async () => {
    const { tenant, vkn, client } = await company();
    const o = await order(client, { service: ['EDEFTER'], creditsKurus: 2000, paymentMethod: 'WIRE' });
    expect(o).to.include({ state: 'PENDING', stateDescription: 'Ödeme Bekliyor', paymentMethod: 'WIRE' });
    expect(o.message).to.contain('1 iş günü');
    expect(list<{ stateDescription: string }>(o.service)[0]!.stateDescription).to.equal('Onay Bekliyor');
    expect(await serviceState(tenant.id, 'EDEFTER')).to.equal('ORDERED');
    // The account is open (metered) but holds nothing yet: a send past its limit (1,00) is refused.
    expect(await balanceOf(tenant.id)).to.equal(0);
    expect(await movements(tenant.id)).to.have.length(0);

    const confirmed = await cli('order:confirm', '--order', String(o.id));
    expect(confirmed.stdout).to.contain('"state":"PAID"').and.contain(`Sipariş ${o.id}: 420,00 TL ödendi (havale/EFT)`);
    expect(await serviceState(tenant.id, 'EDEFTER')).to.equal('AWAITING_ACTIVATION');
    expect((await db('service_orders').where({ id: o.id }).first()).confirmed_by).to.match(/^operator:/);
    expect((await ledgerHolds(tenant.id)).balanceKurus).to.equal(2000);
    await send(client, makeInvoice({ supplierVkn: vkn }));
    expect(await balanceOf(tenant.id)).to.equal(1960);

    const twice = await cli('order:confirm', '--order', String(o.id)).catch((e) => e);
    expect(twice.code).to.equal(1);
    expect(twice.stderr).to.contain('4723: SİPARİŞ BU İŞLEME UYGUN DURUMDA DEĞİL');
    const unknown = await cli('order:confirm', '--order', '999999').catch((e) => e);
    expect(unknown.stderr).to.contain('4721: SİPARİŞ BULUNAMADI: 999999');
    expect(await movements(tenant.id)).to.have.length(2); // the purchase once, the invoice's charge

    const shown = await cli('credits:show', '--vkn', vkn, '--movements', '5');
    expect(shown.stdout).to.contain('Kalan: 19,60 Ekst. Limit: -1,00').and.contain(`PURCHASE ORDER:${o.id} 2000 → 2000`);
  });

  it('a confirmed wire transfer calls onWireConfirmed inside its own transaction (the e-mail notice); a card order does not', async () => {
    const { tenant } = await company();
    const notices: Array<{ tenantId: number; orderId: number; totalKurus: number; inTransaction: boolean }> = [];
    let failNotice = false;
    const credits = createCreditService({
      db,
      writer: gw.gateway.writer,
      store: gw.gateway.store,
      clock: () => new Date(),
      prices: gw.config.credits.prices,
      defaultLimitKurus: 0,
      onWireConfirmed: async (trx, n) => {
        if (failNotice) throw new Error('mail queue away');
        notices.push({ ...n, inTransaction: Boolean(trx.isTransaction) });
      },
    });
    await credits.order(tenant.id, { services: ['ETICARET'], creditsKurus: 0, paymentMethod: 'CARD', actor: 'test' });
    expect(notices).to.deep.equal([]);
    const wire = await credits.order(tenant.id, { services: [], creditsKurus: 500, paymentMethod: 'WIRE', actor: 'test' });
    // The notice and the payment are one: a notice that cannot be queued leaves the order unpaid.
    failNotice = true;
    await credits.confirmOrder(wire.id, 'operator:test').then(
      () => expect.fail('confirmed without its notice'),
      (err) => expect(String(err)).to.contain('mail queue away'),
    );
    expect((await db('service_orders').where({ id: wire.id }).first()).state).to.equal('PENDING');
    expect(await balanceOf(tenant.id)).to.equal(0);
    failNotice = false;
    await credits.confirmOrder(wire.id, 'operator:test');
    expect(notices).to.deep.equal([{ tenantId: tenant.id, orderId: wire.id, totalKurus: 500, inTransaction: true }]);
    expect(await balanceOf(tenant.id)).to.equal(500);
  });

  it('SendInvoice charges an e-Fatura and an e-Arşiv invoice once, even when the same ETTN is sent again (also at once)', async () => {
    const { tenant, vkn, client } = await company();
    await order(client, { creditsKurus: 1000, paymentMethod: 'CARD' });
    const ettn = randomUUID();
    const xml = makeInvoice({ supplierVkn: vkn, ettn });
    const first = await send(client, xml);
    const again = await send(client, xml);
    expect(again.ettn).to.equal(first.ettn);
    const arsiv = makeInvoice({ supplierVkn: vkn, profile: 'EARSIVFATURA' });
    const [a, b] = await Promise.all([send(client, arsiv), send(client, arsiv)]);
    expect(a.ettn).to.equal(b.ettn);
    expect(await invoiceCount(tenant.id)).to.equal(2);
    const m = await movements(tenant.id);
    expect(m.map((r) => [r.kind, r.ref, Number(r.amount_kurus)])).to.deep.equal([
      ['PURCHASE', m[0]!.ref, 1000],
      ['CHARGE', `EFATURA:${ettn}`, -40],
      ['CHARGE', `EARSIV:${a.ettn}`, -25],
    ]);
    expect(m[1]!.description).to.contain(`ETTN ${ettn}`);
    expect((await ledgerHolds(tenant.id)).balanceKurus).to.equal(935);
  });

  it('past the limit SendInvoice is refused with 4720 and nothing is stored: no invoice, no movement, no job', async () => {
    const { tenant, vkn, client } = await company();
    await order(client, { creditsKurus: 50, paymentMethod: 'CARD' }); // 0,50 and 1,00 of overdraft: three e-Faturas
    for (let i = 0; i < 3; i++) await send(client, makeInvoice({ supplierVkn: vkn }));
    expect(await balanceOf(tenant.id)).to.equal(-70);
    const jobs = Number((await db('jobs').count({ n: '*' }))[0]!.n);
    const ettn = randomUUID();
    const f = await expectFault(send(client, makeInvoice({ supplierVkn: vkn, ettn })));
    expect(f).to.include({ code: 4720, name: 'CREDIT_LIMIT', message: 'KONTÖR YETERSİZ: KALAN -0,70, EK LİMİT -1,00, GEREKEN 0,40' });
    expect(await db('invoices').where({ ettn })).to.have.length(0);
    expect(await invoiceCount(tenant.id)).to.equal(3);
    expect(Number((await db('jobs').count({ n: '*' }))[0]!.n)).to.equal(jobs);
    expect(await movements(tenant.id)).to.have.length(4);
    expect((await ledgerHolds(tenant.id)).balanceKurus).to.equal(-70);
    // An e-Arşiv invoice (0,25) still fits.
    await send(client, makeInvoice({ supplierVkn: vkn, profile: 'EARSIVFATURA' }));
    expect(await balanceOf(tenant.id)).to.equal(-95);
    // The operator raises the limit: the refused invoice goes through.
    await cli('credits:limit', '--vkn', vkn, '--limit-kurus', '200');
    await send(client, makeInvoice({ supplierVkn: vkn, ettn }));
    expect((await ledgerHolds(tenant.id)).balanceKurus).to.equal(-135);
  });

  it('two concurrent sends that would both cross the limit: only one passes', async () => {
    const { tenant, vkn, client } = await company();
    await order(client, { creditsKurus: 40, paymentMethod: 'CARD' });
    await gw.gateway.services.credits.setLimit(tenant.id, 0);
    const results = await Promise.allSettled([send(client, makeInvoice({ supplierVkn: vkn })), send(client, makeInvoice({ supplierVkn: vkn }))]);
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((await expectFault(Promise.reject(refused.reason))).code).to.equal(4720);
    expect(await invoiceCount(tenant.id)).to.equal(1);
    expect((await ledgerHolds(tenant.id)).balanceKurus).to.equal(0);
  });

  it('20 concurrent sends that together cross the limit: exactly the affordable number pass, and the movements sum to the balance', async () => {
    const { tenant, vkn, client } = await company();
    await order(client, { creditsKurus: 500, paymentMethod: 'CARD' }); // 5,00 + 1,00 overdraft = 15 e-Faturas of 0,40
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => send(client, makeInvoice({ supplierVkn: vkn }))));
    const passed = results.filter((r) => r.status === 'fulfilled').length;
    const codes = await Promise.all(results.filter((r) => r.status === 'rejected').map(async (r) => (await expectFault(Promise.reject((r as PromiseRejectedResult).reason))).code));
    expect(passed).to.equal(15);
    expect(codes).to.deep.equal(Array(5).fill(4720));
    expect(await invoiceCount(tenant.id)).to.equal(15);
    const account = await ledgerHolds(tenant.id);
    expect(account.balanceKurus).to.equal(500 - 15 * 40);
    const charges = (await movements(tenant.id)).filter((m) => m.kind === 'CHARGE');
    expect(charges).to.have.length(15);
    // Each movement's balance is the one before it plus its amount: the running balance, in commit order.
    let running = 0;
    for (const m of await movements(tenant.id)) {
      running += Number(m.amount_kurus);
      expect(Number(m.balance_after_kurus)).to.equal(running);
    }
  });

  if (TEST_DB_KIND === 'postgres') {
    it('PostgreSQL: transactions on separate connections racing for the last credit — the row lock lets exactly the affordable ones pass', async () => {
      const { tenant } = await company();
      const credits = gw.gateway.services.credits;
      await credits.setLimit(tenant.id, 0);
      await gw.gateway.writer.run(async (trx) => {
        await trx('credit_accounts').where({ tenant_id: tenant.id }).update({ balance_kurus: 100 });
        await trx('credit_movements').insert({ tenant_id: tenant.id, kind: 'ADJUST', ref: 'test', amount_kurus: 100, balance_after_kurus: 100, description: 'test', actor: 'test', at: new Date().toISOString() });
      });
      const other = gw.testDb.connectAgain(10);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          other.transaction(async (trx) => {
            await credits.charge(trx, { tenantId: tenant.id, document: 'EFATURA', ref: `EFATURA:race-${i}`, description: 'yarış', actor: 'test', at: new Date().toISOString() });
            await new Promise((r) => setTimeout(r, 30)); // hold the row lock: the others wait for this commit
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).to.have.length(2);
      for (const o of outcomes.filter((x) => x.status === 'rejected')) expect(((o as PromiseRejectedResult).reason as GatewayError).fault).to.equal('CREDIT_LIMIT');
      expect((await ledgerHolds(tenant.id)).balanceKurus).to.equal(20);
    });
  }

  it('a refused invoice gets its credit back once: GİB rejects an e-Fatura, an e-Arşiv invoice ends Hatalı', async () => {
    const { tenant, vkn, client } = await company();
    await order(client, { creditsKurus: 1000, paymentMethod: 'CARD' });
    const efatura = await send(client, makeInvoice({ supplierVkn: vkn }));
    const earsiv = await send(client, makeInvoice({ supplierVkn: vkn, profile: 'EARSIVFATURA' }));
    const kept = await send(client, makeInvoice({ supplierVkn: vkn }));
    expect(await balanceOf(tenant.id)).to.equal(1000 - 40 - 25 - 40);
    const idOf = async (ettn: string) => Number((await db('invoices').where({ ettn }).first()).id);
    const store = gw.gateway.store;
    // The e-Arşiv invoice fails before the worker touches it; the e-Fatura is signed, sent and refused by GİB.
    await store.apply(entities.invoice(await idOf(earsiv.ettn)), { event: 'FAIL', actor: 'test', reason: 'işlenemedi' });
    await gw.gateway.worker.runUntilIdle();
    const id = await idOf(efatura.ettn);
    for (const event of ['ENVELOPE', 'SEND', 'GIB_REJECTED'] as const) await store.apply(entities.invoice(id), { event, actor: 'test', ...(event === 'GIB_REJECTED' ? { code: 1160, codeDescription: 'XML SEMA KONTROLUNDEN GECEMEDI' } : {}) });
    await gw.gateway.worker.runUntilIdle();
    expect((await db('invoices').where({ id }).first()).state).to.equal('GIB_REJECTED');
    const refunds = (await movements(tenant.id)).filter((m) => m.kind === 'REFUND');
    expect(refunds.map((m) => [m.ref, Number(m.amount_kurus)]).sort()).to.deep.equal([[`EARSIV:${earsiv.ettn}`, 25], [`EFATURA:${efatura.ettn}`, 40]]);
    expect(refunds.find((m) => m.ref.startsWith('EFATURA'))!.description).to.contain('iade: XML SEMA KONTROLUNDEN GECEMEDI');
    expect((await ledgerHolds(tenant.id)).balanceKurus).to.equal(1000 - 40);

    // Once: the job again, or the refund asked for directly, changes nothing; an invoice not refused is not refunded.
    expect(await gw.gateway.services.credits.refundInvoice(id)).to.equal(false);
    expect(await gw.gateway.services.credits.refundInvoice(await idOf(kept.ettn))).to.equal(false);
    await gw.gateway.writer.run((trx) =>
      trx('jobs').insert({ task: 'credits.refund', job_key: `again:${id}`, payload: JSON.stringify({ table: 'invoices', id, machine: 'efatura-invoice' }), run_at: new Date().toISOString(), attempts: 0, max_attempts: 3, created_at: new Date().toISOString() }),
    );
    await gw.gateway.worker.runUntilIdle();
    expect((await movements(tenant.id)).filter((m) => m.kind === 'REFUND')).to.have.length(2);
    expect(await db('jobs').where({ task: 'credits.refund' }).whereNotNull('failed_at')).to.have.length(0);
  });

  it('an unmetered company\'s refused invoice: the refund job runs and changes nothing', async () => {
    const { tenant, vkn, client } = await company();
    const inv = await send(client, makeInvoice({ supplierVkn: vkn, profile: 'EARSIVFATURA' }));
    const id = Number((await db('invoices').where({ ettn: inv.ettn }).first()).id);
    await gw.gateway.store.apply(entities.invoice(id), { event: 'FAIL', actor: 'test' });
    await gw.gateway.worker.runUntilIdle();
    expect((await db('invoices').where({ id }).first()).state).to.equal('ERROR');
    expect(await db('jobs').where({ task: 'credits.refund' }).whereNotNull('failed_at')).to.have.length(0);
    expect(await movements(tenant.id)).to.have.length(0);
    expect(await creditAccount(db, tenant.id)).to.equal(null);
  });

  it('an e-Defter month is charged once, when its first step is asked for; past the limit the step is refused (4720) and nothing planned', async () => {
    const client = await soapClient(gw);
    const tenantId = gw.tenant.id;
    await client.SaveLedgerSettingsAsync(LEDGER_SETTINGS);
    await gw.gateway.services.credits.setLimit(tenantId, 3000); // 0,00 and 30,00 of overdraft: one month of 20,00
    const upload = async (period: string, csv: Buffer) =>
      client.UploadLedgerAsync({ fileName: `${TEST_VKN}-${period}.zip`, content: (await zipOne(`${TEST_VKN}-${period}.csv`, csv)).toString('base64') });
    await upload('202601', SAMPLE);
    // Uploading is not charged: only asking for the month's work.
    expect(await movements(tenantId)).to.have.length(0);
    await client.LedgerStepAsync({ period: '2026-01', step: 'DOSYA_OLUSTUR' });
    await client.LedgerStepAsync({ period: '2026-01', step: 'DOSYA_OLUSTUR' });
    await upload('202601', SAMPLE); // a new source for the same month
    await client.LedgerStepAsync({ period: '2026-01', step: 'ALL' });
    const m = await movements(tenantId);
    expect(m.map((r) => [r.kind, r.ref, Number(r.amount_kurus), r.description])).to.deep.equal([['CHARGE', 'LEDGER:2026-01', -2000, 'e-Defter 2026-Ocak']]);

    await upload('202602', Buffer.from(SAMPLE.toString('utf8').replaceAll('2026-01-', '2026-02-')));
    const f = await expectFault(client.LedgerStepAsync({ period: '2026-02', step: 'DOSYA_OLUSTUR' }));
    expect(f).to.include({ code: 4720, message: 'KONTÖR YETERSİZ: KALAN -20,00, EK LİMİT -30,00, GEREKEN 20,00' });
    const feb = await db('ledger_books').where({ tenant_id: tenantId, period: '2026-02' });
    expect(feb.map((b) => [b.state, JSON.parse(b.context).goal ?? null])).to.deep.equal([['NOT_STARTED', null], ['NOT_STARTED', null]]);
    expect(await movements(tenantId)).to.have.length(1);
    expect((await ledgerHolds(tenantId)).balanceKurus).to.equal(-2000);
  });
});

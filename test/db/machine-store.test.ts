import { expect } from 'chai';
import { createMachineStore } from '../../src/db/machine-store';
import { GatewayError } from '../../src/faults';
import { createTestDb, TEST_DB_KIND, type TestDb } from '../helpers/db';
import { insertInvoice, insertTenant } from '../helpers/rows';

describe(`machine store (${TEST_DB_KIND})`, () => {
  let t: TestDb;
  let tenantId: number;
  const clock = () => new Date('2026-05-01T10:00:00.000Z');

  before(async () => {
    t = await createTestDb();
    tenantId = await insertTenant(t.db);
  });
  after(async () => t.destroy());

  it('applies an event: next state, version + 1, one history row, effects enqueued in the same transaction', async () => {
    const store = createMachineStore(t.db, { clock, maxAttempts: 3 });
    const id = await insertInvoice(t.db, tenantId);
    const result = await store.apply({ table: 'invoices', id }, { event: 'PROCESS', actor: 'test', reason: 'why' });
    expect(result).to.include({ from: 'RECEIVED', to: 'PROCESSED', version: 2 });
    const row = await t.db('invoices').where({ id }).first();
    expect(row).to.include({ state: 'PROCESSED' });
    expect(Number(row.version)).to.equal(2);
    const history = await store.history('earsiv-invoice', id);
    expect(history).to.have.length(1);
    expect(history[0]).to.include({ fromState: 'RECEIVED', toState: 'PROCESSED', event: 'PROCESS', actor: 'test', reason: 'why', code: 20 });
    expect(history[0].at).to.equal('2026-05-01T10:00:00.000Z');
    const jobs = await t.db('jobs').where('job_key', 'like', `%:earsiv-invoice:${id}:%`);
    expect(jobs.map((j) => j.task)).to.deep.equal(['invoice.sign']);
  });

  it('refuses an illegal transition with a typed fault and changes nothing', async () => {
    const store = createMachineStore(t.db, { clock, maxAttempts: 3 });
    const id = await insertInvoice(t.db, tenantId);
    const before = await t.db('invoices').where({ id }).first();
    let caught: unknown;
    try {
      await store.apply({ table: 'invoices', id }, { event: 'CANCEL', actor: 'test' });
    } catch (err) {
      caught = err;
    }
    expect((caught as GatewayError).fault).to.equal('ILLEGAL_TRANSITION');
    expect(await t.db('invoices').where({ id }).first()).to.deep.equal(before);
    expect(await store.history('earsiv-invoice', id)).to.have.length(0);
  });

  it('optimistic locking: a stale expected version is refused; two racing writers → exactly one wins', async () => {
    const store = createMachineStore(t.db, { clock, maxAttempts: 3 });
    const id = await insertInvoice(t.db, tenantId);
    let stale: unknown;
    try {
      await store.apply({ table: 'invoices', id }, { event: 'PROCESS', actor: 'a', expectedVersion: 7 });
    } catch (err) {
      stale = err;
    }
    expect((stale as GatewayError).fault).to.equal('VERSION_CONFLICT');

    // Two writers apply the same event at once: one moves the row, the other gets a fault. On PostgreSQL they use
    // independent connections; on SQLite (synchronous driver, one thread) the same one, as in one process.
    const other = TEST_DB_KIND === 'postgres' ? t.connectAgain() : t.db;
    const storeB = createMachineStore(other, { clock, maxAttempts: 3 });
    const results = await Promise.allSettled([
      store.apply({ table: 'invoices', id }, { event: 'PROCESS', actor: 'a', expectedVersion: 1 }),
      storeB.apply({ table: 'invoices', id }, { event: 'PROCESS', actor: 'b', expectedVersion: 1 }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).to.be.instanceOf(GatewayError);
    expect(['VERSION_CONFLICT', 'ILLEGAL_TRANSITION']).to.include(rejected.reason.fault);
    expect(await store.history('earsiv-invoice', id)).to.have.length(1);
  });

  it('keeps a dynamic code (GİB error) in context and history', async () => {
    const store = createMachineStore(t.db, { clock, maxAttempts: 3 });
    const id = await insertInvoice(t.db, tenantId, { machine: 'efatura-invoice' });
    await store.apply({ table: 'invoices', id }, { event: 'FAIL', actor: 'worker', code: 4403, codeDescription: 'MALI MUHUR PIN HATALI' });
    const [entry] = await store.history('efatura-invoice', id);
    expect(entry).to.include({ toState: 'ERROR', code: 4403 });
  });

  it('holds an event that overtook its state and applies it, in arrival order, when the state is left; late news is dropped then', async () => {
    const store = createMachineStore(t.db, { clock, maxAttempts: 3 });
    const id = await insertInvoice(t.db, tenantId, { machine: 'efatura-invoice', state: 'ENVELOPED' });
    const ref = { table: 'invoices', id };
    const hold = ['ENVELOPED'] as const;
    const first = await store.apply(ref, { event: 'GIB_ACCEPTED', actor: 'gib', reason: '1200', holdWhileIn: hold });
    expect(first).to.include({ held: true, from: 'ENVELOPED', to: 'ENVELOPED', version: 2 });
    await store.apply(ref, { event: 'DELIVERED', actor: 'gib', reason: '1300', contextPatch: { deliveredAt: 'x' }, holdWhileIn: hold });
    // Comes after 1300 and is late news once the invoice is delivered: dropped at the release.
    await store.apply(ref, { event: 'GIB_QUEUED', actor: 'gib', reason: '1000', holdWhileIn: hold });
    let row = await t.db('invoices').where({ id }).first();
    expect(row.state).to.equal('ENVELOPED');
    expect(Number(row.version)).to.equal(4);
    expect(JSON.parse(row.context).heldEvents.map((h: { event: string }) => h.event)).to.deep.equal(['GIB_ACCEPTED', 'DELIVERED', 'GIB_QUEUED']);
    expect(await store.history('efatura-invoice', id), 'holding is not a state change').to.have.length(0);

    await store.apply(ref, { event: 'SEND', actor: 'worker', reason: 'sent' });
    const history = await store.history('efatura-invoice', id);
    expect(history.map((h) => h.toState)).to.deep.equal(['SENT', 'GIB_ACCEPTED', 'DELIVERED']);
    expect(history[1]!.reason).to.equal('1200 [2026-05-01T10:00:00.000Z tarihinde geldi, bekletildi]');
    expect(history[2]).to.include({ actor: 'gib', code: 1300 });
    row = await t.db('invoices').where({ id }).first();
    expect(row.state).to.equal('DELIVERED');
    const context = JSON.parse(row.context);
    expect(context.deliveredAt).to.equal('x');
    expect(context.heldEvents).to.equal(undefined);

    // Outside the holding states the same call is an ordinary apply: a refused event is refused, not kept.
    let caught: unknown;
    try {
      await store.apply(ref, { event: 'GIB_QUEUED', actor: 'gib', holdWhileIn: hold });
    } catch (err) {
      caught = err;
    }
    expect((caught as GatewayError).fault).to.equal('ILLEGAL_TRANSITION');
  });

  it('a missing row is DOCUMENT_NOT_FOUND', async () => {
    const store = createMachineStore(t.db, { clock, maxAttempts: 3 });
    let caught: unknown;
    try {
      await store.apply({ table: 'invoices', id: 999999 }, { event: 'PROCESS', actor: 'a' });
    } catch (err) {
      caught = err;
    }
    expect((caught as GatewayError).fault).to.equal('DOCUMENT_NOT_FOUND');
  });
});

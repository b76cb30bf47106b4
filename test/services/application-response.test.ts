import { expect } from 'chai';
import { createMachineStore, entities } from '../../src/db/machine-store';
import { toEttn, type Ettn } from '../../src/ids';
import { incomingInvoiceMachine } from '../../src/machines';
import { createWriteBatcher } from '../../src/db/write-batcher';
import type { Caller } from '../../src/security/authenticator';
import { createApplicationResponseService } from '../../src/services/application-response.service';
import { createTestDb, TEST_DB_KIND, type TestDb } from '../helpers/db';
import { expectGatewayFault } from '../helpers/faults';

/**
 * KABUL/RED at the receiver's gateway with an injected clock: once, only for TICARIFATURA, only until 23:59:59
 * (Istanbul) of the 8th day after the invoice reached the inbox.
 */
describe(`KABUL/RED answers: the 8-day window and once only (${TEST_DB_KIND})`, () => {
  let t: TestDb;
  let now = new Date();
  const clock = () => now;
  let caller: Caller;
  let seq = 0;

  before(async () => {
    t = await createTestDb();
    const [tenant] = await t.db('tenants')
      .insert({ vkn: '9876543210', title: 'ALICI LTD', gb_alias: 'urn:mail:defaultgb@alici', pk_alias: 'urn:mail:defaultpk@alici', created_at: now.toISOString() })
      .returning('id');
    const tenantId = Number(typeof tenant === 'object' ? tenant.id : tenant);
    caller = { tenantId, tenantVkn: '9876543210', username: 'alici', userId: 1 } as unknown as Caller;
  });
  after(async () => {
    await t?.destroy();
  });

  async function inbox(profileId: string, deliveredAt: string): Promise<Ettn> {
    seq++;
    const ettn = toEttn(`00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`);
    const store = createMachineStore(t.db, { clock, maxAttempts: 3 });
    await createWriteBatcher(t.db).run(async (trx) => {
      const [row] = await trx('incoming_invoices')
        .insert({
          tenant_id: caller.tenantId,
          machine: 'incoming-invoice',
          state: 'INBOX',
          version: 1,
          context: JSON.stringify({ profileId, deliveredAt }),
          ettn,
          invoice_number: `ABC2026${String(seq).padStart(9, '0')}`,
          profile_id: profileId,
          type_code: 'SATIS',
          issue_date: '2026-03-02',
          sender_vkn: '1234567801',
          sender_alias: 'urn:mail:defaultgb@satici',
          receiver_alias: 'urn:mail:defaultpk@alici',
          currency: 'TRY',
          payable_amount: '120.00',
          document_sha256: 'a'.repeat(64),
          envelope_id: ettn,
          created_at: deliveredAt,
          updated_at: deliveredAt,
        })
        .returning('id');
      await store.recordCreated(trx, incomingInvoiceMachine, entities.incomingInvoice(Number(typeof row === 'object' ? row.id : row)), 'gib', 'test');
    });
    return ettn;
  }

  function service() {
    return createApplicationResponseService({ db: t.db, store: createMachineStore(t.db, { clock, maxAttempts: 3 }), writer: createWriteBatcher(t.db), clock });
  }

  it('accepts KABUL at 23:59:59 of day 8 (Istanbul) and enqueues the signed answer; a second answer is refused', async () => {
    const ettn = await inbox('TICARIFATURA', '2026-03-02T21:30:00.000Z'); // 00:30, 3 March in Istanbul
    now = new Date('2026-03-11T20:59:59.000Z'); // 23:59:59, 11 March in Istanbul
    await service().answer(caller, { ettn, code: 'KABUL' });
    const row = await t.db('incoming_invoices').where({ ettn }).first('state', 'context');
    expect(row.state).to.equal('ACCEPTED');
    expect(JSON.parse(row.context).answer).to.include({ code: 'KABUL', reason: 'Fatura kabul edildi.' });
    expect(await t.db('jobs').where({ task: 'application-response.send' }).count({ n: '*' }).first()).to.deep.include({ n: TEST_DB_KIND === 'postgres' ? '1' : 1 });
    const again = await expectGatewayFault(service().answer(caller, { ettn, code: 'RED' }));
    expect(again.fault).to.equal('ALREADY_ANSWERED');
  });

  it('refuses a KABUL after 8 days (one second after the deadline), and nothing changes', async () => {
    const ettn = await inbox('TICARIFATURA', '2026-03-02T21:30:00.000Z');
    now = new Date('2026-03-11T21:00:00.000Z'); // 00:00:00, 12 March in Istanbul
    const f = await expectGatewayFault(service().answer(caller, { ettn, code: 'KABUL' }));
    expect(f.fault).to.equal('RESPONSE_WINDOW_CLOSED');
    expect(f.code).to.equal(4506);
    const row = await t.db('incoming_invoices').where({ ettn }).first('state', 'version');
    expect(row).to.deep.include({ state: 'INBOX' });
    expect(Number(row.version)).to.equal(1);
  });

  it('refuses KABUL/RED for a TEMELFATURA, and for another company’s invoice (not found)', async () => {
    const ettn = await inbox('TEMELFATURA', new Date().toISOString());
    now = new Date();
    expect((await expectGatewayFault(service().answer(caller, { ettn, code: 'RED' }))).fault).to.equal('NOT_COMMERCIAL');
    const stranger = { ...caller, tenantId: caller.tenantId + 1000 } as Caller;
    expect((await expectGatewayFault(service().answer(stranger, { ettn, code: 'KABUL' }))).fault).to.equal('DOCUMENT_NOT_FOUND');
  });
});

/** The inbox queries: a tenant sees its own incoming invoices only, by receipt time. */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { isGatewayError } from '../../src/faults';
import { toEttn } from '../../src/ids';
import { createInboxService } from '../../src/services/inbox.service';
import { createTestDb, type TestDb } from '../helpers/db';

async function tenant(db: Knex, vkn: string): Promise<number> {
  const [row] = await db('tenants').insert({ vkn, title: `T ${vkn}`, gb_alias: `gb-${vkn}`, pk_alias: `pk-${vkn}`, created_at: new Date().toISOString() }).returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

async function incoming(db: Knex, tenantId: number, receivedAt: string, state = 'INBOX'): Promise<string> {
  const ettn = randomUUID();
  await db('incoming_invoices').insert({
    tenant_id: tenantId, machine: 'incoming-invoice', state, version: 1, context: JSON.stringify({ profileId: 'TEMELFATURA', deliveredAt: receivedAt }),
    ettn, invoice_number: 'ABC2026000000001', profile_id: 'TEMELFATURA', type_code: 'SATIS', issue_date: '2026-01-01', sender_vkn: '1234567801',
    sender_name: 'A', sender_alias: 'urn:mail:defaultgb@a', receiver_alias: 'urn:mail:defaultpk@b', currency: 'TRY', payable_amount: '10.00',
    document_sha256: 'b'.repeat(64), envelope_id: randomUUID(), created_at: receivedAt, updated_at: receivedAt,
  });
  return ettn;
}

describe('inbox service', function () {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
  });
  after(async () => {
    await t.destroy();
  });

  it('lists a tenant’s own invoices by receipt time, [from, to), and finds one by ETTN in any case', async () => {
    const mine = await tenant(t.db, '1111111111');
    const other = await tenant(t.db, '2222222222');
    const e1 = await incoming(t.db, mine, '2026-03-01T10:00:00.000Z');
    const e2 = await incoming(t.db, mine, '2026-03-02T10:00:00.000Z', 'ACCEPTED');
    const e3 = await incoming(t.db, mine, '2026-03-03T10:00:00.000Z');
    const theirs = await incoming(t.db, other, '2026-03-02T11:00:00.000Z');
    const inbox = createInboxService({ db: t.db });

    expect((await inbox.listInbox(mine)).map((x) => x.ettn)).to.deep.equal([e1, e2, e3]);
    expect((await inbox.listInbox(mine, { from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T10:00:00.000Z' })).map((x) => x.ettn)).to.deep.equal([e2]);
    expect((await inbox.listInbox(mine, { limit: 1 })).map((x) => x.ettn)).to.deep.equal([e1]);
    const view = await inbox.getIncoming(mine, toEttn(e2.toUpperCase())); // any case, normalised where it enters
    expect(view).to.include({ ettn: e2, state: 'ACCEPTED', description: 'KABUL EDILDI', status: 2, receivedAt: '2026-03-02T10:00:00.000Z' });
    // Another tenant's invoice: the answer of one that does not exist.
    const err = await inbox.getIncoming(mine, toEttn(theirs)).then(() => null, (e: unknown) => e);
    expect(isGatewayError(err) && err.fault).to.equal('DOCUMENT_NOT_FOUND');
  });
});

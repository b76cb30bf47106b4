import { expect } from 'chai';
import { appendChain, chainEntryHash, chainHead, chainOfTenant, CHAIN_GENESIS, ensureBackup, insertArchiveFile } from '../../src/db/ledger-archive';
import { insertTenant } from '../../src/db/tenants';
import { createTestDb, TEST_DB_KIND, type TestDb } from '../helpers/db';

/** The e-Defter archive's hash chain under concurrent sends (several gateway processes on one database). */
describe(`e-Defter archive hash chain in the database (${TEST_DB_KIND})`, () => {
  let t: TestDb;
  let tenantId: number;
  before(async () => {
    t = await createTestDb();
    tenantId = (await insertTenant(t.db, { vkn: '1234567801', title: 'ZINCIR A.S.', gbAlias: 'urn:mail:gb@zincir', pkAlias: 'urn:mail:pk@zincir', efaturaSeries: 'EFT', earsivSeries: 'EAR', createdAt: '2026-12-01T00:00:00.000Z' })).id;
  });
  after(async () => t.destroy());

  /** One send: a file row and its chain entry, in one transaction, on a connection of its own. */
  const send = (db: TestDb['db'], i: number) =>
    db.transaction(async (trx) => {
      const { row } = await ensureBackup(trx, { tenantId, machine: 'ledger-backup', state: 'NOT_SENT', period: '2026-01', at: '2026-12-01T00:00:00.000Z' });
      const f = { tenantId, backupId: row.id, period: '2026-01', setVersion: i + 1, kind: 'Y' as const, part: 0, fileName: `1234567801-202601-Y-000000.zip`, objectKey: `1234567801/${String(i).padStart(64, '0')}`, sha256: String(i).padStart(64, '0'), sizeBytes: 100 + i, source: 'PROGRAM' as const, storedAt: `2026-12-01T00:00:0${i}.000Z`, retainUntil: '2036-12-31T20:59:59.999Z', storeLocked: false };
      const id = await insertArchiveFile(trx, f);
      return appendChain(trx, { tenantId, action: 'STORE', fileId: id, period: f.period, setVersion: f.setVersion, fileName: f.fileName, sha256: f.sha256, sizeBytes: f.sizeBytes, retainUntil: f.retainUntil, at: f.storedAt });
    });

  it('sends at once from several connections — the tenant’s very first ones included — all succeed, and the chain is one line', async () => {
    const pools = Array.from({ length: TEST_DB_KIND === 'postgres' ? 6 : 1 }, () => t.connectAgain(2));
    // The backup row exists before the race (its unique key is not what is tested here).
    await t.db.transaction((trx) => ensureBackup(trx, { tenantId, machine: 'ledger-backup', state: 'NOT_SENT', period: '2026-01', at: '2026-12-01T00:00:00.000Z' }));
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => send(pools[i % pools.length]!, i)));
    expect(results.map((r) => r.status === 'fulfilled' ? 'ok' : String(r.reason))).to.deep.equal(Array(6).fill('ok'));
    const chain = await chainOfTenant(t.db, tenantId);
    expect(chain.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    let prev = CHAIN_GENESIS;
    for (const e of chain) {
      expect(e.prevHash, `entry ${e.seq}`).to.equal(prev);
      expect(chainEntryHash(e)).to.equal(e.entryHash);
      prev = e.entryHash;
    }
    expect(await chainHead(t.db, tenantId)).to.deep.equal({ seq: 6, entryHash: prev });
  });
});

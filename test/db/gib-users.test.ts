import { expect } from 'chai';
import { aliasesOf, gatewayState, replaceGibUsers, type GibUserAlias } from '../../src/db/gib-users';
import { createTestDb, TEST_DB_KIND, type TestDb } from '../helpers/db';

const list = (n: number, title: string): GibUserAlias[] =>
  Array.from({ length: n }, (_, i) => ({
    vknTckn: String(1000000000 + i),
    alias: `urn:mail:defaultpk@firma${i}.com`,
    role: 'PK' as const,
    title,
    documentType: 'Invoice',
    firstCreationTime: null,
  }));

describe(`GİB user list in the database (${TEST_DB_KIND})`, () => {
  let t: TestDb;
  before(async () => {
    t = await createTestDb();
  });
  after(async () => t.destroy());

  it('a sync replaces the whole list and records when', async () => {
    await t.db.transaction((trx) => replaceGibUsers(trx, list(3, 'Eski'), '2026-12-01T00:00:00.000Z', 'test.syncedAt'));
    const kept = await t.db.transaction((trx) => replaceGibUsers(trx, [...list(2, 'Yeni'), ...list(1, 'Yeni')], '2026-12-02T00:00:00.000Z', 'test.syncedAt'));
    expect(kept).to.equal(2);
    expect(await t.db('gib_users').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 2);
    expect(await aliasesOf(t.db, '1000000001')).to.deep.equal([{ alias: 'urn:mail:defaultpk@firma1.com', role: 'PK', title: 'Yeni', firstCreationTime: null }]);
    expect(await gatewayState(t.db, 'test.syncedAt')).to.equal('2026-12-02T00:00:00.000Z');
  });

  // Two gateways on one PostgreSQL used to collide here (a unique violation, fault 5000 at CheckUser refresh).
  it('syncs running at once (as from several gateways on one database) all succeed and leave the list once', async () => {
    const syncs = Array.from({ length: 6 }, (_, i) =>
      t.db.transaction((trx) => replaceGibUsers(trx, list(1500, `Sync ${i}`), `2026-12-03T00:00:0${i}.000Z`, 'test.syncedAt')),
    );
    const results = await Promise.allSettled(syncs);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).to.deep.equal(Array(6).fill(1500));
    const rows = await t.db('gib_users').select('title');
    expect(rows).to.have.length(1500);
    expect(new Set(rows.map((r) => r.title)).size, 'one sync’s list, not a mix').to.equal(1);
  });
});

import { expect } from 'chai';
import { nextInvoiceNumber } from '../../src/db/invoices';
import { makeInvoice } from '../helpers/invoices';
import { soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { createTestDb, TEST_DB_KIND } from '../helpers/db';
import { insertTenant } from '../helpers/rows';

describe(`invoice numbering (${TEST_DB_KIND})`, function () {
  this.timeout(60_000);

  it('a rolled-back transaction gives its number back (gapless)', async () => {
    const t = await createTestDb();
    try {
      const tenantId = await insertTenant(t.db);
      const series = { tenantId, kind: 'EARSIV' as const, prefix: 'GAP', year: 2026 };
      await t.db.transaction((trx) => nextInvoiceNumber(trx, series));
      await t.db
        .transaction(async (trx) => {
          expect(await nextInvoiceNumber(trx, series)).to.equal('GAP2026000000002');
          throw new Error('rollback');
        })
        .catch(() => undefined);
      expect(await t.db.transaction((trx) => nextInvoiceNumber(trx, series))).to.equal('GAP2026000000002');
      // A prefix already used for another document kind is refused: series are kept apart per kind.
      let caught: unknown;
      await t.db.transaction((trx) => nextInvoiceNumber(trx, { ...series, kind: 'EFATURA' })).catch((e) => (caught = e));
      expect((caught as { fault?: string }).fault).to.equal('REQUEST_FIELD');
    } finally {
      await t.destroy();
    }
  });

  describe('50 parallel SendInvoice calls with assignNumber', () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway();
    });
    after(async () => gw.close());

    it('get 50 consecutive numbers, each once', async () => {
      const clients = await Promise.all([0, 1, 2, 3, 4].map(() => soapClient(gw)));
      const answers = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const doc = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, number: null, issueDate: '2026-06-01' });
          const [res] = await clients[i % clients.length].SendInvoiceAsync({
            document: Buffer.from(doc).toString('base64'),
            assignNumber: true,
            numberSeries: 'PAR',
          });
          return res.invoice.invoiceNumber as string;
        }),
      );
      const expected = Array.from({ length: 50 }, (_, i) => `PAR2026${String(i + 1).padStart(9, '0')}`);
      expect([...answers].sort()).to.deep.equal(expected);
      const stored = await gw.testDb.db('invoices').where('invoice_number', 'like', 'PAR%').pluck('invoice_number');
      expect(stored.sort()).to.deep.equal(expected);
    });
  });
});

/**
 * GİB's e-Arşiv report schematron natively (src/gib/protocol/earsiv-report-schematron.ts) against GİB's own
 * stylesheet (gib/earsiv/earsiv_schematron.xsl) run by Saxon-HE, on seeded variants of a report the gateway builds:
 * entries removed or renamed, invoice types, ytbBilgileri, internet-sale payment blocks. Same failures, same words,
 * same order, on every variant.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as libxml from 'libxmljs2';
import { buildEarsivReport, earsivSchematronFailures, EARSIV_SCHEMATRON_TEXTS, type EarsivReportInvoice } from '../../src/gib/protocol';
import { parseXml } from '../../src/xml/parse';
import { rng } from '../fuzz/mutate';
import { SAXON_JAR, saxon, saxonAvailable } from '../helpers/gib-schematron';
import { GIB_DIR } from './helpers';

const NS = 'http://earsiv.efatura.gov.tr';
const INVOICE: EarsivReportInvoice = {
  ettn: '3f2a1c4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b', number: 'ABC2024000000001', type: 'SATIS', sendingType: 'ELEKTRONIK', fileName: 'ABC2024000000001.xml',
  digest: 'q1w2e3', issueDate: '2024-03-05', issueTime: '09:15:00', total: '1000.00', discount: '0', payable: '1200.00', currency: 'TRY', exchangeRate: '0',
  url: '', taxTotal: '200.00', taxes: [{ base: '1000.00', code: '0015', amount: '200.00', percent: '20' }], receiver: { vknTckn: '12345678901', name: 'Ayşe Yılmaz' },
  signedAt: '2024-03-05T09:15:02',
};
const BASE = buildEarsivReport({
  taxpayer: '9205121120', integrator: '1234567890', reportId: '7c9e6679-7425-40de-944b-e07fc1f90ae7', period: { start: '2024-03-05', end: '2024-03-05' },
  invoices: [INVOICE, { ...INVOICE, ettn: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', number: 'ABC2024000000002', type: 'YTBSATIS', ytb: { number: '123456', date: '2023-12-01' } }],
  cancellations: [{ number: 'ABC2024000000000', cancelledOn: '2024-03-05', amount: '118.00' }],
}).toString('utf8');

const TYPES = ['SATIS', 'YTBSATIS', 'YTBISTISNA', 'YTBIADE', 'IADE', 'ytbsatis', ' YTBSATIS'];
const WAYS = ['KAPIDAODEME', 'DIGER', 'DIGER - Çek', 'KREDIKARTI/BANKAKARTI', 'EFT/HAVALE', 'ODEMEARACISI', '', 'kapidaodeme'];
const ENTRIES = ['mRapor', 'ymRapor', 'faturaItiraz', 'mustahsilMakbuz', 'adisyon', 'fatura'];

/** One edit of the base report, chosen by the seeded generator. */
function variant(random: ReturnType<typeof rng>): { edit: string; xml: string } {
  const doc = libxml.parseXml(BASE);
  const ns = { e: NS };
  const faturas = doc.find('/e:eArsivRaporu/e:fatura', ns) as libxml.Element[];
  const edit = random.pick(['type', 'drop-ytb', 'internet', 'internet×2', 'no-entries', 'rename-entries', 'type+internet']);
  const internet = (f: libxml.Element, ways: number): void => {
    const block = f.node('internetSatisBilgi');
    block.namespace(NS);
    block.node('webAdresi', 'www.example.com.tr').namespace(NS);
    for (let i = 0; i < ways; i++) block.node('odemeSekli', random.pick(WAYS)).namespace(NS);
    if (random.chance(0.3)) block.node('odemeTarihi', '2024-03-05').namespace(NS);
  };
  if (edit === 'type' || edit === 'type+internet') (random.pick(faturas).get('e:faturaTip', ns) as libxml.Element).text(random.pick(TYPES));
  if (edit === 'drop-ytb') for (const y of doc.find('//e:ytbBilgileri', ns) as libxml.Element[]) y.remove();
  if (edit === 'internet' || edit === 'type+internet') internet(random.pick(faturas), 1);
  if (edit === 'internet×2') internet(random.pick(faturas), 2);
  const entries = doc.find('/e:eArsivRaporu/e:fatura | /e:eArsivRaporu/e:faturaIptal', ns) as libxml.Element[];
  if (edit === 'no-entries') for (const e of entries) e.remove();
  if (edit === 'rename-entries') {
    const name = random.pick(ENTRIES);
    for (const e of entries) e.name(random.chance(0.5) ? name : 'adisyon');
  }
  return { edit, xml: doc.toString() };
}

describe('gib/protocol earsiv-report-schematron: GİB\'s report schematron, natively', function () {
  this.timeout(120_000);

  it('passes the reports the gateway builds; names GİB\'s three rules in GİB\'s words', () => {
    expect(earsivSchematronFailures(parseXml(Buffer.from(BASE)).root)).to.deep.equal([]);
    const noYtb = BASE.replace(/<earsiv:ytbBilgileri>.*?<\/earsiv:ytbBilgileri>/, '');
    expect(earsivSchematronFailures(parseXml(Buffer.from(noYtb)).root)).to.deep.equal([EARSIV_SCHEMATRON_TEXTS.ytb]);
  });

  it('agrees with earsiv_schematron.xsl run by Saxon-HE on 400 seeded variants: same failures, same words, same order', () => {
    if (!saxonAvailable()) throw new Error(`GİB's report schematron needs java and ${SAXON_JAR} (Debian libsaxonhe-java)`);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-earsiv-sch-'));
    try {
      const random = rng(20261205);
      const docs = Array.from({ length: 400 }, () => variant(random));
      fs.mkdirSync(path.join(work, 'in'));
      fs.mkdirSync(path.join(work, 'out'));
      docs.forEach((d, i) => fs.writeFileSync(path.join(work, 'in', `r${i}.xml`), d.xml));
      saxon([`-s:${path.join(work, 'in')}`, `-xsl:${path.join(GIB_DIR, 'earsiv', 'earsiv_schematron.xsl')}`, `-o:${path.join(work, 'out')}`]);
      const differences: string[] = [];
      let refused = 0;
      const byEdit = new Map<string, number>();
      docs.forEach((d, i) => {
        // GİB's stylesheet writes each failure's text on a line of its own (no SVRL).
        const gib = fs.readFileSync(path.join(work, 'out', `r${i}.xml`), 'utf8').replace(/^<\?xml[^>]*\?>/, '')
          .split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter((l) => l !== '');
        const ours = earsivSchematronFailures(parseXml(Buffer.from(d.xml)).root);
        byEdit.set(d.edit, (byEdit.get(d.edit) ?? 0) + 1);
        if (JSON.stringify(gib) !== JSON.stringify(ours)) differences.push(`r${i} (${d.edit}): GİB ${JSON.stringify(gib)} / ours ${JSON.stringify(ours)}`);
        else if (gib.length > 0) refused++;
      });
      console.log(`      ${docs.length - differences.length} of ${docs.length} reports agree with earsiv_schematron.xsl (${refused} refused by both); by edit: ${[...byEdit].map(([e, n]) => `${e} ${n}`).join(', ')}`);
      expect(differences).to.deep.equal([]);
      expect(refused, 'reports both refused').to.be.at.least(100);
      const texts = new Set(docs.flatMap((d) => earsivSchematronFailures(parseXml(Buffer.from(d.xml)).root)));
      expect([...texts].sort(), 'every rule was hit').to.deep.equal(Object.values(EARSIV_SCHEMATRON_TEXTS).sort());
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

/**
 * The CSV journal and the checks before anything is built: what an ERP's export looks like when it is right, and
 * each way it can be wrong (issue 12's bad-input list: wrong separator, missing columns, a non-numeric amount, debit ≠
 * credit in an entry, a gap or a repeat in entry numbers, a date outside the period), each a typed fault that names
 * the line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { GatewayError } from '../../src/faults';
import { createJournalChecker, type JournalPeriod } from '../../src/ledger/journal-checks';
import { CSV_COLUMNS, readCsvJournal, type CsvJournalOptions } from '../../src/ledger/journal-csv';
import { formatKurus, type JournalEntry } from '../../src/ledger/journal';
import { REPO_DIR } from '../helpers/paths';

const HEADER = 'fis_no;fis_tarihi;satir_no;hesap_kodu;hesap_adi;alt_hesap_kodu;alt_hesap_adi;borc;alacak;aciklama;belge_turu;belge_turu_aciklama;belge_no;belge_tarihi;odeme_sekli;fis_aciklama';
const JANUARY: JournalPeriod = { start: '2026-01-01', end: '2026-01-31', firstEntryNumber: 1 };

const sale = (no: number, date: string, amount: string) => [
  `${no};${date};1;120;ALICILAR;120.01;ÖRNEK A.Ş.;${amount};0;Satış faturası;invoice;;EFT2026${String(no).padStart(9, '0')};${date};KREDI KARTI;Satış`,
  `${no};${date};2;600;YURTİÇİ SATIŞLAR;;;0;${amount};;invoice;;EFT2026${String(no).padStart(9, '0')};${date};;`,
];

async function read(csv: string, o?: CsvJournalOptions): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for await (const e of readCsvJournal(Readable.from([Buffer.from(csv)]), o)) out.push(e);
  return out;
}

async function refusal(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GatewayError) return { name: err.fault, message: err.message };
    throw err;
  }
  throw new Error('expected a fault');
}

async function checked(csv: string, period = JANUARY) {
  const checker = createJournalChecker(period);
  for (const e of await read(csv)) checker.check(e);
  return checker.totals();
}

describe('e-Defter: the CSV journal and the checks before signing', () => {
  it('reads entries with their lines, amounts in kuruş, both date forms, a BOM and quoted fields', async () => {
    const csv = `\uFEFF${HEADER}\n${sale(1, '2026-01-05', '1180,00').join('\n')}\n` +
      '2;07.01.2026;1;100;KASA;;;"250.5";0;"Tahsilat; nakit";receipt;;T-1;07.01.2026;;\n2;07.01.2026;2;120;ALICILAR;;;0;250.50;;receipt;;T-1;2026-01-07;;\n';
    const entries = await read(csv);
    expect(entries.map((e) => [e.number, e.date, e.lines.length])).to.deep.equal([[1, '2026-01-05', 2], [2, '2026-01-07', 2]]);
    expect(entries[0]!.lines[0]).to.deep.include({ lineNo: 1, account: '120', subAccount: '120.01', subAccountName: 'ÖRNEK A.Ş.', side: 'D', amount: 118000n, documentType: 'invoice', documentNumber: 'EFT2026000000001', paymentMethod: 'KREDI KARTI' });
    expect(entries[0]!.lines[1]).to.deep.include({ side: 'C', amount: 118000n, subAccount: null });
    expect(entries[1]!.lines[0]).to.deep.include({ amount: 25050n, description: 'Tahsilat; nakit', documentDate: '2026-01-07' });
    const totals = await checked(csv);
    expect({ ...totals, debit: formatKurus(totals.debit), credit: formatKurus(totals.credit) }).to.deep.equal({ entries: 2, lines: 4, debit: '1430.50', credit: '1430.50', lastEntryNumber: 2 });
  });

  it('another separator and no header row, as the upload dialog allows', async () => {
    const csv = sale(1, '2026-01-05', '10').map((l) => l.replaceAll(';', ',')).join('\n');
    expect((await read(csv, { delimiter: ',', header: false }))[0]!.lines).to.have.length(2);
  });

  it('an empty ledger ("Boş defter dosyası") is allowed: no entry, totals zero, the next period starts at the same number', async () => {
    expect(await checked(`${HEADER}\n`, { ...JANUARY, firstEntryNumber: 41 })).to.deep.equal({ entries: 0, lines: 0, debit: 0n, credit: 0n, lastEntryNumber: 40 });
  });

  it('the wrong separator: the header is missing its columns, and the fault says which and suggests the separator', async () => {
    const r = await refusal(read(`${HEADER.replaceAll(';', ',')}\n${sale(1, '2026-01-05', '10').join('\n').replaceAll(';', ',')}`));
    expect(r.name).to.equal('LEDGER_SOURCE');
    expect(r.message).to.equal('DEFTER KAYNAK DOSYASI OKUNAMADI: başlık satırında eksik sütun: fis_no, fis_tarihi, hesap_kodu, hesap_adi, borc, alacak (ayraç ";" mi?)');
  });

  it('a missing column, a row with too few fields, a non-numeric amount, a line with both sides, a bad date: each names its CSV line', async () => {
    const cases: Array<[string, string]> = [
      [`fis_no;fis_tarihi;hesap_kodu;borc;alacak\n1;2026-01-05;100;1;0`, 'başlık satırında eksik sütun: hesap_adi'],
      [`${HEADER}\n1;2026-01-05;1;100;KASA`, 'CSV satır 2: okunamadı (CSV_RECORD_INCONSISTENT_FIELDS_LENGTH)'],
      [`${HEADER}\n${sale(1, '2026-01-05', '1.180,00')[0]}`, 'CSV satır 2: borc sayı değil ("1.180,00")'],
      [`${HEADER}\n1;2026-01-05;1;100;KASA;;;5;5;;;;;;;`, 'CSV satır 2: satırda ya borç ya alacak tutarı olmalı'],
      [`${HEADER}\n1;2026-02-30;1;100;KASA;;;5;0;;;;;;;`, 'CSV satır 2 fis_tarihi: tarih YYYY-AA-GG veya GG.AA.YYYY olmalı ("2026-02-30")'],
      [`${HEADER}\n${sale(1, '2026-01-05', '10').join('\n')}\n${sale(2, '2026-01-06', '10').join('\n')}\n${sale(1, '2026-01-07', '10')[0]}`, 'CSV satır 6: 1 numaralı fişin satırları ardışık değil'],
      [`${HEADER}\n${sale(1, '2026-01-05', '10')[0]}\n${sale(1, '2026-01-06', '10')[1]}`, 'CSV satır 3: 1 numaralı fişin satırlarında farklı tarihler var'],
    ];
    for (const [csv, detail] of cases) expect(await refusal(read(csv)), detail).to.deep.equal({ name: 'LEDGER_SOURCE', message: `DEFTER KAYNAK DOSYASI OKUNAMADI: ${detail}` });
  });

  it('debit ≠ credit in an entry, a gap and a repeat in entry numbers, a date outside the period or going back: each its own fault', async () => {
    const lines = (...entries: string[][]) => `${HEADER}\n${entries.flat().join('\n')}`;
    const unbalanced = [...sale(1, '2026-01-05', '10'), '1;2026-01-05;3;391;HESAPLANAN KDV;;;0;1.80;;;;;;;'];
    const cases: Array<[string, string, string]> = [
      [lines(unbalanced), 'LEDGER_UNBALANCED', 'BORÇ VE ALACAK TOPLAMLARI EŞİT DEĞİL: 1 numaralı madde (CSV satır 2): borç 10.00, alacak 11.80'],
      [lines(sale(1, '2026-01-05', '10'), sale(3, '2026-01-06', '10')), 'LEDGER_SEQUENCE', 'YEVMİYE MADDE NUMARALARI MÜTESELSİL DEĞİL: 3 numaralı madde (CSV satır 4): 2 bekleniyordu, 2–2 eksik'],
      [lines(sale(2, '2026-01-05', '10')), 'LEDGER_SEQUENCE', 'YEVMİYE MADDE NUMARALARI MÜTESELSİL DEĞİL: 2 numaralı madde (CSV satır 2): 1 bekleniyordu, 1–1 eksik'],
      [lines(sale(1, '2025-12-31', '10')), 'LEDGER_DATE', 'KAYIT TARİHİ DÖNEM İÇİNDE VE SIRALI DEĞİL: 1 numaralı madde (CSV satır 2): 2025-12-31 tarihi 2026-01-01–2026-01-31 dönemi dışında'],
      [lines(sale(1, '2026-01-09', '10'), sale(2, '2026-01-08', '10')), 'LEDGER_DATE', 'KAYIT TARİHİ DÖNEM İÇİNDE VE SIRALI DEĞİL: 2 numaralı madde (CSV satır 4): 2026-01-08 tarihi önceki maddenin tarihinden (2026-01-09) önce'],
      [lines([sale(1, '2026-01-05', '10')[0]!]), 'LEDGER_UNBALANCED', 'BORÇ VE ALACAK TOPLAMLARI EŞİT DEĞİL: 1 numaralı madde (CSV satır 2): bir madde en az iki satırdır'],
    ];
    for (const [csv, name, message] of cases) expect(await refusal(checked(csv)), message).to.deep.equal({ name, message });
    // A repeat: the reader refuses an entry number seen before; the checker refuses one that goes back.
    const checker = createJournalChecker(JANUARY);
    const [one] = await read(lines(sale(1, '2026-01-05', '10')));
    checker.check(one!);
    expect(() => checker.check(one!)).to.throw('1 numaralı madde (CSV satır 2): 2 bekleniyordu, tekrar veya geri gidiyor');
  });

  it('the README documents every column the reader knows, and its sample reads and checks as a January ledger', async () => {
    const readme = fs.readFileSync(path.join(REPO_DIR, 'README.md'), 'utf8');
    const table = /### e-Defter: the CSV journal[\s\S]*?\n\| column \| what it holds \|\n\|---\|---\|\n((?:\|.*\n)+)/.exec(readme)![1]!;
    const documented = [...table.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).filter((c) => (CSV_COLUMNS as readonly string[]).includes(c!));
    expect([...new Set(documented)].sort()).to.deep.equal([...CSV_COLUMNS].sort());
    expect(readme).to.contain('[`examples/ledger/1234567801-202601.csv`]');
    const checker = createJournalChecker(JANUARY);
    for await (const e of readCsvJournal(fs.createReadStream(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv')))) checker.check(e);
    const t = checker.totals();
    expect([t.entries, t.lines, formatKurus(t.debit), formatKurus(t.credit)]).to.deep.equal([3, 7, '52400.00', '52400.00']);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { EFATURA_FAULTS, GIB_STATUSES, SYSTEM_ENVELOPE_RESPONSE_CODES, gibStatus, gibText } from '../../src/gib/protocol/codes';
import { GibProtocolError, gibErrorFromXml } from '../../src/gib/protocol/errors';
import { GatewayError } from '../../src/faults';
import { GIB_DIR, doc } from './helpers';

/**
 * A code table as GİB prints it: "1000      ZARF KUYRUGA EKLENDI" per line, but a long text wraps around its code
 * ("GONDERILEN … FATURAYI" / "1163" / "ICERMEKTEDIR."), and page headers interrupt the table.
 */
function readTable(text: string, from: string, to: string): Map<number, string> {
  const start = text.indexOf(from);
  const end = text.indexOf(to, start);
  expect(start, from).to.be.greaterThan(-1);
  expect(end, to).to.be.greaterThan(start);
  const lines = text
    .slice(start + from.length, end)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(e-Fatura Uygulaması|E-Fatura Uygulaması|Versiyon|Durum Kodu|Hata Kodu)/.test(l));
  const table = new Map<number, string>();
  let before = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^([0-9]{4})(?:\s+(.+))?$/.exec(line);
    if (!m) {
      before = line;
      continue;
    }
    if (m[2]) {
      table.set(Number(m[1]), m[2].replace(/\s+/g, ' '));
    } else {
      // The code stands alone: its text is the line before it and the line after it.
      const after = lines[++i]!;
      table.set(Number(m[1]), `${before} ${after}`.replace(/\s+/g, ' '));
    }
    before = '';
  }
  return table;
}

describe('gib/protocol codes', () => {
  it('the status table is Ek-2 §4 exactly: every code, GİB’s text character for character', () => {
    const ek2 = doc('efatura-Ek-2e-FaturaUygulamasiSistemYanitiSemaYapisi-v1.5.txt');
    const table = readTable(ek2, 'Durum kodları ve açıklamaları aşağıdaki gibidir.', 'Temel fatura senaryosu için');
    expect(table.size).to.equal(38);
    expect([...table.keys()].sort()).to.deep.equal(Object.keys(GIB_STATUSES).map(Number).sort());
    for (const [code, text] of table) expect(GIB_STATUSES[code]!.text, String(code)).to.equal(text);
    // GİB's spelling, kept as printed (the brief in DOMAIN.md normalises some of it).
    expect(GIB_STATUSES[1120]!.text).to.equal('ZARF ARSIVDEN_KOPYALANAMADI');
    expect(GIB_STATUSES[1177]!.text).to.equal('GEÇERSİZ İMZA');
    expect(GIB_STATUSES[1215]!.text).to.equal('DOKUMAN GONDERIMI BASARISIZ. TERKAR GONDERME SONLANDI');
    expect(GIB_STATUSES[1163]!.text).to.equal('GONDERILEN ZARF SISTEMDE DAHA ONCE KAYITLI OLAN BIR FATURAYI ICERMEKTEDIR.');
  });

  it('the EFatura fault table is Ek-3 §8 exactly', () => {
    const ek3 = doc('efatura-Ek-3e-FaturaUygulamasiYazilimStandartlariVeNesneYapisi-v1.4.txt');
    const table = readTable(ek3, 'açıklamaları aşağıdaki tabloda belirtilmiştir.', 'Örnek:');
    expect(Object.fromEntries(table)).to.deep.equal(Object.fromEntries(Object.entries(EFATURA_FAULTS).map(([k, v]) => [Number(k), v])));
    expect(gibText(2000)).to.equal('OZET DEGERLER ESIT DEGIL');
    expect(gibText(2007)).to.equal('PAKET GÖNDERMEYE VE SORGULAMAYA YETKİNİZ GEÇİCİ OLARAK KALDIRILMIŞTIR.');
  });

  it('classifies codes by Ek-2 §4.1: queue states pending, 11xx final errors, 1200 success but not final, 1300 final', () => {
    expect(gibStatus(1000)).to.include({ final: false, outcome: 'pending' });
    expect(gibStatus(1100)).to.include({ final: false, outcome: 'pending' });
    for (const code of Object.keys(GIB_STATUSES).map(Number).filter((c) => c > 1100 && c < 1200)) {
      expect(gibStatus(code), String(code)).to.include({ final: true, outcome: 'error' });
    }
    expect(gibStatus(1200)).to.include({ final: false, outcome: 'success' });
    expect(gibStatus(1210)).to.include({ final: false, outcome: 'error' });
    expect(gibStatus(1215)).to.include({ final: true, outcome: 'error' });
    expect(gibStatus(1220)).to.include({ final: false, outcome: 'pending' });
    expect(gibStatus(1230)).to.include({ final: true, outcome: 'error' });
    expect(gibStatus(1235)).to.include({ final: true, outcome: 'cancelled' });
    expect(gibStatus(1300)).to.include({ final: true, outcome: 'success' });
    // 1191 is in GİB's codelist but not in Ek-2: still a processing error; an unknown code elsewhere stays open.
    expect(gibStatus(1191)).to.include({ code: 1191, text: '', final: true, outcome: 'error' });
    expect(gibStatus(1400)).to.include({ final: false, outcome: 'pending' });
  });

  it('the SYSTEMENVELOPE code list is GİB’s codelist (AppResponseCodeType)', () => {
    const codelist = fs.readFileSync(path.join(GIB_DIR, 'e-fatura-paketi', 'schematron', 'UBL-TR_Codelist.xml'), 'utf8');
    const m = /name="AppResponseCodeType"\s+value="',([0-9,]+),'"/.exec(codelist);
    expect(m).to.not.equal(null);
    expect([...SYSTEM_ENVELOPE_RESPONSE_CODES].sort()).to.deep.equal(m![1]!.split(',').map(Number).sort());
  });

  it('GibProtocolError carries GİB’s code and text, and says whether it answers the call or a system response', () => {
    const e = new GibProtocolError(1133, 'x.xml');
    expect(e.gibCode).to.equal(1133);
    expect(e.gibText).to.equal('ZARF ID VE XML DOSYASININ ADI AYNI OLMALI');
    expect(e.message).to.equal('ZARF ID VE XML DOSYASININ ADI AYNI OLMALI: x.xml');
    expect(e.synchronous).to.equal(false);
    expect(new GibProtocolError(2000).synchronous).to.equal(true);
    expect(new GibProtocolError(1140, 'y'.repeat(1000)).detail).to.have.length(301);
    const mapped = gibErrorFromXml(new GatewayError('XML_UNPARSABLE', { detail: 'line 1' })) as GibProtocolError;
    expect(mapped.gibCode).to.equal(1140);
    expect((gibErrorFromXml(new GatewayError('XML_NOT_XML')) as GibProtocolError).gibCode).to.equal(1132);
    expect((gibErrorFromXml(new GatewayError('DOCUMENT_DOCTYPE')) as GibProtocolError).gibCode).to.equal(1140);
  });
});

/**
 * A Yevmiye over the part size is split (Teknik Kılavuz §2.2, issue 12): no entry spans two parts, each part is at
 * most the limit, the parts together hold exactly the month's entries in order, each part's periodCoveredStart/End
 * follow the guide (the month's first day for the first part and its last for the last; a part starts on its first
 * entry's day but never after the day following the previous part's end; it ends on its last entry's day), and each
 * part passes GİB's XSD (xmllint) and edefter_yevmiye.sch (natively). A month that fits is one part, 000000, written once.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { XML_DECLARATION } from '../../src/ledger/canonical-out';
import type { JournalEntry } from '../../src/ledger/journal';
import { createPartedYevmiye, createYevmiyeWriter, type PartFile, type YevmiyeHeader } from '../../src/ledger/yevmiye-writer';
import { canonicalize } from '../../src/xml/c14n';
import { parseXml } from '../../src/xml/parse';
import { tempDir } from '../helpers/db';
import { PLACEHOLDER_SIGNATURE, demoDocument, edefterXsdProblems, generatedJournal } from '../helpers/edefter';
import { yevmiyeRuleFailures } from '../../src/ledger/yevmiye-rules';

const HEADER: YevmiyeHeader = { ...demoDocument('Y'), firstLineNumber: 1 };
const headersOf = (xml: string) => [...xml.matchAll(/<gl-cor:entryHeader>.*?<\/gl-cor:entryHeader>/gs)].map((m) => m[0]);
const valueOf = (xml: string, element: string) => new RegExp(`<${element} [^>]*>([^<]*)</${element}>`).exec(xml)![1]!;
const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

async function parted(entries: JournalEntry[], maxBytes: number, dir: string) {
  const files: string[] = [];
  const open = async (part: number): Promise<PartFile> => {
    const tempPath = path.join(dir, `part-${part}-${crypto.randomUUID()}.xml`);
    files.push(tempPath);
    const out = fs.createWriteStream(tempPath);
    const closed = new Promise<void>((r) => out.on('close', () => r()));
    return { out, tempPath, abort: async () => (out.destroy(), await closed, fs.rmSync(tempPath, { force: true })) };
  };
  const w = await createPartedYevmiye(HEADER, maxBytes, open);
  const placed: number[] = [];
  for (const e of entries) placed.push((await w.entry(e)).part);
  const { parts, nextLineNumber } = await w.end();
  // The caller ends a part's stream (the gateway: by committing the file).
  for (const p of parts) await new Promise<void>((r) => p.file.out.end(() => r()));
  return { parts: parts.map((p) => ({ ...p, xml: fs.readFileSync(p.file.tempPath, 'utf8') })), placed, nextLineNumber, leftOver: files.filter((f) => fs.existsSync(f) && !parts.some((p) => p.file.tempPath === f)) };
}

describe('e-Defter: a Yevmiye over the part size is split as GİB\'s Teknik Kılavuz says', function () {
  this.timeout(120_000);
  const dir = tempDir('gw-parts-');
  const entries = generatedJournal(900);
  // A folder without digit-dash runs: GİB's rules read the VKN and period from the file's URI.
  const work = fs.mkdtempSync(path.join(tempDir('gw-parts-rules'), 'work'));

  it('no entry spans two parts, each part is within the limit, together they are the month\'s entries in order, and their dates leave no day out', async () => {
    const whole = await parted(entries, 200 * 1024 * 1024, dir);
    expect(whole.parts.map((p) => p.part)).to.deep.equal([0]);
    const maxBytes = Math.ceil(Buffer.byteLength(whole.parts[0]!.xml) / 4.5);
    const split = await parted(entries, maxBytes, dir);
    expect(split.parts.map((p) => p.part)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(split.leftOver, 'the first writing of a full part is removed').to.deep.equal([]);
    expect(split.nextLineNumber).to.equal(whole.nextLineNumber);
    for (const p of split.parts) expect(Buffer.byteLength(p.xml) + 16 * 1024, `part ${p.part} and its seal`).to.be.at.most(maxBytes);
    expect(split.parts.flatMap((p) => headersOf(p.xml))).to.deep.equal(headersOf(whole.parts[0]!.xml));
    expect(split.placed.filter((n, i) => i > 0 && n < split.placed[i - 1]!), 'entries go to parts in order').to.deep.equal([]);

    expect(split.parts[0]!.periodStart).to.equal(HEADER.periodStart);
    expect(split.parts[split.parts.length - 1]!.periodEnd).to.equal(HEADER.periodEnd);
    split.parts.forEach((p, i) => {
      expect([valueOf(p.xml, 'gl-cor:periodCoveredStart'), valueOf(p.xml, 'gl-cor:periodCoveredEnd')]).to.deep.equal([p.periodStart, p.periodEnd]);
      const dates = headersOf(p.xml).map((h) => valueOf(h, 'gl-cor:enteredDate'));
      expect(dates.every((d) => d >= p.periodStart && d <= p.periodEnd), `part ${p.part}'s entries within its dates`).to.equal(true);
      if (i < split.parts.length - 1) expect(p.periodEnd, 'a part ends on its last entry\'s day').to.equal(dates[dates.length - 1]);
      if (i > 0) {
        const before = split.parts[i - 1]!.periodEnd;
        expect(p.periodStart >= before && p.periodStart <= nextDay(before), `part ${p.part} starts ${p.periodStart}, the one before ends ${before}`).to.equal(true);
        expect(p.periodStart).to.equal(dates[0]! < nextDay(before) ? dates[0] : nextDay(before));
      }
      // The digest each part will be sealed with is its canonical form's.
      expect(crypto.createHash('sha256').update(canonicalize(parseXml(p.xml))).digest('base64')).to.equal(p.digest);
      expect(p.xml.startsWith(XML_DECLARATION)).to.equal(true);
    });

    const named = Object.fromEntries(split.parts.map((p) => [`1234567801-202601-Y-${String(p.part).padStart(6, '0')}.xml`, p.xml.replace('</edefter:defter>', `${PLACEHOLDER_SIGNATURE}</edefter:defter>`)]));
    for (const [name, xml] of Object.entries(named)) {
      fs.writeFileSync(path.join(work, name), xml);
      expect(edefterXsdProblems(path.join(work, name)), name).to.deep.equal([]);
    }
    // GİB's rules, natively (src/ledger/yevmiye-rules.ts, held to GİB's file by Saxon-HE in yevmiye-rules.test.ts).
    expect(Object.fromEntries(Object.entries(named).map(([n, xml]) => [n, yevmiyeRuleFailures(parseXml(xml, { maxNodes: 5_000_000 }), n)]))).to.deep.equal(Object.fromEntries(Object.keys(named).map((n) => [n, []])));
  });

  it('a month that fits is part 0, byte for byte what the one-part writer writes', async () => {
    const few = entries.slice(0, 40);
    const { parts } = await parted(few, 200 * 1024 * 1024, dir);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const w = await createYevmiyeWriter(out, HEADER);
    for (const e of few) await w.entry(e);
    await w.end('');
    expect(parts.map((p) => p.part)).to.deep.equal([0]);
    expect(parts[0]!.xml).to.equal(Buffer.concat(chunks).toString('utf8'));
  });
});

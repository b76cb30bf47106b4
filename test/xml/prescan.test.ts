/**
 * The scan of raw bytes that runs before the parser's view of a large document (src/xml/prescan.ts) against the
 * parser itself: at every limit's boundary it lets through what the parser lets through and refuses with the very
 * fault the parser gives; on thousands of broken documents it never refuses one the parser takes.
 */
import { expect } from 'chai';
import { GatewayError } from '../../src/faults';
import { DOCUMENT_LIMITS, SOAP_REQUEST_LIMITS, parseXml, type XmlLimits } from '../../src/xml/parse';
import { LimitScanner, PRESCAN_BYTES, prescanLimits } from '../../src/xml/prescan';
import { makeInvoice } from '../helpers/invoices';
import { envelope, securityHeader, sendInvoiceBody } from '../helpers/raw-soap';
import { seededRandom, smallGibSamples } from './samples';

const KEYS = Object.keys(DOCUMENT_LIMITS) as (keyof XmlLimits)[];
const NONE: XmlLimits = Object.fromEntries(KEYS.map((k) => [k, Number.POSITIVE_INFINITY])) as unknown as XmlLimits;

/** The fault's message, '' when it passes. */
function verdict(fn: () => unknown): string {
  try {
    fn();
    return '';
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    return `${e.fault}: ${e.message}`;
  }
}

const parserSays = (b: Buffer, l: XmlLimits) => verdict(() => parseXml(b, l));
const scanSays = (b: Buffer, l: XmlLimits) => verdict(() => prescanLimits(b, l));
/** The same scan fed in pieces of random sizes (1 to 64 bytes, now and then the rest at once), or byte by byte. */
function scanInChunksSays(b: Buffer, l: XmlLimits, rnd: ((n: number) => number) | null): string {
  return verdict(() => {
    const s = new LimitScanner(l);
    for (let i = 0; i < b.length; ) {
      const size = rnd === null ? 1 : rnd(10) === 0 ? b.length : 1 + rnd(64);
      s.write(b.subarray(i, i + size));
      i += size;
    }
  });
}

/** The smallest value of `key` the parser accepts `b` with (every other limit off). */
function exact(b: Buffer, key: keyof XmlLimits): number {
  let lo = 0;
  let hi = b.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (parserSays(b, { ...NONE, [key]: mid }) === '') hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const handMade = [
  '<?xml version="1.0" encoding="UTF-8"?>\n<!-- before --><?pi data?><r xmlns="u:r" xmlns:p="u:p" a="1" p:b=\'2\'>text<![CDATA[ <cdata> ]]>more<!-- c --><p:c xmlns:q="u:q"><q:d/></p:c>tail</r>\n<!-- after -->',
  '\ufeff<a><b>1</b><b>22</b><b>333</b><b><c><d><e>deep</e></d></c></b></a>',
  '<a\n  x = "1"\n\ty=\'&lt;2&gt;\'   ><?p?><![CDATA[]]><!----></a  >',
  '<ş:a xmlns:ş="u:s" ş:ğ="ü"><ş:b>ç</ş:b></ş:a>',
  '<r><a xmlns:a="u:1"><b xmlns:b="u:2"><c xmlns:c="u:3"/></b></a><a/></r>',
  // Terminators' first bytes inside the constructs they end, where a chunk boundary may fall.
  '<r><![CDATA[a]b]]c]]]]]><![CDATA[]]]]><!-- -x- ->x- --><?p ? >?x??></r>',
];

describe('xml: the scan before the view agrees with the parser', () => {
  const docs = [
    ...handMade.map((s) => Buffer.from(s, 'utf8')),
    ...smallGibSamples().slice(0, 12).map((s) => Buffer.from(s, 'latin1')),
    Buffer.from(makeInvoice({ lines: 3 })),
    Buffer.from(envelope(sendInvoiceBody(Buffer.from(makeInvoice())), securityHeader('erp', 'secret'))),
  ];

  it('at each limit’s boundary: passes at the parser’s smallest accepted value, and one below gives the parser’s very fault — whole or in chunks', function () {
    this.timeout(60_000);
    const rnd = seededRandom(7);
    let checked = 0;
    for (const b of docs) {
      expect(parserSays(b, DOCUMENT_LIMITS), b.toString('utf8', 0, 80)).to.equal('');
      for (const key of KEYS) {
        const v = exact(b, key);
        const at = { ...NONE, [key]: v };
        expect(scanSays(b, at), `${key}=${v} on ${b.toString('utf8', 0, 60)}`).to.equal('');
        expect(scanInChunksSays(b, at, null), `bytes, ${key}=${v}`).to.equal('');
        for (let r = 0; r < 3; r++) expect(scanInChunksSays(b, at, rnd), `chunks, ${key}=${v}`).to.equal('');
        if (v === 0) continue;
        const below = { ...NONE, [key]: v - 1 };
        const parser = parserSays(b, below);
        expect(parser, key).to.match(/^DOCUMENT_LIMIT/);
        expect(scanSays(b, below), `${key}=${v - 1} on ${b.toString('utf8', 0, 60)}`).to.equal(parser);
        expect(scanInChunksSays(b, below, null), `bytes, ${key}=${v - 1}`).to.equal(parser);
        for (let r = 0; r < 3; r++) expect(scanInChunksSays(b, below, rnd), `chunks, ${key}=${v - 1}`).to.equal(parser);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(docs.length * 5);
  });

  it('never refuses a broken document the parser takes under the same limits (4,000 mutations, fixed seed)', function () {
    this.timeout(120_000);
    const texts = smallGibSamples();
    const rnd = seededRandom(20260917);
    const pieces = ['<', '>', '/', '=', '"', "'", '?', '!', '-', '<!--', '-->', '<![CDATA[', ']]>', '<?', '?>', 'xmlns:p="u:p" ', 'xmlns="u:x" ', ' a="1"', '<a>', '</a>', '<a/>', ' ', '\n'];
    let refusedByScan = 0;
    for (let i = 0; i < 4000; i++) {
      const original = texts[rnd(texts.length)]!;
      const ob = Buffer.from(original, 'latin1');
      // Tight limits: the original's own values (found once per text below), so mutations cross them often.
      const limits = tight(ob);
      let s = original;
      for (let k = 1 + rnd(3); k > 0; k--) {
        const at = rnd(s.length);
        const piece = pieces[rnd(pieces.length)]!;
        s = rnd(2) === 0 ? s.slice(0, at) + piece + s.slice(at) : s.slice(0, at) + s.slice(at + 1 + rnd(4));
      }
      const b = Buffer.from(s, 'latin1');
      const scan = scanSays(b, limits);
      const chunked = scanInChunksSays(b, limits, rnd);
      if (scan === '' && chunked === '') continue;
      refusedByScan++;
      expect(parserSays(b, limits), `scan: ${scan || chunked} on ${s.slice(0, 80)}`).not.to.equal('');
    }
    expect(refusedByScan).to.be.greaterThan(100); // the mutations do cross the limits
  });

  it('runs for documents of 1 MiB and more; a small one goes straight to the parser', () => {
    const big = Buffer.from(envelope(`<gw:X a="${'a'.repeat(PRESCAN_BYTES)}"/>`, null));
    // The scan's fault is the parser's: same code, same offset.
    expect(verdict(() => parseXml(big, SOAP_REQUEST_LIMITS))).to.equal(verdict(() => prescanLimits(big, { ...SOAP_REQUEST_LIMITS })));
  });
});

const tightCache = new Map<Buffer | string, XmlLimits>();
function tight(b: Buffer): XmlLimits {
  const key = b.toString('latin1', 0, 200) + b.length;
  let l = tightCache.get(key);
  if (!l) {
    l = Object.fromEntries(KEYS.map((k) => [k, exact(b, k)])) as unknown as XmlLimits;
    tightCache.set(key, l);
  }
  return l;
}

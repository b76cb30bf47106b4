/**
 * The parser's limits (src/xml/limits.ts): each one lets a document at the limit through and stops one past it with
 * DOCUMENT_LIMIT at the place it is passed; the two sets (documents, SOAP requests) fit what they are for; and the
 * shapes that used to cost more than linear time or memory now cost neither.
 */
import { expect } from 'chai';
import { GatewayError } from '../../src/faults';
import { DOCUMENT_LIMITS, SOAP_REQUEST_LIMITS, parseXml, type XmlLimits } from '../../src/xml/parse';
import { makeInvoice } from '../helpers/invoices';
import { envelope, securityHeader, sendInvoiceBody } from '../helpers/raw-soap';

function limitFault(xml: string | Buffer, limits: Partial<XmlLimits>): GatewayError {
  try {
    parseXml(Buffer.isBuffer(xml) ? xml : Buffer.from(xml), limits);
  } catch (e) {
    expect(e).to.be.instanceOf(GatewayError);
    return e as GatewayError;
  }
  throw new Error('expected DOCUMENT_LIMIT');
}

/** `ok` parses under `limits`; `over` fails with DOCUMENT_LIMIT whose detail names `what` and the byte offset `at`. */
function boundary(limits: Partial<XmlLimits>, ok: string, over: string, what: RegExp, at?: number): void {
  expect(() => parseXml(Buffer.from(ok), limits)).not.to.throw();
  const e = limitFault(over, limits);
  expect(e.fault, e.message).to.equal('DOCUMENT_LIMIT');
  expect(e.code).to.equal(4009);
  expect(e.message).to.match(what);
  if (at !== undefined) expect(e.message).to.contain(`bayt ${at}:`);
}

const nest = (n: number) => `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`;

describe('xml: limits', () => {
  it('maxDepth: the root is at depth 1', () => {
    boundary({ maxDepth: 3 }, nest(3), nest(4), /derinligi en fazla 3/, 9);
    boundary({}, nest(256), nest(257), /derinligi en fazla 256/);
  });

  it('maxNodes: elements, comments, processing instructions and CDATA sections', () => {
    boundary({ maxNodes: 3 }, '<r><a/><b/></r>', '<r><a/><b/><c/></r>', /sayisi en fazla 3/, 11);
    boundary({ maxNodes: 3 }, '<r><!--1--><?p?></r>', '<r><!--1--><?p?><![CDATA[x]]></r>', /sayisi en fazla 3/, 16);
    boundary({ maxNodes: 2 }, '<!--before--><r/>', '<!--before--><r/><!--after-->', /sayisi en fazla 2/);
  });

  it('maxAttributes: per start tag, namespace declarations included', () => {
    boundary({ maxAttributes: 2 }, '<r a="1" xmlns:p="u:p"/>', '<r a="1" xmlns:p="u:p" b="2"/>', /oznitelik sayisi en fazla 2/, 23);
  });

  it('maxNamespaces: declarations in scope along the chain, shadowed ones too', () => {
    boundary({ maxNamespaces: 2 }, '<r xmlns="u:a"><s xmlns="u:b"/></r>', '<r xmlns="u:a"><s xmlns="u:b"><t xmlns="u:c"/></s></r>', /ad alani bildirimi sayisi en fazla 2/, 30);
  });

  it('maxNameBytes: element, attribute and PI names, in bytes', () => {
    boundary({ maxNameBytes: 4 }, '<abcd efgh="1"/>', '<abcde/>', /adin uzunlugu \(bayt\) en fazla 4/, 1);
    boundary({ maxNameBytes: 4 }, '<a efgh="1"/>', '<a efghi="1"/>', /adin uzunlugu/, 3);
    boundary({ maxNameBytes: 4 }, '<a><?abcd?></a>', '<a><?abcde?></a>', /adin uzunlugu/, 5);
    boundary({ maxNameBytes: 4 }, '<şş/>', '<şşş/>', /adin uzunlugu/);
  });

  it('maxAttributeBytes: the value as written, before references are expanded', () => {
    boundary({ maxAttributeBytes: 5 }, '<r a="&lt;1"/>', '<r a="&lt;12"/>', /oznitelik degeri \(bayt\) en fazla 5/, 6);
  });

  it('maxTextBytes: an element\'s character data as written, text and CDATA sections together', () => {
    boundary({ maxTextBytes: 4 }, '<r>&lt;</r>', '<r>&amp;</r>', /metni \(bayt\) en fazla 4/);
    boundary({ maxTextBytes: 4 }, '<r>ab<!----><![CDATA[c]]>d</r>', '<r>ab<!----><![CDATA[cd]]>e</r>', /metni/);
    // Counted per element: the children's text does not add up in their parent.
    expect(() => parseXml(Buffer.from('<r><a>abcd</a><b>abcd</b></r>'), { maxTextBytes: 4 })).not.to.throw();
  });

  it('the document limits take a 5,000-line invoice; the SOAP request limits a SendInvoice with a large document', () => {
    const big = makeInvoice({ lines: 5000 });
    expect(parseXml(Buffer.from(big)).elementCount).to.be.greaterThan(80_000);
    const request = envelope(sendInvoiceBody(Buffer.alloc(15 * 1024 * 1024, 0x41)), securityHeader('erp', 'secret'));
    const doc = parseXml(Buffer.from(request), SOAP_REQUEST_LIMITS);
    expect(doc.elementCount).to.be.lessThan(20);
    expect(DOCUMENT_LIMITS.maxTextBytes).to.be.greaterThan(20 * 1024 * 1024);
  });

  it('a SOAP request whose wrapper carries a 19 MB attribute stops at that attribute', () => {
    const request = envelope(`<gw:SendInvoiceRequest junk="${'a'.repeat(19 * 1024 * 1024)}"><gw:document>QQ==</gw:document></gw:SendInvoiceRequest>`, null);
    const e = limitFault(request, SOAP_REQUEST_LIMITS);
    expect(e.fault).to.equal('DOCUMENT_LIMIT');
    expect(e.message).to.contain(`bayt ${request.indexOf('junk="') + 6}:`);
  });

  it('limits left out of the options keep their defaults', () => {
    expect(limitFault(nest(257), { maxNodes: 1000 }).fault).to.equal('DOCUMENT_LIMIT');
  });

  describe('costs that were more than linear', () => {
    const unlimited: Partial<XmlLimits> = { maxNodes: Infinity, maxAttributes: Infinity, maxAttributeBytes: Infinity, maxTextBytes: Infinity };

    it('many CDATA sections in one text: 400,000 in well under a second (the CR check flattened the text each time)', () => {
      const t0 = Date.now();
      const doc = parseXml(Buffer.from(`<r>${'<![CDATA[x]]>'.repeat(400_000)}</r>`), unlimited);
      expect(doc.root.text).to.have.length(400_000);
      expect(Date.now() - t0).to.be.lessThan(3000); // was minutes
    });

    it('many attributes on one tag: duplicates found by hash (20,000 took 0.55 s before)', () => {
      const attrs = Array.from({ length: 50_000 }, (_, i) => `a${i}="${i}"`).join(' ');
      const t0 = Date.now();
      expect(parseXml(Buffer.from(`<r ${attrs}/>`), unlimited).root.attrs).to.have.length(50_000);
      expect(Date.now() - t0).to.be.lessThan(2000);
      expect(limitFault(`<r ${attrs} a49999="x"/>`, unlimited).fault).to.equal('XML_UNPARSABLE');
    });

    it('references are expanded into one buffer, not a rope of one string each', () => {
      const doc = parseXml(Buffer.from(`<r a="${'&#x15F;&lt;\r\n\t'.repeat(50_000)}">${'&#65;&#x15f;&#128512;&amp;\r'.repeat(200_000)}</r>`), unlimited);
      expect(doc.root.attrs[0]!.value).to.equal('ş<  '.repeat(50_000));
      expect(doc.root.text).to.equal('Aş\u{1F600}&\n'.repeat(200_000)); // a literal CR is a line end
    });
  });
});

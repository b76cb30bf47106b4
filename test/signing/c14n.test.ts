/**
 * Our tokenizer and canonicaliser (src/signing/xml.ts) against libxml2's (`xmllint --c14n`, `--exc-c14n`, both
 * "with comments") on every XML file of GİB's package and on hand-made edge cases. The C14N of document subsets
 * (SignedInfo, SignedProperties) is checked end to end by xmlsec1 in xades.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  C14N,
  C14N_COMMENTS,
  EXC_C14N,
  EXC_C14N_COMMENTS,
  XmlError,
  canonicalize,
  parseXml,
  type C14nMethod,
} from '../../src/signing/xml';
import { GIB_DIR } from '../helpers/paths';
import { tempDir } from './fixtures';

const execFileP = promisify(execFile);

async function xmllint(file: string, flag: '--c14n' | '--exc-c14n'): Promise<string | null> {
  try {
    const { stdout } = await execFileP('xmllint', [flag, file], { maxBuffer: 1 << 28, encoding: 'buffer' });
    return stdout.toString('utf8');
  } catch {
    return null; // libxml2 refuses a few schematron files (relative namespace URIs)
  }
}

function xmlFiles(dir: string, out: string[] = []): string[] {
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) xmlFiles(p, out);
    else if (/\.(xml|xsd|xsl|xslt|sch|wsdl)$/i.test(name)) out.push(p);
  }
  return out;
}

function parseFails(xml: string | Buffer, kind?: XmlError['kind']): void {
  assert.throws(
    () => parseXml(xml),
    (err: unknown) => err instanceof XmlError && (kind === undefined || err.kind === kind),
  );
}

describe('signing/xml C14N', function () {
  this.timeout(120_000);

  it('matches xmllint --c14n and --exc-c14n on every XML file of GİB\'s package', async () => {
    const files = xmlFiles(GIB_DIR);
    let compared = 0;
    const skipped: string[] = [];
    const queue = files.slice();
    const worker = async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        let doc;
        try {
          doc = parseXml(fs.readFileSync(f));
        } catch (err) {
          // A DOCTYPE (UBL-xmldsig-core-schema) or a sample that is not well-formed (7_UYGULAMA_YANITI_IADE.xml).
          skipped.push(`${path.basename(f)}: ${(err as Error).message}`);
          continue;
        }
        for (const [method, flag] of [[C14N_COMMENTS, '--c14n'], [EXC_C14N_COMMENTS, '--exc-c14n']] as const) {
          const expected = await xmllint(f, flag);
          if (expected === null) continue;
          assert.equal(canonicalize(doc, { method }), expected, `${flag} ${f}`);
          compared++;
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    assert.ok(compared >= 290, `compared ${compared}`);
    assert.ok(skipped.length <= 3, skipped.join('\n'));
  });

  it('matches xmllint on edge cases: references, CDATA, attribute normalisation, namespaces, PIs and comments, CRLF', async () => {
    const cases = [
      '<?xml version="1.0" encoding="utf-8"?>\r\n<!--c1-->\r\n<?pi-before  data  ?>\r\n<r xmlns="urn:d" xmlns:a="urn:a" a:z="1" b="2" a="3"><!--in--><e xmlns="" /><a:e xmlns:a="urn:a" xmlns:b="urn:b" b:x="&#x9;&#10;&#13;" y="a\r\nb\tc"/></r>\r\n<?pi-after?>\r\n<!--c2-->',
      '<r>&lt;&gt;&amp;&quot;&apos;&#65;&#x10000;<![CDATA[<&>]]>\r\n\r]]&gt;</r>',
      '<r xmlns:p="urn:1"><s xmlns:p="urn:2"><t xmlns:p="urn:1" p:a="x"/></s><u xmlns:p="urn:1"/></r>',
      '<p:r xmlns:p="urn:p" xmlns:q="urn:q" xml:lang="tr"><q:s xml:space="preserve"> x </q:s><t xmlns="urn:t"><v xmlns="urn:t" w="&quot;&lt;&gt;"/></t></p:r>',
      '<r a="&#xD;&#xA;&#x9;" b=\'single "quoted"\'>\t&#xD;</r>',
      '\ufeff<r>BOM</r>',
    ];
    const dir = tempDir('c14n');
    for (const [i, xml] of cases.entries()) {
      const file = path.join(dir, `${i}.xml`);
      fs.writeFileSync(file, xml);
      const doc = parseXml(fs.readFileSync(file));
      for (const [method, flag] of [[C14N_COMMENTS, '--c14n'], [EXC_C14N_COMMENTS, '--exc-c14n']] as const) {
        assert.equal(canonicalize(doc, { method }), await xmllint(file, flag), `case ${i} ${flag}`);
      }
      // Without comments: libxml2's output for the same document with its comments taken out.
      const bare = path.join(dir, `${i}-bare.xml`);
      fs.writeFileSync(bare, xml.replace(/<!--[\s\S]*?-->/g, ''));
      assert.equal(canonicalize(doc, { method: C14N }), await xmllint(bare, '--c14n'), `case ${i} without comments`);
      assert.equal(canonicalize(doc, { method: EXC_C14N }), await xmllint(bare, '--exc-c14n'), `case ${i} exclusive without comments`);
    }
  });

  it('canonicalises subsets: inclusive renders inherited namespaces and xml:*, exclusive only what is used', () => {
    const doc = parseXml('<a:r xmlns:a="urn:a" xmlns:b="urn:b" xmlns="urn:d" xml:lang="tr"><b:s x="1"><t/></b:s></a:r>');
    const s = doc.root.children[0];
    const inc: C14nMethod = C14N;
    assert.equal(canonicalize(doc, { method: inc, element: s }), '<b:s xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" x="1" xml:lang="tr"><t></t></b:s>');
    assert.equal(canonicalize(doc, { method: EXC_C14N, element: s }), '<b:s xmlns:b="urn:b" x="1"><t xmlns="urn:d"></t></b:s>');
    assert.equal(
      canonicalize(doc, { method: EXC_C14N, element: s, inclusivePrefixes: ['a', '#default'] }),
      '<b:s xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" x="1"><t></t></b:s>',
    );
    // The enveloped-signature transform: a subtree left out, the text around it kept.
    assert.equal(canonicalize(doc, { exclude: s }), '<a:r xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" xml:lang="tr"></a:r>');
  });

  it('refuses what it does not handle or what is not well-formed', () => {
    parseFails('<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>', 'doctype');
    parseFails('<?xml version="1.0" encoding="ISO-8859-9"?><r/>', 'encoding');
    parseFails(Buffer.from([0x3c, 0x72, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x72, 0x3e]), 'encoding');
    for (const bad of [
      '<r><s></r>',
      '<r></s>',
      '<r/><r/>',
      '<r/>text',
      'text<r/>',
      '<p:r/>',
      '<r a="1" a="2"/>',
      '<r xmlns:p="urn:x" xmlns:q="urn:x" p:a="1" q:a="2"/>',
      '<r a="<"/>',
      '<r a=1/>',
      '<r>&unknown;</r>',
      '<r>&#0;</r>',
      '<r>& </r>',
      '<r>]]></r>',
      '<r>\u0001</r>',
      '<r><!-- a -- b --></r>',
      '<r xmlns:xmlns="urn:x"/>',
      '<r xmlns:p=""/>',
      '<1r/>',
      '<r',
      '',
    ]) {
      parseFails(bad);
    }
  });
});

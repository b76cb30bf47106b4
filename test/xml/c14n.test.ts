/**
 * Our canonicaliser (src/xml/c14n.ts, over the one parser's tree) against libxml2's (`xmllint --c14n`,
 * `--exc-c14n`, both "with comments") on every XML file of GİB's package, on hand-made edge cases and on mutated
 * GİB samples. The C14N of document subsets (SignedInfo, SignedProperties) is checked end to end by xmlsec1 in
 * test/signing/xades.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { C14N, C14N_COMMENTS, EXC_C14N, EXC_C14N_COMMENTS, canonicalBytes, canonicalize, type C14nMethod } from '../../src/xml/c14n';
import { parseXml, type XmlElement } from '../../src/xml/parse';
import { GIB_DIR } from '../helpers/paths';
import { tempDir } from '../signing/fixtures';
import { seededRandom, smallGibSamples } from './samples';

const execFileP = promisify(execFile);

async function xmllint(file: string, flag: '--c14n' | '--exc-c14n'): Promise<string | null> {
  try {
    const { stdout } = await execFileP('xmllint', [flag, file], { maxBuffer: 1 << 28, encoding: 'buffer' });
    return stdout.toString('utf8');
  } catch {
    return null; // libxml2 refuses a few schematron files (relative namespace URIs)
  }
}

/** A document of one element, put between the files of one xmllint call; its canonical form splits the output. */
const SEPARATOR = '<gw-c14n-test-separator></gw-c14n-test-separator>';
let separatorFile: string | null = null;

/**
 * xmllint's canonical form of each file, as xmllint() gives it but from one process for all of them (a process per
 * file cost most of these tests' time): the files with the separator document after each, the output split at the
 * separator's canonical form. A file xmllint refuses prints nothing, so its part is empty: null, as xmllint() says.
 */
async function xmllintEach(files: readonly string[], flag: '--c14n' | '--exc-c14n'): Promise<Array<string | null>> {
  if (!separatorFile) {
    separatorFile = path.join(tempDir('c14n-sep'), 'separator.xml');
    fs.writeFileSync(separatorFile, '<gw-c14n-test-separator/>');
  }
  const args = files.flatMap((f) => [f, separatorFile!]);
  let out: Buffer;
  try {
    out = (await execFileP('xmllint', [flag, ...args], { maxBuffer: 1 << 28, encoding: 'buffer' })).stdout;
  } catch (err) {
    // It exits with an error code (1, 6…) when it refused a file, after writing every other file's canonical form.
    const e = err as { code?: unknown; stdout?: Buffer };
    if (typeof e.code !== 'number' || !Buffer.isBuffer(e.stdout)) throw err;
    out = e.stdout;
  }
  const parts = out.toString('utf8').split(SEPARATOR);
  // One part per file and an empty one after the last separator: a crash, or a document that canonicalises to
  // the separator itself, fails here instead of shifting the parts.
  assert.equal(parts.length, files.length + 1, `xmllint ${flag}: ${parts.length - 1} separators for ${files.length} files`);
  assert.equal(parts.pop(), '');
  return parts.map((p) => (p === '' ? null : p));
}

function xmlFiles(dir: string, out: string[] = []): string[] {
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) xmlFiles(p, out);
    else if (/\.(xml|xsd|xsl|xslt|sch|wsdl)$/i.test(name)) out.push(p);
  }
  return out;
}

describe('xml: C14N', function () {
  this.timeout(120_000);

  it('matches xmllint --c14n and --exc-c14n on every XML file of GİB\'s package', async () => {
    const files = xmlFiles(GIB_DIR);
    let compared = 0;
    const skipped: string[] = [];
    const [inclusive, exclusive] = await Promise.all([xmllintEach(files, '--c14n'), xmllintEach(files, '--exc-c14n')]);
    for (const [i, f] of files.entries()) {
      let doc;
      try {
        doc = parseXml(fs.readFileSync(f));
      } catch (err) {
        // A DOCTYPE (UBL-xmldsig-core-schema) or a sample that is not well-formed (7_UYGULAMA_YANITI_IADE.xml).
        skipped.push(`${path.basename(f)}: ${(err as Error).message}`);
        continue;
      }
      for (const [method, flag, expected] of [[C14N_COMMENTS, '--c14n', inclusive[i]], [EXC_C14N_COMMENTS, '--exc-c14n', exclusive[i]]] as const) {
        if (expected === null) continue; // libxml2 refuses a few schematron files (relative namespace URIs)
        assert.equal(canonicalize(doc, { method }), expected, `${flag} ${f}`);
        compared++;
      }
    }
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

  it('splices patches in at node boundaries: the canonical form of the edited document without parsing it again', () => {
    const src = '<?xml version="1.0"?>\r\n<r xmlns="urn:r" xmlns:p="urn:p">\r\n\t<a/>\r\n\t<p:b x="1">t</p:b>\r\n</r>';
    const doc = parseXml(src);
    const [a, b] = doc.root.children;
    const edits = [
      { at: doc.root.startTagEnd, end: doc.root.startTagEnd, text: '<first/>' }, // first content of the root
      { at: a!.pos, end: a!.end, text: '<a>ş</a>' }, // an element replaced
      { at: b!.endTagStart, end: b!.endTagStart, text: '<p:c/>' }, // last content of an element
      { at: doc.root.endTagStart, end: doc.root.endTagStart, text: '<last/>' },
    ];
    const edited = Buffer.concat([
      doc.bytes.subarray(0, edits[0]!.at), Buffer.from(edits[0]!.text),
      doc.bytes.subarray(edits[0]!.end, edits[1]!.at), Buffer.from(edits[1]!.text),
      doc.bytes.subarray(edits[1]!.end, edits[2]!.at), Buffer.from(edits[2]!.text),
      doc.bytes.subarray(edits[2]!.end, edits[3]!.at), Buffer.from(edits[3]!.text),
      doc.bytes.subarray(edits[3]!.end),
    ]);
    // Each edit's canonical form as the signer makes it: parsed in a wrapper carrying the namespaces in scope.
    const patches = edits.map((e) => {
      const w = parseXml(`<w xmlns="urn:r" xmlns:p="urn:p">${e.text}</w>`);
      return { at: e.at, end: e.end, output: canonicalize(w, { contentOf: w.root }) };
    });
    assert.equal(canonicalize(doc, { patches }), canonicalize(parseXml(edited)));
    assert.deepEqual(canonicalBytes(doc, { patches }), Buffer.from(canonicalize(parseXml(edited)), 'utf8'));
    assert.throws(() => canonicalize(doc, { patches: [{ at: a!.pos + 1, end: a!.pos + 1, output: '' }] }), /node boundary/);
  });

  it('matches xmllint on 300 mutated GİB samples: references, CDATA, comments, PIs, line ends (fixed seed)', async () => {
    const texts = smallGibSamples();
    const rnd = seededRandom(20260401);
    // Pieces that stay well-formed where they land often enough: references, CDATA, comments, PIs, line ends.
    const pieces = ['&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#13;', '&#xD;', '&#10;', '&#9;', '&#x20AC;', '&#128512;', '\r', '\r\n', '\t',
      '<![CDATA[<&>\r\n]]>', '<!-- c\r\n -->', '<?pi  a\r\nb ?>', '<?pi?>', '>', '"', "'", 'ş', 'é', ' '];
    const dir = tempDir('c14n-mut');
    const docs: Array<{ file: string }> = [];
    for (let i = 0; docs.length < 300 && i < 5000; i++) {
      let s = texts[rnd(texts.length)]!;
      for (let k = 1 + rnd(3); k > 0; k--) {
        const at = rnd(s.length);
        s = s.slice(0, at) + Buffer.from(pieces[rnd(pieces.length)]!, 'utf8').toString('latin1') + s.slice(at);
      }
      const b = Buffer.from(s, 'latin1');
      let doc;
      try {
        doc = parseXml(b);
      } catch {
        continue;
      }
      // libxml2 writes namespace URIs as they are; we escape them like attribute values (C14N 1.0 §2.3), as the
      // signer did before the parsers were merged. Only a mutation can put `&` or `<` into a namespace name here.
      const oddNamespace = (e: XmlElement): boolean => e.nsDecls.some(([, u]) => /[&<"\t\n\r]/.test(u)) || e.children.some(oddNamespace);
      if (oddNamespace(doc.root)) continue;
      const file = path.join(dir, `${docs.length}.xml`);
      fs.writeFileSync(file, b);
      docs.push({ file });
    }
    assert.equal(docs.length, 300);
    const files = docs.map((d) => d.file);
    const [inclusive, exclusive] = await Promise.all([xmllintEach(files, '--c14n'), xmllintEach(files, '--exc-c14n')]);
    let compared = 0;
    for (const [i, d] of docs.entries()) {
      const doc = parseXml(fs.readFileSync(d.file));
      for (const [method, flag, expected] of [[C14N_COMMENTS, '--c14n', inclusive[i]], [EXC_C14N_COMMENTS, '--exc-c14n', exclusive[i]]] as const) {
        assert.notEqual(expected, null, `xmllint refused ${d.file}`);
        assert.equal(canonicalize(doc, { method }), expected, `${flag} ${d.file}`);
        compared++;
      }
    }
    assert.equal(compared, 600);
  });
});

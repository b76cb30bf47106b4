/**
 * An invoice's XSLT is the sender's code: it runs with no file or network access, within a time and an output
 * limit, and its page carries no scripts. Each attack is also run through plain xsltproc where that shows the
 * stylesheet would succeed without the sandbox (so these tests can fail).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { createInvoiceRenderer, type InvoiceRenderer } from '../../src/visuals/invoice-renderer';
import { createPdfRenderer, type PdfRenderer } from '../../src/visuals/pdf-renderer';
import { createXsltRunner, DEFAULT_XSLT_LIMITS } from '../../src/visuals/xslt-runner';
import { VISUAL_CSP } from '../../src/visuals/page-policy';
import { tempDir } from '../helpers/db';
import { expectGatewayFault } from '../helpers/faults';
import { makeInvoice } from '../helpers/invoices';
import { pdfText, startRecordingServer, stylesheet, testVisualSettings, withEmbeddedXslt } from '../helpers/visuals';

const TIMEOUT_MS = 1500;

describe('invoice visuals: an untrusted XSLT runs in a sandbox', function () {
  this.timeout(60_000);
  let renderer: InvoiceRenderer;
  /** One browser for the file's PDFs, with a time limit a first launch on a busy machine stays within. */
  let printer: PdfRenderer;
  let server: Awaited<ReturnType<typeof startRecordingServer>>;
  const dir = tempDir('gw-visual-attack-');
  const secretFile = path.join(dir, 'secret.xml');
  fs.writeFileSync(secretFile, '<secret>TOP-SECRET-FILE</secret>');
  const invoice = makeInvoice({ number: 'XSL2026000000001' });
  const withSheet = (xslt: string) => Buffer.from(withEmbeddedXslt(invoice, xslt));
  /** Plain xsltproc, no sandbox: what the same stylesheet does when nothing stops it (async: it may call our server). */
  const unsandboxed = async (xslt: string): Promise<string> => {
    fs.writeFileSync(path.join(dir, 'attack.xslt'), xslt);
    fs.writeFileSync(path.join(dir, 'invoice.xml'), invoice);
    return (await promisify(execFile)('xsltproc', [path.join(dir, 'attack.xslt'), path.join(dir, 'invoice.xml')], { encoding: 'utf8' }).catch((e: { stdout: string }) => e)).stdout;
  };

  before(async () => {
    renderer = createInvoiceRenderer(testVisualSettings({ timeoutMs: TIMEOUT_MS }));
    printer = createPdfRenderer({ executablePath: testVisualSettings().chromiumPath, maxPages: 2, timeoutMs: 20_000 });
    server = await startRecordingServer();
  });
  after(async () => {
    await renderer.close();
    await printer.close();
    await server.close();
  });
  beforeEach(() => {
    server.hits.length = 0;
  });

  it('an XSLT that never ends is stopped at the time limit with VISUAL_TIMEOUT, and rendering goes on', async () => {
    // Two branches per level, 100 levels deep: 2^100 calls, under libxslt's recursion depth limit, no output.
    const forever =
      '<?xml version="1.0"?><xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">' +
      '<xsl:template match="/"><html><body><xsl:call-template name="f"><xsl:with-param name="d" select="0"/></xsl:call-template></body></html></xsl:template>' +
      '<xsl:template name="f"><xsl:param name="d"/><xsl:if test="$d &lt; 100">' +
      '<xsl:call-template name="f"><xsl:with-param name="d" select="$d + 1"/></xsl:call-template>' +
      '<xsl:call-template name="f"><xsl:with-param name="d" select="$d + 1"/></xsl:call-template>' +
      '</xsl:if></xsl:template></xsl:stylesheet>';
    const started = Date.now();
    const [a, b] = await Promise.all([expectGatewayFault(renderer.html(withSheet(forever), { cancelled: false })), expectGatewayFault(renderer.pdf(withSheet(forever), { cancelled: false }))]);
    const took = Date.now() - started;
    for (const f of [a, b]) expect(f).to.include({ fault: 'VISUAL_TIMEOUT', code: 4902 });
    expect(took).to.be.within(TIMEOUT_MS - 100, TIMEOUT_MS + 3000);
    // The process serves the next render at once.
    const page = await renderer.html(Buffer.from(invoice), { cancelled: false });
    expect(page).to.include('XSL2026000000001');
  });

  it('document() of a local file, a file: URL or a relative path yields nothing of the file', async () => {
    for (const uri of [secretFile, `file://${secretFile}`, '/etc/passwd', 'secret.xml']) {
      const xslt = stylesheet(`<p>[<xsl:value-of select="document('${uri}')"/>]</p>`);
      if (uri === secretFile) expect(await unsandboxed(xslt)).to.include('TOP-SECRET-FILE'); // the attack works without the sandbox
      const f = await expectGatewayFault(renderer.html(withSheet(xslt), { cancelled: false }));
      expect(f, uri).to.include({ fault: 'VISUAL_XSLT_INVALID' });
      expect(f.message, uri).to.match(/read rights/).and.not.include('TOP-SECRET-FILE');
    }
    // Built at run time, out of reach of any scan of the stylesheet's text: still denied.
    const dynamic = stylesheet(`<p><xsl:value-of select="dyn:evaluate(concat('docu', 'ment(&quot;${secretFile}&quot;)'))"/></p>`, 'xmlns:dyn="http://exslt.org/dynamic"');
    expect(await unsandboxed(dynamic)).to.include('TOP-SECRET-FILE');
    expect(await expectGatewayFault(renderer.html(withSheet(dynamic), { cancelled: false }))).to.include({ fault: 'VISUAL_XSLT_INVALID' });
  });

  it('document() of a URL makes no request', async () => {
    const xslt = stylesheet(`<p>[<xsl:value-of select="document('${server.url}/leak?x=1')"/>]</p>`);
    expect(await unsandboxed(xslt)).to.include('FROM-THE-NETWORK'); // xsltproc alone does fetch it
    expect(server.hits).to.have.length(1);
    server.hits.length = 0;
    const f = await expectGatewayFault(renderer.html(withSheet(xslt), { cancelled: false }));
    expect(f).to.include({ fault: 'VISUAL_XSLT_INVALID' });
    expect(server.hits).to.deep.equal([]);
  });

  it('xsl:include and xsl:import of a file or a URL are refused before anything is loaded', async () => {
    const included = path.join(dir, 'included.xsl');
    fs.writeFileSync(included, '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template name="x">INCLUDED</xsl:template></xsl:stylesheet>');
    for (const [element, href] of [['include', included], ['import', included], ['include', `${server.url}/inc.xsl`], ['import', `${server.url}/imp.xsl`]] as const) {
      const xslt =
        `<?xml version="1.0"?><xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:${element} href="${href}"/>` +
        '<xsl:template match="/"><html><body>x</body></html></xsl:template></xsl:stylesheet>';
      const f = await expectGatewayFault(renderer.html(withSheet(xslt), { cancelled: false }));
      expect(f, `${element} ${href}`).to.include({ fault: 'VISUAL_XSLT_INVALID', code: 4901 });
      expect(f.message).to.include(`xsl:${element}`);
    }
    expect(server.hits).to.deep.equal([]);
  });

  it('a DTD in the stylesheet is refused (no entities, no external subset)', async () => {
    const xslt = `<?xml version="1.0"?><!DOCTYPE xsl:stylesheet [<!ENTITY s SYSTEM "file://${secretFile}">]>` + stylesheet('<p>&amp;s;</p>').replace(/^<\?xml[^>]*>/, '');
    const f = await expectGatewayFault(renderer.html(withSheet(xslt), { cancelled: false }));
    expect(f).to.include({ fault: 'VISUAL_XSLT_INVALID' });
    expect(f.message).to.include('DOCTYPE');
  });

  it('exsl:document cannot write a file', async () => {
    const target = path.join(dir, 'written.txt');
    const xslt = stylesheet(`<exsl:document href="${target}" method="text">PWNED</exsl:document>`, 'xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl"');
    expect(await expectGatewayFault(renderer.html(withSheet(xslt), { cancelled: false }))).to.include({ fault: 'VISUAL_XSLT_INVALID' });
    expect(fs.existsSync(target)).to.equal(false);
  });

  it('a page past the output limit is refused with VISUAL_TOO_LARGE', async () => {
    const runner = createXsltRunner({ ...DEFAULT_XSLT_LIMITS, python: testVisualSettings().python, timeoutMs: 10_000, maxOutputBytes: 64 * 1024 });
    // 2^14 copies of a 16-byte line ≈ 256 KB.
    const big =
      '<?xml version="1.0"?><xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">' +
      '<xsl:template match="/"><html><body><xsl:call-template name="f"><xsl:with-param name="d" select="0"/></xsl:call-template></body></html></xsl:template>' +
      '<xsl:template name="f"><xsl:param name="d"/><xsl:choose><xsl:when test="$d &lt; 14">' +
      '<xsl:call-template name="f"><xsl:with-param name="d" select="$d + 1"/></xsl:call-template>' +
      '<xsl:call-template name="f"><xsl:with-param name="d" select="$d + 1"/></xsl:call-template>' +
      '</xsl:when><xsl:otherwise><p>0123456789</p></xsl:otherwise></xsl:choose></xsl:template></xsl:stylesheet>';
    expect(await expectGatewayFault(runner.transform(Buffer.from(big), Buffer.from(invoice)))).to.include({ fault: 'VISUAL_TOO_LARGE', code: 4903 });
    const page = await createXsltRunner({ ...DEFAULT_XSLT_LIMITS, python: testVisualSettings().python, timeoutMs: 10_000 }).transform(Buffer.from(big), Buffer.from(invoice));
    expect(page.length).to.be.greaterThan(64 * 1024);
  });

  it('the page carries no scripts, handlers or javascript: links, and its policy comes first', async () => {
    const xslt = stylesheet(
      '<script>alert(1)</script><p onclick="alert(2)">metin</p><a href="javascript:alert(3)">bağlantı</a>' +
        `<img src="${server.url}/pixel.png" onerror="alert(4)"/><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="/>` +
        `<iframe src="${server.url}/frame"></iframe><meta http-equiv="refresh" content="0;url=${server.url}/go"/><base href="${server.url}/"/>`,
    );
    const page = await renderer.html(withSheet(xslt), { cancelled: false });
    expect(await unsandboxed(xslt)).to.match(/<script>alert\(1\)/); // the stylesheet does write them
    expect(page).to.not.match(/<script|onclick|onerror|javascript:|<iframe|http-equiv="refresh"|<base/i);
    expect(page).to.include('metin').and.include('bağlantı').and.include('data:image/gif');
    expect(page).to.not.include(`${server.url}/pixel.png`);
    const policy = page.indexOf(`content="${VISUAL_CSP}"`);
    expect(policy).to.be.greaterThan(0);
    expect(page.search(/<(p|a|img|body)\b/i)).to.be.greaterThan(policy);
    expect(VISUAL_CSP).to.match(/default-src 'none'/).and.not.match(/script-src/);
    // Printed: no request leaves the browser.
    expect(pdfText(await printer.pdf(page))).to.include('metin');
    expect(server.hits).to.deep.equal([]);
  });

  it('the PDF browser runs no script and makes no request even for a page that asks for both', async () => {
    const html =
      `<html><head><link rel="stylesheet" href="${server.url}/style.css"></head><body><p id="t">statik</p>` +
      `<img src="${server.url}/img.png"><script>document.getElementById('t').textContent='BETIK CALISTI'; fetch('${server.url}/fetch');</script></body></html>`;
    const text = pdfText(await printer.pdf(html));
    expect(text).to.include('statik').and.not.include('BETIK CALISTI');
    expect(server.hits).to.deep.equal([]);
  });

  it('no chromium or no python: VISUAL_UNAVAILABLE, not a crash', async () => {
    const missing = createPdfRenderer({ executablePath: '/nonexistent/chromium', maxPages: 1, timeoutMs: 5_000 });
    expect(await expectGatewayFault(missing.pdf('<p>x</p>'))).to.include({ fault: 'VISUAL_UNAVAILABLE', code: 4904 });
    await missing.close();
    const runner = createXsltRunner({ ...DEFAULT_XSLT_LIMITS, python: '/nonexistent/python3', timeoutMs: 5_000 });
    expect(await expectGatewayFault(runner.transform(Buffer.from(stylesheet('<p/>')), Buffer.from(invoice)))).to.include({ fault: 'VISUAL_UNAVAILABLE' });
  });
});

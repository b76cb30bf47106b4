/**
 * Invoice visuals in tests: an invoice carrying a given XSLT, the text of a PDF (pdftotext, Debian poppler-utils),
 * the visible text of a page, the renderer's settings, and an HTTP server that records whether anything reached it.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config';
import type { VisualSettings } from '../../src/visuals/invoice-renderer';

/** The renderer's settings as the gateway reads them (GW_PYTHON, GW_CHROMIUM_PATH), with a shorter time limit. */
export function testVisualSettings(overrides: Partial<VisualSettings> = {}): VisualSettings {
  return { ...loadConfig({ GW_DATA_DIR: '/nonexistent-gw-data' }).visuals, ...overrides };
}

/**
 * The invoice with its visual's stylesheet embedded as GİB's samples carry it (cac:AdditionalDocumentReference,
 * DocumentType XSLT, base64), where UBL puts it: before cac:Signature.
 */
export function withEmbeddedXslt(xml: string, xslt: string | Buffer, fileName = 'gorsel.xslt'): string {
  const b64 = Buffer.from(xslt).toString('base64');
  const ref =
    '<cac:AdditionalDocumentReference><cbc:ID>1</cbc:ID><cbc:IssueDate>2026-01-01</cbc:IssueDate><cbc:DocumentType>XSLT</cbc:DocumentType>' +
    `<cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/xml" encodingCode="Base64" characterSetCode="UTF-8" filename="${fileName}">${b64}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>` +
    '</cac:AdditionalDocumentReference>';
  const at = xml.indexOf('<cac:Signature>');
  if (at < 0) throw new Error('withEmbeddedXslt: no <cac:Signature> to put the reference before');
  return xml.slice(0, at) + ref + xml.slice(at);
}

/** A small XSLT 1.0 stylesheet: `body` is the template of the root, in an html page. */
export function stylesheet(body: string, extraNamespaces = ''): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" ${extraNamespaces}>` +
    '<xsl:output method="html" encoding="UTF-8"/>' +
    `<xsl:template match="/"><html><body>${body}</body></html></xsl:template></xsl:stylesheet>`
  );
}

/** The PDF's text in content order (-raw keeps the rotated İPTAL stamp in one piece). */
export function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8');
}

/** What a reader sees of a page: no scripts or styles, no tags, entities of text decoded, whitespace collapsed. */
export function visibleText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;|&#160;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** An HTTP server on the loopback that counts the requests it gets (none may arrive from a sandboxed render). */
export async function startRecordingServer(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.setHeader('content-type', 'application/xml');
    res.end('<secret>FROM-THE-NETWORK</secret>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

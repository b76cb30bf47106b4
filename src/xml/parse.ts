/**
 * The one XML parser of the gateway: well-formedness and safety of every document we receive or sign, and the one
 * tree that validation (XSD, UBL-TR rules), signing (XAdES, C14N in ./c14n.ts) and the GİB protocol codec read.
 *
 * Why our own parser: measured on a 10-line invoice (16.7 KB, 328 elements), Node 20, this machine, per document:
 *   libxmljs2 parseXml                           0.21 ms, but reading the tree back through its API costs
 *                                                1.2 ms more (≈ 3.7 µs per element: every call crosses into C++)
 *   libxmljs2 SaxParser (events only)            0.89 ms
 *   @xmldom/xmldom DOMParser                     1.69 ms (1.9 ms on GİB's CRLF sample), and xml-crypto's C14N
 *                                                0.47 ms more; its signing path parses several times
 *   this parser (all checks + tree)              0.12 ms on GİB's 16.7 KB CRLF sample with 10 lines; 0.08 ms on
 *                                                makeInvoice's 10.7 KB 10-line invoice, 3.0 ms on its 500 lines
 *                                                (359 KB); CPU time, best of 7 runs (see also src/validation/index.ts)
 * Before validation and signing shared it, each had its own parser: the validator's took the same time, the
 * signer's tokenizer 0.16 ms on the 16.7 KB sample (and its C14N 0.095 ms, now 0.08; BENCHMARKS.md).
 * libxmljs2 also cannot keep a compiled XSD (it recompiles the schema on every validate(), ≈ 15 ms), so the XSD
 * check runs on this tree too (see validation/ubl-tr/xsd.ts) and nothing needs a libxml2 document. A signer and a
 * verifier that parse with this same parser also leave no second parser whose view of a document could differ from
 * the one that was checked (a classic signature-wrapping vector).
 *
 * libxml2 stays the oracle: test/xml/parse.test.ts compares this parser's verdicts with libxml2's on hand-picked
 * edge cases and on thousands of mutated GİB documents, and test/xml/c14n.test.ts compares ./c14n.ts with
 * `xmllint --c14n` / `--exc-c14n` on every XML file of GİB's package.
 *
 * How: the bytes are viewed as a latin1 string (one char per byte, a cheap copy) and scanned with indexOf and
 * charCodeAt; all markup is ASCII, so UTF-8 sequences only matter inside names (decoded there) and in values,
 * which are decoded to real strings when they hold non-ASCII bytes. Decoding a whole document to UTF-16 first
 * cost 0.76 ms for a 290 KB invoice with an embedded XSLT; this view costs a memcpy. Every offset in the tree is a
 * byte offset into the document, so a signature or an invoice number can be spliced into the bytes as received.
 *
 * What it accepts: XML 1.0 with namespaces, in UTF-8 (what GİB requires), without any document type declaration.
 * A DTD is the one place XML can define entities (billion laughs, XXE) or default attributes (which would change
 * the canonical form a signature covers), so `<!DOCTYPE`/`<!ENTITY` is refused before parsing (WS-I BP R1008);
 * only the five predefined entities and character references are ever expanded. Faults: XML_NOT_XML (1132),
 * XML_UNPARSABLE (1140, detail with line and column), DOCUMENT_DOCTYPE (4007) and DOCUMENT_LIMIT (4009).
 *
 * What it costs: at most the limits the caller passes (./limits.ts: depth, nodes, attributes, namespaces in scope,
 * name, attribute and text sizes; the defaults suit invoices), checked as the parser reads, so a document past one
 * fails at that point, before anything is built for the rest; a document of 1 MiB or more is scanned for them
 * before its view is made (./prescan.ts). Everything else is linear in the document's size.
 */
import { isUtf8 } from 'node:buffer';
import { GatewayError } from '../faults';
import { DOCUMENT_LIMITS, limitExceeded, type XmlLimits } from './limits';
import { PRESCAN_BYTES, prescanLimits } from './prescan';
import { isUriReference } from './uri';

export { DOCUMENT_LIMITS, SOAP_REQUEST_LIMITS, type XmlLimits } from './limits';

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** A namespace declaration: [prefix, uri]; prefix '' is the default namespace, uri '' undeclares it. */
export type NsDecl = readonly [string, string];

/** A namespace scope: one element's own declarations, chained to its parent's scope. */
export class NsScope {
  /** Declarations in this chain, shadowed ones included: what a lookup may walk through. */
  readonly size: number;

  constructor(
    readonly parent: NsScope | null,
    readonly decls: readonly NsDecl[],
  ) {
    this.size = (parent ? parent.size : 0) + decls.length;
  }

  lookup(prefix: string): string | undefined {
    for (let s: NsScope | null = this; s; s = s.parent) {
      const d = s.decls;
      for (let i = 0; i < d.length; i++) if (d[i]![0] === prefix) return d[i]![1];
    }
    if (prefix === 'xml') return XML_NS;
    return undefined;
  }

  /** Every binding in scope (nearest wins), default namespace included. */
  all(): Map<string, string> {
    const out = new Map<string, string>();
    for (let s: NsScope | null = this; s; s = s.parent) {
      for (const [p, u] of s.decls) if (!out.has(p)) out.set(p, u);
    }
    return out;
  }

  /** The first prefix bound to `uri` in scope (not shadowed), or undefined. Default namespace reported as ''. */
  prefixFor(uri: string): string | undefined {
    const seen = new Set<string>();
    for (let s: NsScope | null = this; s; s = s.parent) {
      for (const [p, u] of s.decls) {
        if (seen.has(p)) continue;
        seen.add(p);
        if (u === uri) return p;
      }
    }
    return undefined;
  }
}

/** The scope outside the root element: nothing declared (only the implicit xml prefix). */
export const NO_NAMESPACES = new NsScope(null, []);

export interface XmlAttr {
  /** Namespace URI, '' for an unprefixed attribute. */
  readonly ns: string;
  readonly local: string;
  readonly prefix: string;
  /** Value after attribute-value normalisation (XML 1.0 §3.3.3, every attribute is CDATA without a DTD). */
  readonly value: string;
  /** The name as written, prefix included. */
  readonly qname: string;
}

export interface XmlElement {
  /** Namespace URI, '' when none. */
  readonly ns: string;
  readonly local: string;
  readonly prefix: string;
  /** The name as written, prefix included. */
  readonly qname: string;
  /** Attributes other than namespace declarations, in document order. */
  readonly attrs: readonly XmlAttr[];
  /** The namespace declarations written on this tag. */
  readonly nsDecls: readonly NsDecl[];
  /** The namespaces in scope on this element (its own declarations included). */
  readonly scope: NsScope;
  readonly parent: XmlElement | null;
  /** Element children in document order. */
  readonly children: readonly XmlElement[];
  /** Character data of an element without element children (references expanded, line ends normalised); '' otherwise. */
  readonly text: string;
  /**
   * The same character data as UTF-8 bytes seen as latin1 chars, line ends not yet normalised. Enough for
   * lexical checks of ASCII-only types (numbers, dates) without decoding; use `text` for anything else.
   */
  readonly rawText: string;
  /** True when non-whitespace character data sits beside element children (mixed content). */
  readonly mixed: boolean;
  /** True when a CDATA section is a direct child (XSD refuses one in element-only content, even blank). */
  readonly cdata: boolean;
  /** Byte offset of the start tag's '<' in XmlDocument.bytes (see positionOf for line/column). */
  readonly pos: number;
  /** Byte offset just after the start tag (after '/>' for an empty-element tag). */
  readonly startTagEnd: number;
  /** Byte offset of the end tag's '<' (= startTagEnd for an empty-element tag). */
  readonly endTagStart: number;
  /** Byte offset just after the element. */
  readonly end: number;
  /** Written as an empty-element tag (`<a/>`, not `<a></a>`). */
  readonly selfClosing: boolean;
}

export interface XmlDocument {
  /** The exact bytes received; never re-serialised, so a later signature over them stays valid. */
  readonly bytes: Buffer;
  readonly root: XmlElement;
  readonly elementCount: number;
  /** The byte view that offsets refer to (internal to src/xml; use positionOf, textContent, canonicalize). */
  readonly view: string;
}

const EMPTY_ATTRS: readonly XmlAttr[] = Object.freeze([]);
const EMPTY_CHILDREN: readonly XmlElement[] = Object.freeze([]);
const EMPTY_DECLS: readonly NsDecl[] = Object.freeze([]);

/** Namespace names already found valid: every invoice declares the same few, so each is checked once. */
const validNamespaces = new Set<string>();
function isNamespaceName(uri: string): boolean {
  if (validNamespaces.has(uri)) return true;
  if (!isUriReference(uri)) return false;
  if (validNamespaces.size < 10_000) validNamespaces.add(uri);
  return true;
}

/** Line and column (1-based; the column counts bytes, as libxml2's does) of a byte offset. */
export function positionOf(doc: Pick<XmlDocument, 'view'>, offset: number): { line: number; column: number } {
  return positionIn(doc.view, offset);
}

function positionIn(view: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, view.length);
  for (let i = 0; i < end; i++) {
    const c = view.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && view.charCodeAt(i + 1) !== 0x0a)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Refuse a document type declaration (or a stray entity declaration) anywhere before the root element, by a scan
 * of the raw bytes that runs before any parser sees them. Comments and processing instructions in the prolog are
 * skipped so that a `<` inside them is not taken for the root.
 */
export function assertNoDoctype(bytes: Buffer): void {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const lt = bytes.indexOf(0x3c, i);
    if (lt === -1) return;
    const c = bytes[lt + 1];
    if (c === 0x3f /* ? */) {
      const end = bytes.indexOf('?>', lt + 2, 'latin1');
      if (end === -1) return;
      i = end + 2;
    } else if (c === 0x21 /* ! */) {
      if (bytes[lt + 2] === 0x2d && bytes[lt + 3] === 0x2d) {
        const end = bytes.indexOf('-->', lt + 4, 'latin1');
        if (end === -1) return;
        i = end + 3;
        continue;
      }
      const word = bytes.toString('latin1', lt + 2, lt + 9).toUpperCase();
      if (word.startsWith('DOCTYPE') || word.startsWith('ENTITY')) throw new GatewayError('DOCUMENT_DOCTYPE');
      return; // something else (e.g. CDATA) before the root: the parser reports it
    } else {
      return; // the root element, or garbage the parser reports
    }
  }
}

/**
 * Decide what the bytes are; returns the length of a UTF-8 byte order mark (0 or 3). GİB requires UTF-8 for every
 * XML it exchanges ("XML dosyalarının karakter kodlamaları (encoding) UTF-8 olacaktır", e-Fatura Uygulaması
 * Entegrasyon Kılavuzu v1.10 §"Veri Aktarım Protokolü"), so any other declared encoding is refused; a lossy decode
 * would also silently change bytes a signature covers.
 */
function checkEncoding(bytes: Buffer): number {
  const n = bytes.length;
  if (n === 0) throw new GatewayError('XML_NOT_XML');
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe) ||
      (bytes[0] === 0x00 && bytes[1] === 0x3c) || (bytes[0] === 0x3c && bytes[1] === 0x00)) {
    throw new GatewayError('XML_UNPARSABLE', { detail: 'UTF-16 kabul edilmez, GİB UTF-8 ister' });
  }
  const bom = byteOrderMark(bytes);
  // Not XML at all (PDF, images, random bytes): the first thing after optional whitespace must be '<', and
  // XML text never holds a NUL byte.
  let k = bom;
  while (k < n && (bytes[k] === 0x20 || bytes[k] === 0x09 || bytes[k] === 0x0a || bytes[k] === 0x0d)) k++;
  if (k >= n || bytes[k] !== 0x3c) throw new GatewayError('XML_NOT_XML');
  if (bytes.subarray(0, 1024).indexOf(0) !== -1) throw new GatewayError('XML_NOT_XML');
  if (bytes.toString('latin1', bom, bom + 5) === '<?xml') {
    const declEnd = bytes.indexOf('?>', bom, 'latin1');
    const decl = bytes.toString('latin1', bom, declEnd === -1 ? Math.min(n, bom + 200) : declEnd);
    const m = /\sencoding\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(decl);
    const encoding = m ? m[1] ?? m[2] ?? '' : 'UTF-8';
    if (!/^utf-?8$/i.test(encoding)) {
      throw new GatewayError('XML_UNPARSABLE', { detail: `encoding "${encoding.slice(0, 40)}" kabul edilmez, GİB UTF-8 ister` });
    }
  }
  if (!isUtf8(bytes)) throw new GatewayError('XML_UNPARSABLE', { detail: `gecersiz UTF-8, bayt ${firstBadUtf8(bytes)}` });
  return bom;
}

/** Length of a UTF-8 byte order mark at the start of `bytes` (0 or 3). */
export function byteOrderMark(bytes: Buffer): number {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

/** Byte offset of the first invalid UTF-8 sequence (error path only). */
function firstBadUtf8(b: Buffer): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const len = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (len === 0 || i + len > b.length) return i;
    if (len > 1 && !isUtf8(b.subarray(i, i + len))) return i; // bad continuation, overlong, surrogate, > U+10FFFF
    i += len;
  }
  return b.length;
}

// --- character classes (XML 1.0 fifth edition, which libxml2 2.9 applies by default) ---

const NAME_START_ASCII = new Uint8Array(128);
const NAME_ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const start = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x3a;
  NAME_START_ASCII[c] = start ? 1 : 0;
  NAME_ASCII[c] = start || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e ? 1 : 0;
}
function isNameStartWide(c: number): boolean {
  return (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) || (c >= 0x37f && c <= 0x1fff) || c === 0x200c || c === 0x200d ||
    (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) || (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd) || (c >= 0x10000 && c <= 0xeffff);
}
function isNameWide(c: number): boolean {
  return isNameStartWide(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040;
}

/** The code point of the (validated) UTF-8 sequence at `i` of a byte view, and its length in bytes. */
function codePointAt(view: string, i: number): { cp: number; len: number } {
  const c = view.charCodeAt(i);
  if (c < 0x80) return { cp: c, len: 1 };
  if (c < 0xe0) return { cp: ((c & 0x1f) << 6) | (view.charCodeAt(i + 1) & 0x3f), len: 2 };
  if (c < 0xf0) return { cp: ((c & 0x0f) << 12) | ((view.charCodeAt(i + 1) & 0x3f) << 6) | (view.charCodeAt(i + 2) & 0x3f), len: 3 };
  return {
    cp: ((c & 0x07) << 18) | ((view.charCodeAt(i + 1) & 0x3f) << 12) | ((view.charCodeAt(i + 2) & 0x3f) << 6) | (view.charCodeAt(i + 3) & 0x3f),
    len: 4,
  };
}

/**
 * Whether a name part (byte view) after a colon may start an NCName. A Name such as `p:1a` is well-formed XML,
 * but Namespaces in XML makes both sides of the colon NCNames, and libxml2 refuses the QName.
 */
function startsNcName(part: string): boolean {
  const c = part.charCodeAt(0);
  return c < 0x80 ? NAME_START_ASCII[c] === 1 : isNameStartWide(codePointAt(part, 0).cp);
}

/** Control characters XML 1.0 forbids (U+FFFE/U+FFFF are looked for as their UTF-8 bytes). */
const BAD_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;
const NON_ASCII = /[\x80-\xff]/;
/** An unpaired surrogate: a string that cannot be UTF-8 (it would become U+FFFD, silently changing the text). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function allWs(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

function isLegalChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

// fromView, toView, normaliseLineEnds, referenceValue, nextNode and prologStart are exported for ./c14n.ts and
// ./query.ts, which read the bytes between the tags of a document this parser accepted.

/** A latin1 view of UTF-8 bytes → the real string (only when there are non-ASCII bytes). */
export function fromView(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

/** A real string → its UTF-8 bytes as a latin1 view (only when it holds non-ASCII characters). */
export function toView(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'utf8').toString('latin1');
  return s;
}

/** A character as UTF-8 bytes in the latin1 view (how expanded references join raw text). */
function charView(cp: number): string {
  return cp < 0x80 ? String.fromCharCode(cp) : Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
}

/** The code point of a reference body (`lt`, `#65`, `#x41`…) the parser has accepted. */
export function referenceValue(body: string): number {
  switch (body) {
    case 'lt': return 0x3c;
    case 'gt': return 0x3e;
    case 'amp': return 0x26;
    case 'apos': return 0x27;
    case 'quot': return 0x22;
  }
  return body.charCodeAt(1) === 0x78 /* x */ ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
}

export function normaliseLineEnds(s: string): string {
  return s.indexOf('\r') === -1 ? s : s.replace(/\r\n?/g, '\n');
}

/**
 * Character data of an accepted document (byte view) as the application sees it, still a byte view: line ends
 * normalised first (XML 1.0 §2.11 applies to the literal text, so `&#13;` stays a CR), then references expanded.
 */
function charDataOf(raw: string): string {
  const s = normaliseLineEnds(raw);
  return s.indexOf('&') === -1 ? s : s.replace(/&([^;]+);/g, (_m, body: string) => charView(referenceValue(body)));
}

/** One node found by nextNode (elements are the tree's): its kind, its body [from, to) and where the next starts. */
export interface NodeSpan {
  kind: 'text' | 'cdata' | 'comment' | 'pi';
  from: number;
  to: number;
  next: number;
}

/**
 * The node at `p` in a stretch of content that holds no tag (between an element's tags and its children's, or
 * outside the root) and ends at `end`, of a document parseXml accepted (so nothing is checked again).
 */
export function nextNode(view: string, p: number, end: number, span: NodeSpan): void {
  if (view.charCodeAt(p) !== 0x3c) {
    const lt = view.indexOf('<', p);
    span.kind = 'text';
    span.from = p;
    span.to = span.next = lt === -1 || lt > end ? end : lt;
  } else if (view.charCodeAt(p + 1) === 0x3f /* <? */) {
    span.kind = 'pi';
    span.from = p + 2;
    span.to = view.indexOf('?>', p + 2);
    span.next = span.to + 2;
  } else if (view.charCodeAt(p + 2) === 0x2d /* <!- */) {
    span.kind = 'comment';
    span.from = p + 4;
    span.to = view.indexOf('-->', p + 4);
    span.next = span.to + 3;
  } else {
    span.kind = 'cdata';
    span.from = p + 9;
    span.to = view.indexOf(']]>', p + 9);
    span.next = span.to + 3;
  }
}

/** The character data (text and CDATA, byte view) in a stretch of content [from, to) without tags. */
export function charDataBetween(view: string, from: number, to: number): string {
  const span: NodeSpan = { kind: 'text', from: 0, to: 0, next: 0 };
  let out = '';
  for (let p = from; p < to; p = span.next) {
    nextNode(view, p, to, span);
    if (span.kind === 'text') out += charDataOf(view.slice(span.from, span.to));
    else if (span.kind === 'cdata') out += normaliseLineEnds(view.slice(span.from, span.to));
  }
  return out;
}

// Fields are kept few (qname, nsDecls and selfClosing are derived; `decoded` also holds a text rawText cannot give):
// a 500-line invoice has 15,000 elements, and with three fields more its parse measured 3.7–4.0 ms instead of 3.0
// (the garbage collector's share doubled).
class Node implements XmlElement {
  children: readonly XmlElement[] = EMPTY_CHILDREN;
  rawText = '';
  mixed = false;
  cdata = false;
  startTagEnd = 0;
  endTagStart = 0;
  end = 0;
  /** `text`, once asked for (or set by the parser when rawText cannot give it, see closeTag). */
  decoded: string | undefined = undefined;

  constructor(
    readonly ns: string,
    readonly local: string,
    readonly prefix: string,
    readonly attrs: readonly XmlAttr[],
    readonly scope: NsScope,
    readonly parent: Node | null,
    readonly pos: number,
  ) {}

  get qname(): string {
    return this.prefix === '' ? this.local : `${this.prefix}:${this.local}`;
  }

  get nsDecls(): readonly NsDecl[] {
    return this.scope === (this.parent === null ? NO_NAMESPACES : this.parent.scope) ? EMPTY_DECLS : this.scope.decls;
  }

  get text(): string {
    if (this.decoded === undefined) this.decoded = normaliseLineEnds(fromView(this.rawText));
    return this.decoded;
  }

  get selfClosing(): boolean {
    return this.end === this.startTagEnd;
  }
}

/**
 * Parse a document: decide it is XML, refuse DTDs, check every well-formedness and namespace constraint of
 * XML 1.0 + Namespaces 1.0 that applies without a DTD, and build the tree. A string is taken as the text of a
 * document and encoded as UTF-8 (offsets are then offsets into those bytes). `limits` default to DOCUMENT_LIMITS.
 * Throws GatewayError XML_NOT_XML, XML_UNPARSABLE (detail with line and column), DOCUMENT_DOCTYPE or
 * DOCUMENT_LIMIT (detail with the byte offset).
 */
export function parseXml(input: Buffer | string, limits: Partial<XmlLimits> = DOCUMENT_LIMITS): XmlDocument {
  let bytes: Buffer;
  if (typeof input === 'string') {
    const lone = LONE_SURROGATE.exec(input);
    if (lone) throw new GatewayError('XML_UNPARSABLE', { detail: `unpaired surrogate at character ${lone.index}` });
    bytes = Buffer.from(input, 'utf8');
  } else {
    bytes = input;
  }
  assertNoDoctype(bytes);
  const bom = checkEncoding(bytes);
  const full = limits === DOCUMENT_LIMITS ? DOCUMENT_LIMITS : { ...DOCUMENT_LIMITS, ...limits };
  // A large document past a limit fails before its view is made (./prescan.ts); the parser checks them all again.
  if (bytes.length >= PRESCAN_BYTES) prescanLimits(bytes, full);
  const view = bytes.toString('latin1');
  const doc = new Parser(view, bytes, bom, full).parse();
  // Whole-document scans after the parse, which stops a document past its limits before they would run.
  const bad = BAD_CONTROL.exec(view);
  if (bad) {
    throw unparsable(view, bad.index, `character U+00${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')} is not allowed in XML`);
  }
  const fffe = view.indexOf('\xef\xbf\xbe');
  const ffff = view.indexOf('\xef\xbf\xbf');
  const nonChar = fffe === -1 ? ffff : ffff === -1 ? fffe : Math.min(fffe, ffff);
  if (nonChar !== -1) throw unparsable(view, nonChar, 'character U+FFFE/U+FFFF is not allowed in XML');
  return doc;
}

function unparsable(view: string, offset: number, message: string): GatewayError {
  const { line, column } = positionIn(view, offset);
  return new GatewayError('XML_UNPARSABLE', { detail: `line ${line}, column ${column}: ${message}` });
}

/** Where the prolog's comments and PIs start: after the byte order mark and the XML declaration. */
export function prologStart(view: string): number {
  const p = view.startsWith('\xef\xbb\xbf') ? 3 : 0;
  return hasXmlDecl(view, p) ? view.indexOf('?>', p) + 2 : p;
}

function hasXmlDecl(view: string, p: number): boolean {
  return view.startsWith('<?xml', p) && (isWs(view.charCodeAt(p + 5)) || view.charCodeAt(p + 5) === 0x3f);
}

class Parser {
  private pos = 0;
  private count = 0;
  /** Elements, comments, PIs and CDATA sections so far (maxNodes). */
  private nodes = 0;
  /** Attribute names of the tag being read, once it has many (duplicates are then found by hash, not by a scan). */
  private seen: Set<string> | null = null;
  // Raw attributes of the tag being read, valid up to rawTop (reused between tags).
  private rawNames: string[] = [];
  private rawValues: string[] = [];
  private rawPos: number[] = [];
  private rawTop = 0;
  /** Namespace declarations of the tag being read. */
  private decls: NsDecl[] | null = null;
  /** Whether the last name read held non-ASCII characters (then it needs decoding). */
  private nameWide = false;
  // Open elements.
  private stack: Node[] = [];
  private stackQNames: string[] = [];
  private depth = 0;
  /** Character data (byte view) of the innermost open element while it has no element child. */
  private text = '';
  /** Bytes of character data (as written) of the innermost open element since its last tag (maxTextBytes). */
  private textBytes = 0;
  /** It ends with a CR (kept apart: charCodeAt on the joined text would flatten it once per piece, quadratic). */
  private textEndsCr = false;
  /** That character data cannot be line-end normalised as a whole (see closeTag). */
  private textInexact = false;
  private root: Node | null = null;

  constructor(private readonly src: string, private readonly bytes: Buffer, bom: number, private readonly limits: XmlLimits) {
    this.pos = bom;
  }

  private fail(message: string, at = this.pos): never {
    throw unparsable(this.src, at, message);
  }

  private overLimit(limit: keyof XmlLimits, at: number): never {
    throw limitExceeded(limit, this.limits, at);
  }

  private node(at: number): void {
    if (++this.nodes > this.limits.maxNodes) this.overLimit('maxNodes', at);
  }

  private checkText(bytes: number, at: number): void {
    if (bytes > this.limits.maxTextBytes) this.overLimit('maxTextBytes', at);
  }

  parse(): XmlDocument {
    const src = this.src;
    if (hasXmlDecl(src, this.pos)) this.xmlDecl();
    this.misc();
    if (this.pos >= src.length || src.charCodeAt(this.pos) !== 0x3c) this.fail('Start tag expected, \'<\' not found');
    if (src.startsWith('<!DOCTYPE', this.pos)) throw new GatewayError('DOCUMENT_DOCTYPE');
    if (src.charCodeAt(this.pos + 1) === 0x21) this.fail('Start tag expected, \'<\' not found');
    this.content();
    this.misc();
    if (this.pos < src.length) this.fail('Extra content at the end of the document');
    return { bytes: this.bytes, root: this.root!, elementCount: this.count, view: src };
  }

  private xmlDecl(): void {
    const src = this.src;
    const end = src.indexOf('?>', this.pos);
    if (end === -1) this.fail('XML declaration not terminated');
    const body = src.slice(this.pos + 5, end);
    const ok = /^[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*$/.test(body);
    if (!ok) this.fail('Malformed XML declaration');
    this.pos = end + 2;
  }

  /** Comments, PIs and whitespace outside the root element. */
  private misc(): void {
    const src = this.src;
    for (;;) {
      while (this.pos < src.length && isWs(src.charCodeAt(this.pos))) this.pos++;
      if (src.startsWith('<!--', this.pos)) this.comment();
      else if (src.startsWith('<?', this.pos)) this.pi();
      else return;
    }
  }

  private comment(): void {
    const src = this.src;
    const start = this.pos;
    this.node(start);
    const dd = src.indexOf('--', start + 4);
    if (dd === -1) this.fail('Comment not terminated', start);
    if (src.charCodeAt(dd + 2) !== 0x3e) this.fail('Double hyphen within comment', dd);
    this.pos = dd + 3;
  }

  private pi(): void {
    const src = this.src;
    const start = this.pos;
    this.node(start);
    this.pos += 2;
    const target = this.name();
    if (target === null) this.fail('Processing instruction without a target', start);
    if (target.toLowerCase() === 'xml') this.fail('XML declaration allowed only at the start of the document', start);
    if (target.indexOf(':') !== -1) this.fail(`colons are forbidden from PI names '${fromView(target)}'`, start);
    const end = src.indexOf('?>', this.pos);
    if (end === -1) this.fail('Processing instruction not terminated', start);
    if (end !== this.pos && !isWs(src.charCodeAt(this.pos))) this.fail('Space required after the processing instruction target');
    this.pos = end + 2;
  }

  /** Read an XML Name at pos (in the byte view); null when none starts here. */
  private name(): string | null {
    const src = this.src;
    const start = this.pos;
    const stop = start + this.limits.maxNameBytes;
    let i = start;
    let first = true;
    let wide = false;
    for (;;) {
      if (i > stop) this.overLimit('maxNameBytes', start);
      const c = src.charCodeAt(i);
      if (c < 0x80) {
        if ((first ? NAME_START_ASCII[c] : NAME_ASCII[c]) !== 1) break;
        i++;
      } else {
        // A UTF-8 sequence (the bytes were validated): decode the code point to classify it.
        const { cp, len } = codePointAt(src, i);
        if (!(first ? isNameStartWide(cp) : isNameWide(cp))) break;
        i += len;
        wide = true;
      }
      first = false;
    }
    if (i === start) return null;
    this.pos = i;
    this.nameWide = wide;
    return src.slice(start, i);
  }

  /** The root element and everything in it, iteratively. */
  private content(): void {
    const src = this.src;
    const len = src.length;
    if (this.openTag()) return;
    while (this.depth > 0) {
      const lt = src.indexOf('<', this.pos);
      if (lt === -1) this.fail(`Premature end of data in tag ${fromView(this.stackQNames[this.depth - 1]!)}`, len);
      const cur = this.stack[this.depth - 1]!;
      if (lt > this.pos) {
        this.textBytes += lt - this.pos;
        this.checkText(this.textBytes, this.pos);
        if (cur.children === EMPTY_CHILDREN) {
          this.appendText(this.charData(src.slice(this.pos, lt), this.pos));
        } else if (!wsRange(src, this.pos, lt) && !allWs(this.charData(src.slice(this.pos, lt), this.pos))) {
          cur.mixed = true;
        }
        this.pos = lt;
      }
      const c = src.charCodeAt(lt + 1);
      if (c === 0x2f /* </ */) {
        this.closeTag();
        continue;
      }
      if (c !== 0x21 /* <! */ && c !== 0x3f /* <? */) {
        this.openTag();
        continue;
      }
      // A comment, PI or CDATA section splits the leaf text: a CR just before it is a line end of its own.
      if (cur.children === EMPTY_CHILDREN && this.textEndsCr) this.textInexact = true;
      if (c === 0x3f) {
        this.pi();
      } else if (src.startsWith('<!--', lt)) {
        this.comment();
      } else if (src.startsWith('<![CDATA[', lt)) {
        const end = src.indexOf(']]>', lt + 9);
        if (end === -1) this.fail('CData section not finished', lt);
        this.node(lt);
        this.textBytes += end - lt - 9;
        this.checkText(this.textBytes, lt);
        cur.cdata = true;
        if (cur.children === EMPTY_CHILDREN) {
          this.appendText(src.slice(lt + 9, end));
          if (src.charCodeAt(end - 1) === 0x0d) this.textInexact = true; // and the text after it may start with LF
        } else if (!wsRange(src, lt + 9, end)) cur.mixed = true;
        this.pos = end + 3;
      } else if (src.startsWith('<!DOCTYPE', lt) || src.startsWith('<!ENTITY', lt)) {
        throw new GatewayError('DOCUMENT_DOCTYPE');
      } else {
        this.fail('StartTag: invalid element name', lt);
      }
    }
  }

  /** Reads the start tag at pos; returns true for an empty-element tag (nothing left open). */
  private openTag(): boolean {
    const src = this.src;
    const len = src.length;
    const tagStart = this.pos;
    const limits = this.limits;
    if (this.depth >= limits.maxDepth) this.overLimit('maxDepth', tagStart);
    this.node(tagStart);
    this.pos++;
    const qname = this.name();
    if (qname === null) this.fail('StartTag: invalid element name', tagStart);
    const qnameWide = this.nameWide;
    this.rawTop = 0;
    this.decls = null;
    this.seen = null;
    let empty = false;
    for (;;) {
      const p = this.pos;
      let c = src.charCodeAt(p);
      if (c === 0x3e /* > */) { this.pos++; break; }
      if (c === 0x2f /* / */) {
        if (src.charCodeAt(p + 1) !== 0x3e) this.fail(`Couldn't find end of Start Tag ${fromView(qname)}`, tagStart);
        this.pos += 2;
        empty = true;
        break;
      }
      if (!isWs(c)) this.fail(p >= len ? `Premature end of data in tag ${fromView(qname)}` : 'attributes construct error', p);
      while (isWs(src.charCodeAt(this.pos))) this.pos++;
      c = src.charCodeAt(this.pos);
      if (c === 0x3e || c === 0x2f) continue;
      const aStart = this.pos;
      if (this.rawTop >= limits.maxAttributes) this.overLimit('maxAttributes', aStart);
      const an = this.name();
      if (an === null) this.fail(this.pos >= len ? `Premature end of data in tag ${fromView(qname)}` : 'attributes construct error');
      while (isWs(src.charCodeAt(this.pos))) this.pos++;
      if (src.charCodeAt(this.pos) !== 0x3d) this.fail(`Specification mandates value for attribute ${fromView(an)}`);
      this.pos++;
      while (isWs(src.charCodeAt(this.pos))) this.pos++;
      const q = src.charCodeAt(this.pos);
      if (q !== 0x22 && q !== 0x27) this.fail('AttValue: " or \' expected');
      const vStart = this.pos + 1;
      const vEnd = src.indexOf(q === 0x22 ? '"' : '\'', vStart);
      if (vEnd === -1) this.fail('AttValue: closing quote expected');
      if (vEnd - vStart > limits.maxAttributeBytes) this.overLimit('maxAttributeBytes', vStart);
      const raw = src.slice(vStart, vEnd);
      const ltAt = raw.indexOf('<');
      if (ltAt !== -1) this.fail('Unescaped \'<\' not allowed in attributes values', vStart + ltAt);
      const value = this.attrValue(raw, vStart);
      this.pos = vEnd + 1;
      if (this.isDuplicate(an)) this.fail(`Attribute ${fromView(an)} redefined`, aStart);
      this.rawNames[this.rawTop] = an;
      this.rawValues[this.rawTop] = value;
      this.rawPos[this.rawTop] = aStart;
      this.rawTop++;
      if (an.charCodeAt(0) === 0x78 /* x */ && (an === 'xmlns' || an.startsWith('xmlns:'))) this.declare(an, value, aStart);
    }

    // Resolve names now that every declaration on this tag is in scope.
    const parent = this.depth > 0 ? this.stack[this.depth - 1]! : null;
    const decls = this.decls;
    const scope = decls === null ? (parent ? parent.scope : NO_NAMESPACES) : new NsScope(parent ? parent.scope : NO_NAMESPACES, decls);
    if (scope.size > limits.maxNamespaces) this.overLimit('maxNamespaces', tagStart);
    const colon = qname.indexOf(':');
    let prefix = '';
    let local = qname;
    let uri: string;
    if (colon !== -1) {
      prefix = qname.slice(0, colon);
      local = qname.slice(colon + 1);
      if (prefix === '' || local === '' || local.indexOf(':') !== -1 || !startsNcName(local)) this.fail(`Failed to parse QName '${fromView(qname)}'`, tagStart);
      if (prefix === 'xmlns') this.fail('Element names must not use the xmlns prefix', tagStart);
      if (qnameWide) prefix = fromView(prefix);
      const u = scope.lookup(prefix);
      if (u === undefined) this.fail(`Namespace prefix ${prefix} on ${fromView(local)} is not defined`, tagStart);
      uri = u;
    } else {
      uri = scope.lookup('') ?? '';
    }
    let attrs: readonly XmlAttr[] = EMPTY_ATTRS;
    if (this.rawTop > 0) attrs = this.resolveAttrs(local, scope);
    const el = new Node(uri, qnameWide ? fromView(local) : local, prefix, attrs, scope, parent, tagStart);
    this.count++;
    if (parent) {
      // The parent's text so far is no longer leaf text: only whether it was whitespace matters.
      if (parent.children === EMPTY_CHILDREN) {
        if (!allWs(this.text)) parent.mixed = true;
        parent.children = [];
      }
      (parent.children as XmlElement[]).push(el);
    } else {
      this.root = el;
    }
    this.text = '';
    this.textBytes = 0;
    this.textEndsCr = false;
    this.textInexact = false;
    el.startTagEnd = this.pos;
    if (empty) {
      el.endTagStart = el.end = this.pos;
      return true;
    }
    this.stack[this.depth] = el;
    this.stackQNames[this.depth] = qname;
    this.depth++;
    return false;
  }

  private appendText(piece: string): void {
    if (piece.length === 0) return;
    this.text += piece;
    this.textEndsCr = piece.charCodeAt(piece.length - 1) === 0x0d;
  }

  /** Whether the tag being read already has an attribute of this name (written form); by hash past a few. */
  private isDuplicate(an: string): boolean {
    const top = this.rawTop;
    if (top < 8) {
      for (let i = 0; i < top; i++) if (this.rawNames[i] === an) return true;
      return false;
    }
    if (this.seen === null) this.seen = new Set(this.rawNames.slice(0, top));
    if (this.seen.has(an)) return true;
    this.seen.add(an);
    return false;
  }

  private closeTag(): void {
    const src = this.src;
    const endStart = this.pos;
    const qname = this.stackQNames[this.depth - 1]!;
    this.pos += 2;
    const name = this.name();
    if (name !== qname) {
      this.fail(`Opening and ending tag mismatch: ${fromView(qname)} and ${fromView(name ?? '')}`, endStart);
    }
    while (isWs(src.charCodeAt(this.pos))) this.pos++;
    if (src.charCodeAt(this.pos) !== 0x3e) this.fail(`expected '>'`);
    this.pos++;
    this.depth--;
    const el = this.stack[this.depth]!;
    el.endTagStart = endStart;
    el.end = this.pos;
    if (el.children === EMPTY_CHILDREN) {
      el.rawText = this.text;
      // A `&#13;` in the text, or a CR before a comment or CDATA section: rawText cannot simply be line-end
      // normalised into `text`, so read it again from the source (rare).
      if (this.textInexact) el.decoded = fromView(charDataBetween(src, el.startTagEnd, el.endTagStart));
    }
    this.text = '';
    this.textBytes = 0;
    this.textEndsCr = false;
    this.textInexact = false;
  }

  private resolveAttrs(elementLocal: string, scope: NsScope): readonly XmlAttr[] {
    const list: XmlAttr[] = [];
    for (let i = 0; i < this.rawTop; i++) {
      const an = this.rawNames[i]!;
      if (an.charCodeAt(0) === 0x78 && (an === 'xmlns' || an.startsWith('xmlns:'))) continue;
      const ac = an.indexOf(':');
      if (ac === -1) {
        const name = fromView(an);
        list.push({ ns: '', local: name, prefix: '', value: this.rawValues[i]!, qname: name });
        continue;
      }
      const at = this.rawPos[i]!;
      const ap = an.slice(0, ac);
      const al = an.slice(ac + 1);
      if (ap === '' || al === '' || al.indexOf(':') !== -1 || !startsNcName(al)) this.fail(`Failed to parse QName '${fromView(an)}'`, at);
      const prefix = fromView(ap);
      const au = scope.lookup(prefix);
      if (au === undefined) this.fail(`Namespace prefix ${prefix} for ${fromView(al)} on ${fromView(elementLocal)} is not defined`, at);
      const local = fromView(al);
      for (const other of list) {
        if (other.ns === au && other.local === local) this.fail(`Namespaced Attribute ${local} in '${au}' redefined`, at);
      }
      list.push({ ns: au, local, prefix, value: this.rawValues[i]!, qname: fromView(an) });
    }
    return list.length > 0 ? list : EMPTY_ATTRS;
  }

  /** Record a namespace declared on the tag being read (Namespaces in XML 1.0 §3 constraints). */
  private declare(attr: string, value: string, at: number): void {
    if (attr === 'xmlns') {
      if (value === XML_NS || value === XMLNS_NS) this.fail(`xmlns: URI ${value} is not allowed as default namespace`, at);
      if (value !== '' && !isNamespaceName(value)) this.fail(`xmlns: '${value}' is not a valid URI`, at);
      (this.decls ??= []).push(['', value]);
      return;
    }
    const raw = attr.slice(6);
    if (raw === '' || raw.indexOf(':') !== -1 || !startsNcName(raw)) this.fail(`Failed to parse QName '${fromView(attr)}'`, at);
    const prefix = fromView(raw);
    if (prefix === 'xmlns') this.fail('xmlns: prefix xmlns must not be declared', at);
    if (value === '') this.fail(`xmlns:${prefix}: Empty XML namespace is not allowed`, at);
    if (prefix === 'xml') {
      if (value !== XML_NS) this.fail('xml namespace prefix mapped to wrong URI', at);
    } else {
      if (value === XML_NS) this.fail('xml namespace URI mapped to wrong prefix', at);
      if (value === XMLNS_NS) this.fail('redefinition of the xmlns prefix is forbidden', at);
      if (!isNamespaceName(value)) this.fail(`xmlns:${prefix}: '${value}' is not a valid URI`, at);
    }
    (this.decls ??= []).push([prefix, value]);
  }

  /** Attribute value normalisation (XML 1.0 §3.3.3, CDATA): references expanded, literal white space → space. */
  private attrValue(raw: string, at: number): string {
    const amp = raw.indexOf('&');
    return fromView(amp === -1 ? wsToSpace(raw) : this.expand(raw, amp, at, true));
  }

  /** Character data between tags, still in the byte view, references expanded; `]]>` is not allowed. */
  private charData(raw: string, at: number): string {
    const cdEnd = raw.indexOf(']]>');
    if (cdEnd !== -1) this.fail('Sequence \']]>\' not allowed in content', at + cdEnd);
    const amp = raw.indexOf('&');
    return amp === -1 ? raw : this.expand(raw, amp, at, false);
  }

  /**
   * `raw` (byte view) with its references expanded, from the first `&` at `amp` on; in an attribute value, literal
   * white space also becomes a space (a CR LF pair one). Written byte by byte into one buffer: joining a piece per
   * reference made a rope of millions of strings (a 19 MB text of `&#65;`: 1.2 s and 115 MB of heap). No
   * reference is shorter than the UTF-8 of its character, so the output fits in raw.length bytes.
   */
  private expand(raw: string, amp: number, at: number, attr: boolean): string {
    const n = raw.length;
    const out = n <= scratch.length ? scratch : Buffer.allocUnsafe(n);
    let o = 0;
    for (let i = 0; i < amp; i++) o = copyChar(out, o, raw, i, attr);
    for (let i = amp; i < n; ) {
      if (raw.charCodeAt(i) !== 0x26 /* & */) {
        // A CR LF pair in an attribute is one space: skip the LF here, copyChar wrote the space for the CR.
        if (attr && raw.charCodeAt(i) === 0x0d && raw.charCodeAt(i + 1) === 0x0a) i++;
        o = copyChar(out, o, raw, i, attr);
        i++;
        continue;
      }
      const semi = raw.indexOf(';', i);
      if (semi === -1) this.fail('EntityRef: expecting \';\'', at + i);
      const cp = this.reference(raw, i + 1, semi, at + i);
      // A CR from a reference is data, not a line end: normalising rawText as a whole would turn it into LF.
      if (cp === 0x0d && !attr) this.textInexact = true;
      o = writeUtf8(out, o, cp);
      i = semi + 1;
    }
    return out.toString('latin1', 0, o);
  }

  /** Check the body raw[from, to) of `&…;` (a predefined entity or a character reference); its code point. */
  private reference(raw: string, from: number, to: number, at: number): number {
    if (raw.charCodeAt(from) === 0x23 /* # */) {
      // Read in place, without a slice, a regular expression and parseInt each: a text can hold millions.
      const hex = raw.charCodeAt(from + 1) === 0x78 /* x */;
      const first = from + (hex ? 2 : 1);
      if (first === to) this.fail('CharRef: invalid value', at);
      let cp = 0;
      for (let k = first; k < to; k++) {
        const d = digitValue(raw.charCodeAt(k), hex);
        if (d < 0) this.fail('CharRef: invalid value', at);
        cp = cp * (hex ? 16 : 10) + d;
      }
      if (to - first > 8) cp = -1;
      if (!isLegalChar(cp)) this.fail(`xmlParseCharRef: invalid xmlChar value ${cp}`, at);
      return cp;
    }
    const body = raw.slice(from, to);
    switch (body) {
      case 'lt': case 'gt': case 'amp': case 'apos': case 'quot':
        return referenceValue(body);
    }
    if (body.length === 0) this.fail('xmlParseEntityRef: no name', at);
    this.fail(`Entity '${fromView(body.slice(0, 40))}' not defined`, at);
  }

}

/** Reused by Parser.expand for values up to its size (the output is copied into a string at once). */
const scratch = Buffer.allocUnsafe(64 * 1024);

/** The value of a decimal (or, with `hex`, hexadecimal) digit's char code; -1 for anything else. */
function digitValue(c: number, hex: boolean): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (!hex) return -1;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** One byte of a view into `out`; in an attribute value TAB, LF and CR become a space. */
function copyChar(out: Buffer, o: number, raw: string, i: number, attr: boolean): number {
  const c = raw.charCodeAt(i);
  out[o] = attr && (c === 0x09 || c === 0x0a || c === 0x0d) ? 0x20 : c;
  return o + 1;
}

/** A code point as UTF-8 bytes into `out` at `o`; the offset after them. */
function writeUtf8(out: Buffer, o: number, cp: number): number {
  if (cp < 0x80) {
    out[o] = cp;
    return o + 1;
  }
  if (cp < 0x800) {
    out[o] = 0xc0 | (cp >> 6);
    out[o + 1] = 0x80 | (cp & 0x3f);
    return o + 2;
  }
  if (cp < 0x10000) {
    out[o] = 0xe0 | (cp >> 12);
    out[o + 1] = 0x80 | ((cp >> 6) & 0x3f);
    out[o + 2] = 0x80 | (cp & 0x3f);
    return o + 3;
  }
  out[o] = 0xf0 | (cp >> 18);
  out[o + 1] = 0x80 | ((cp >> 12) & 0x3f);
  out[o + 2] = 0x80 | ((cp >> 6) & 0x3f);
  out[o + 3] = 0x80 | (cp & 0x3f);
  return o + 4;
}

function wsRange(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

function wsToSpace(s: string): string {
  // \r\n counts once: line-end normalisation happens before attribute normalisation.
  return s.indexOf('\n') === -1 && s.indexOf('\t') === -1 && s.indexOf('\r') === -1 ? s : s.replace(/\r\n?|[\n\t]/g, ' ');
}

/**
 * W3C Canonical XML 1.0 and Exclusive XML Canonicalization 1.0 (with or without comments) of a tree from
 * ./parse.ts, for the XAdES signer and verifier.
 *
 * The canonical form is written from the tree and the document's own bytes: element and attribute names,
 * namespaces and attribute values come from the tree; text, CDATA sections, comments and PIs are read again from
 * the bytes between the tags (nothing of them is kept while parsing, so validation does not pay for them), and
 * the output is built as UTF-8 bytes seen as latin1 chars, like the parser's view, so that text is never decoded.
 * Measured on GİB's 10-line sample invoice (16.7 KB, CRLF): 0.08 ms for the whole document, CPU time, best of 7
 * runs (the signer's former token-list canonicaliser: 0.095 ms; BENCHMARKS.md).
 *
 * Correctness is checked in test/xml/c14n.test.ts against libxml2 (`xmllint --c14n` / `--exc-c14n`) over every
 * XML file of GİB's package and hand-made edge cases; document subsets (SignedInfo, SignedProperties) are checked
 * end to end by xmlsec1 in test/signing/xades.test.ts.
 */
import * as parse from './parse';
import type { NodeSpan, NsDecl, XmlAttr, XmlDocument, XmlElement } from './parse';

// Bound once: compiled to CommonJS (as tsx runs us), each use of an imported name reads it through a getter on the
// module's exports, which measured 13 % of the walk on a 10-line invoice.
const { fromView, nextNode, normaliseLineEnds, prologStart, referenceValue, toView } = parse;

export type C14nMethod =
  | 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315'
  | 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments'
  | 'http://www.w3.org/2001/10/xml-exc-c14n#'
  | 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments';

export const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315' as const;
export const C14N_COMMENTS = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments' as const;
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#' as const;
export const EXC_C14N_COMMENTS = 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments' as const;

export function isC14nMethod(uri: string): uri is C14nMethod {
  return uri === C14N || uri === C14N_COMMENTS || uri === EXC_C14N || uri === EXC_C14N_COMMENTS;
}

/** Replace the source bytes [at, end) (end === at: insert at `at`) with `output`, already canonical. */
export interface C14nPatch {
  at: number;
  end: number;
  output: string;
}

export interface C14nOptions {
  method?: C14nMethod;
  /** Canonicalise this element's subtree (a document subset) instead of the whole document. */
  element?: XmlElement;
  /** Leave out this element's subtree (the enveloped-signature transform). */
  exclude?: XmlElement | null;
  /** Exclusive C14N InclusiveNamespaces PrefixList ('#default' for the default namespace). */
  inclusivePrefixes?: string[];
  /**
   * Force comments off even when the method keeps them: a same-document URI ("" or "#id") dereferences to a
   * node-set without comments (XMLDSig §4.4.3.3).
   */
  dropComments?: boolean;
  /**
   * Canonicalise the children of this element (not the element itself), rendering namespaces relative to it.
   * Used for generated fragments parsed inside a wrapper that carries the bindings in scope where they will sit.
   */
  contentOf?: XmlElement;
  /**
   * Canonical output spliced in place of parts of the source, sorted by `at`; every `at` and `end` is a node
   * boundary (where an element starts or ends, or where an element's content starts or ends). Lets the signer
   * canonicalise the document as edited without parsing it again.
   */
  patches?: readonly C14nPatch[];
}

const EMPTY_MAP: ReadonlyMap<string, string> = new Map();
const TEXT_ESC = /[&<>\r]/;
const ATTR_ESC = /[&<"\t\n\r]/;

/** Character data escaped as C14N writes it (also how the signer writes generated text). */
export function escapeText(s: string): string {
  if (!TEXT_ESC.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

/** An attribute value escaped as C14N writes it, for double quotes. */
export function escapeAttr(s: string): string {
  if (!ATTR_ESC.test(s)) return s;
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

/**
 * Canonical XML of the document (or of one element's subtree), as a string; see canonicalBytes for digests.
 * Inclusive C14N 1.0 renders, on the apex element of a subset, every namespace in scope and the xml:* attributes
 * of its ancestors; exclusive C14N renders only the namespaces each element visibly uses.
 */
export function canonicalize(doc: XmlDocument, opts: C14nOptions = {}): string {
  return fromView(canonicalView(doc, opts));
}

/** The canonical form as the UTF-8 octets a digest or signature covers. */
export function canonicalBytes(doc: XmlDocument, opts: C14nOptions = {}): Buffer {
  return Buffer.from(canonicalView(doc, opts), 'latin1');
}

function canonicalView(doc: XmlDocument, opts: C14nOptions): string {
  const method = opts.method ?? C14N;
  const exclusive = method === EXC_C14N || method === EXC_C14N_COMMENTS;
  const w = new Writer(
    doc.view,
    exclusive,
    !opts.dropComments && (method === C14N_COMMENTS || method === EXC_C14N_COMMENTS),
    opts.element ?? null,
    opts.exclude ?? null,
    exclusive ? new Set((opts.inclusivePrefixes ?? []).map((p) => (p === '#default' ? '' : p))) : null,
    opts.patches ?? [],
  );
  if (opts.element) {
    w.element(opts.element, EMPTY_MAP);
  } else if (opts.contentOf) {
    w.content(opts.contentOf, EMPTY_MAP);
  } else {
    const root = doc.root;
    w.between(prologStart(doc.view), root.pos, -1);
    w.element(root, EMPTY_MAP);
    w.between(root.end, doc.view.length, 1);
  }
  w.finish();
  return w.out;
}

/** Builds the canonical form, as a byte view, by a walk of the tree and of the bytes between its tags. */
class Writer {
  out = '';
  private nextPatch = 0;
  private readonly span: NodeSpan = { kind: 'text', from: 0, to: 0, next: 0 };

  constructor(
    private readonly view: string,
    private readonly exclusive: boolean,
    private readonly comments: boolean,
    private readonly apex: XmlElement | null,
    private readonly exclude: XmlElement | null,
    private readonly inclusivePrefixes: ReadonlySet<string> | null,
    private readonly patches: readonly C14nPatch[],
  ) {}

  finish(): void {
    if (this.nextPatch !== this.patches.length) throw new Error(`C14N patch at ${this.patches[this.nextPatch]!.at} is not at a node boundary`);
  }

  /** Write the patches that start at `at`; returns where the source continues. */
  private patchAt(at: number): number {
    const patches = this.patches;
    let skipTo = at;
    while (this.nextPatch < patches.length && patches[this.nextPatch]!.at === at) {
      const p = patches[this.nextPatch++]!;
      this.out += toView(p.output);
      if (p.end > skipTo) skipTo = p.end;
    }
    return skipTo;
  }

  /** `rendered`: exclusive C14N's namespaces already rendered by output ancestors. */
  element(el: XmlElement, rendered: ReadonlyMap<string, string>): void {
    const name = this.nameOf(el);
    this.out += `<${name}`;
    let mine = rendered;
    if (this.exclusive) {
      mine = this.exclusiveNamespaces(el, rendered);
      if (el.attrs.length) this.attributes(el.attrs);
    } else if (el === this.apex || (this.apex === null && el.parent === null)) {
      const pairs: NsDecl[] = [];
      for (const [p, u] of el.scope.all()) if (u !== '' && p !== 'xml') pairs.push([p, u]);
      this.namespaces(pairs);
      let attrs = el.attrs;
      if (el === this.apex && el.parent) {
        // xml:* attributes are inherited by the apex of a document subset (C14N 1.0 §2.4).
        const have = new Set(attrs.filter((a) => a.prefix === 'xml').map((a) => a.local));
        const extra: XmlAttr[] = [];
        for (let anc: XmlElement | null = el.parent; anc; anc = anc.parent) {
          for (const a of anc.attrs) {
            if (a.prefix === 'xml' && !have.has(a.local)) {
              have.add(a.local);
              extra.push(a);
            }
          }
        }
        if (extra.length) attrs = attrs.concat(extra);
      }
      if (attrs.length) this.attributes(attrs);
    } else {
      if (el.nsDecls.length) {
        const parentScope = el.parent!.scope;
        const pairs: NsDecl[] = [];
        for (const [p, u] of el.nsDecls) {
          if (p !== 'xml' && (parentScope.lookup(p) ?? '') !== u) pairs.push([p, u]);
        }
        this.namespaces(pairs);
      }
      if (el.attrs.length) this.attributes(el.attrs);
    }
    this.out += '>';
    this.content(el, mine);
    this.out += `</${name}>`;
  }

  /**
   * The element's name as written, in the byte view: sliced from its start tag when it is ASCII (then as many
   * bytes as characters, followed by white space, '>' or '/'), which spares building and converting the qname.
   */
  private nameOf(el: XmlElement): string {
    const end = el.pos + 1 + (el.prefix === '' ? el.local.length : el.prefix.length + 1 + el.local.length);
    const c = this.view.charCodeAt(end);
    return c === 0x3e || c === 0x20 || c === 0x2f || c === 0x0a || c === 0x09 || c === 0x0d ? this.view.slice(el.pos + 1, end) : toView(el.qname);
  }

  /**
   * Exclusive C14N §3: render a namespace the element visibly utilises (its own prefix, the default namespace for
   * an unprefixed element, its attributes' prefixes) or that the InclusiveNamespaces list names, unless an output
   * ancestor already rendered the same binding. Returns the bindings rendered from here down.
   */
  private exclusiveNamespaces(el: XmlElement, rendered: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
    const pairs: NsDecl[] = [];
    const consider = (p: string): void => {
      if (p === 'xml' || pairs.some((x) => x[0] === p)) return;
      const uri = el.scope.lookup(p);
      if (uri === undefined) return;
      if ((rendered.get(p) ?? '') === uri) return;
      pairs.push([p, uri]);
    };
    consider(el.prefix);
    for (const a of el.attrs) if (a.prefix) consider(a.prefix);
    if (this.inclusivePrefixes) for (const p of this.inclusivePrefixes) consider(p);
    if (!pairs.length) return rendered;
    const mine = new Map(rendered);
    for (const [p, u] of pairs) mine.set(p, u);
    this.namespaces(pairs);
    return mine;
  }

  private namespaces(pairs: NsDecl[]): void {
    if (pairs.length > 1) pairs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    for (const [p, u] of pairs) this.out += p === '' ? ` xmlns="${toView(escapeAttr(u))}"` : ` xmlns:${toView(p)}="${toView(escapeAttr(u))}"`;
  }

  private attributes(attrs: readonly XmlAttr[]): void {
    const sorted = attrs.length > 1 ? attrs.slice().sort(compareAttrs) : attrs;
    for (const a of sorted) this.out += ` ${toView(a.qname)}="${toView(escapeAttr(a.value))}"`;
  }

  /** The element's content: the nodes between its tags, its children (less `exclude`), and the patches there. */
  content(el: XmlElement, rendered: ReadonlyMap<string, string>): void {
    let cursor = this.patchAt(el.startTagEnd);
    for (const child of el.children) {
      if (child.pos < cursor) continue; // replaced by a patch
      this.between(cursor, child.pos, 0);
      cursor = this.patchAt(child.pos);
      if (cursor > child.pos) continue;
      if (child !== this.exclude) this.element(child, rendered);
      cursor = child.end;
    }
    this.between(cursor, el.endTagStart, 0);
    this.patchAt(el.endTagStart);
  }

  /**
   * Text, CDATA, comments and PIs in [from, to), which holds no tag. `outside`: -1 before the root element, 1 after
   * it (where C14N drops white space and puts a line break between the root and a comment or PI), 0 inside.
   */
  between(from: number, to: number, outside: -1 | 0 | 1): void {
    const view = this.view;
    const span = this.span;
    for (let p = from; p < to; p = span.next) {
      nextNode(view, p, to, span);
      switch (span.kind) {
        case 'text':
          if (outside === 0) this.out += canonicalText(view.slice(span.from, span.to));
          break;
        case 'cdata':
          this.out += escapeCData(normaliseLineEnds(view.slice(span.from, span.to)));
          break;
        case 'comment':
          if (this.comments) this.misc(`<!--${normaliseLineEnds(view.slice(span.from, span.to))}-->`, outside);
          break;
        case 'pi': {
          const body = view.slice(span.from, span.to);
          const m = /^([^ \t\r\n]+)[ \t\r\n]*([\s\S]*)$/.exec(body)!;
          this.misc(m[2] ? `<?${m[1]} ${normaliseLineEnds(m[2])}?>` : `<?${m[1]}?>`, outside);
          break;
        }
      }
    }
  }

  private misc(node: string, outside: -1 | 0 | 1): void {
    if (outside === 0) this.out += node;
    else if (outside < 0) this.out += `${node}\n`;
    else this.out += `\n${node}`;
  }
}

function compareAttrs(a: XmlAttr, b: XmlAttr): number {
  if (a.ns !== b.ns) return a.ns < b.ns ? -1 : 1;
  return a.local < b.local ? -1 : a.local > b.local ? 1 : 0;
}

const TEXT_SPECIAL = /[&>\r]/;

/** Raw character data (byte view, references unexpanded) → its canonical form (byte view). */
function canonicalText(raw: string): string {
  // CRLF + indentation, the commonest text of a Windows-made document: drop the CR without a regex.
  if (raw.charCodeAt(0) === 0x0d && raw.charCodeAt(1) === 0x0a) {
    let i = 2;
    while (i < raw.length) {
      const c = raw.charCodeAt(i);
      if (c !== 0x09 && c !== 0x20) break;
      i++;
    }
    if (i === raw.length) return raw.slice(1);
  }
  if (!TEXT_SPECIAL.test(raw)) return raw;
  // Line ends first (XML 1.0 §2.11 applies to the literal text), then references, each written as C14N wants.
  return normaliseLineEnds(raw).replace(/&([^;]+);|>/g, (_m, body: string | undefined) => (body === undefined ? '&gt;' : canonicalReference(body)));
}

function canonicalReference(body: string): string {
  const cp = referenceValue(body);
  switch (cp) {
    case 0x26: return '&amp;';
    case 0x3c: return '&lt;';
    case 0x3e: return '&gt;';
    case 0x0d: return '&#xD;';
  }
  return toView(String.fromCodePoint(cp));
}

function escapeCData(s: string): string {
  return /[&<>]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s;
}

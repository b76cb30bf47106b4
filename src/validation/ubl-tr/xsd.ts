/**
 * XSD validation of an invoice against GİB's UBL-TR 1.2.1 schemas (`<xsdDir>/maindoc/UBL-Invoice-2.1.xsd` and the
 * `common/*.xsd` it imports by relative path), loaded once per directory and cached.
 *
 * Two engines:
 * - 'compiled' (default): the schemas are compiled once into content-model automata and simple-type checks, and
 *   each invoice is validated on the tree of ../../xml/parse.ts. Cost per 10-line invoice once compiled: ≈ 0.06 ms
 *   (≈ 0.15 µs per element; figures in ../index.ts); compiling the schemas takes ≈ 80 ms, once per process.
 * - 'libxml2': libxmljs2's Document.validate(), the reference. libxmljs2 0.35 re-parses and recompiles the whole
 *   schema set on every call (xmlSchemaParse inside XmlDocument::Validate), which costs ≈ 15 ms per invoice
 *   however the schema document is cached — too slow for the gateway (~1,600 invoices/s), kept for comparison.
 *
 * The compiled engine implements the XSD 1.0 subset these schemas use (sequence/choice/any particles with any
 * occurrence bounds, simple and complex content by extension or restriction, attribute uses and wildcards,
 * lax/strict/skip wildcards, xs:ID uniqueness, the built-in types in xsd-types.ts) and reports the first error
 * in libxml2's words. test/validation/xsd.test.ts checks it gives libxml2's verdict on every GİB sample and on
 * hundreds of mutations of them. Known difference: xsi:type is refused (UBL-TR documents never use it).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as libxml from 'libxmljs2';
import { GatewayError } from '../../faults';
import { NS } from '../../xml/namespaces';
import { setInvoiceNumber } from '../number';
import { positionOf, type XmlDocument, type XmlElement } from '../../xml/parse';
import { builtin, normalise, type Builtin, type WhiteSpace } from './xsd-types';

export interface XsdValidateOptions {
  /**
   * The gateway will sign this document: validate it as the signer will leave it. GİB's InvoiceType requires
   * ext:UBLExtensions and an ExtensionContent must hold an element, yet an ERP sends the unsigned invoice with an
   * empty ExtensionContent (GİB's own HKS samples do) or without UBLExtensions; the signer (src/signing/xades.ts)
   * puts ds:Signature into the first empty ExtensionContent or adds the UBLExtensions. So the first empty
   * ExtensionContent, or a missing UBLExtensions, counts as holding the signature.
   */
  signatureSlot?: boolean;
  /**
   * The gateway will write cbc:ID (setInvoiceNumber): a document without one is validated as if it were there.
   */
  invoiceIdSlot?: boolean;
}

export interface XsdValidator {
  readonly engine: 'compiled' | 'libxml2';
  /** Throws XSD_INVALID with the first error (trimmed, with its line). */
  validate(doc: XmlDocument, opts?: XsdValidateOptions): void;
}

export interface XsdOptions {
  engine?: 'compiled' | 'libxml2';
  /** Main schema under xsdDir; UBL-TR's invoice schema unless told otherwise. */
  mainSchema?: string;
}

const cache = new Map<string, XsdValidator>();

/** The validator for `<xsdDir>/maindoc/UBL-Invoice-2.1.xsd`, compiled on first use and cached per directory. */
export function createXsdValidator(xsdDir: string, opts: XsdOptions = {}): XsdValidator {
  const engine = opts.engine ?? 'compiled';
  const main = path.resolve(xsdDir, opts.mainSchema ?? path.join('maindoc', 'UBL-Invoice-2.1.xsd'));
  const key = `${engine}\u0000${main}`;
  let v = cache.get(key);
  if (!v) {
    v = engine === 'libxml2' ? libxml2Validator(main) : new CompiledValidator(compileSchemas(main));
    cache.set(key, v);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// The reference engine.

function libxml2Validator(mainPath: string): XsdValidator {
  // baseUrl lets libxml2 resolve the relative schemaLocation of every import without changing directory.
  const schema = libxml.parseXml(fs.readFileSync(mainPath, 'utf8'), { baseUrl: mainPath });
  return {
    engine: 'libxml2',
    validate(doc: XmlDocument, opts: XsdValidateOptions = {}): void {
      let bytes = opts.signatureSlot ? withSignaturePlaceholder(doc) : doc.bytes;
      if (opts.invoiceIdSlot && !doc.root.children.some((c) => c.ns === CBC_NS && c.local === 'ID')) {
        bytes = setInvoiceNumber(bytes, 'AAA2000000000001');
      }
      // libxmljs2 accepts a Buffer (its typings say string): the bytes as received, encoding detected by libxml2.
      const instance = libxml.parseXml(bytes as unknown as string, { nonet: true });
      if (instance.validate(schema)) return;
      const first = instance.validationErrors[0];
      const line = first?.line ? `line ${first.line}: ` : '';
      throw new GatewayError('XSD_INVALID', { detail: line + (first?.message ?? 'invalid').trim() });
    },
  };
}

const EXT_NS = NS.ext;
const CBC_NS = NS.cbc;
const DS_NS = NS.ds;
/** Stands for the future ds:Signature when libxml2 validates an unsigned document (laxly skipped, never stored). */
const PLACEHOLDER = '<gw:signature-slot xmlns:gw="urn:gateway:signature-slot"/>';

/** The reference engine's version of signatureSlot: a copy with a placeholder where the signature will go. */
function withSignaturePlaceholder(doc: XmlDocument): Buffer {
  const { bytes, root } = doc;
  const exts = root.children[0];
  if (!(exts && exts.ns === EXT_NS && exts.local === 'UBLExtensions')) {
    const ins = `<ext:UBLExtensions xmlns:ext="${EXT_NS}"><ext:UBLExtension><ext:ExtensionContent>${PLACEHOLDER}</ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>`;
    return Buffer.concat([bytes.subarray(0, root.startTagEnd), Buffer.from(ins), bytes.subarray(root.startTagEnd)]);
  }
  for (const ext of exts.children) {
    const content = ext.ns === EXT_NS && ext.local === 'UBLExtension' ? ext.children.find((c) => c.ns === EXT_NS && c.local === 'ExtensionContent') : undefined;
    if (!content || content.children.length > 0 || content.cdata || !isBlank(content.rawText)) continue;
    const tag = bytes.toString('latin1', content.pos, content.startTagEnd);
    const qname = /^<([^\s/>]+)/.exec(tag)![1]!;
    const open = content.startTagEnd === content.end ? `${tag.slice(0, -2)}>` : tag;
    return Buffer.concat([bytes.subarray(0, content.pos), Buffer.from(`${open}${PLACEHOLDER}</${qname}>`, 'latin1'), bytes.subarray(content.end)]);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------------------------
// Schema documents, read once with libxmljs2 into plain nodes (annotations dropped).

const XS = 'http://www.w3.org/2001/XMLSchema';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const UNBOUNDED = Number.POSITIVE_INFINITY;

interface SNode {
  local: string;
  attrs: Map<string, string>;
  children: SNode[];
  /** In-scope namespace bindings, for QName-valued attributes (type, ref, base). */
  ns: Map<string, string>;
  doc: SchemaDoc;
}

interface SchemaDoc {
  file: string;
  targetNs: string;
  qualifiedElements: boolean;
  qualifiedAttributes: boolean;
  root: SNode;
}

function readSchemaFile(file: string): SNode {
  const doc = libxml.parseXml(fs.readFileSync(file, 'utf8'), { baseUrl: file, nonet: true });
  const root = doc.root();
  if (!root) throw new Error(`schema ${file}: no root element`);
  const placeholder = {} as SchemaDoc; // set by SchemaSet.load once the document's own properties are known
  const convert = (el: libxml.Element, parentNs: Map<string, string>): SNode => {
    const local = el.namespaces(true);
    let ns = parentNs;
    if (local.length > 0) {
      ns = new Map(parentNs);
      for (const n of local) ns.set(n.prefix() ?? '', n.href());
    }
    const attrs = new Map<string, string>();
    for (const a of el.attrs()) if (!a.namespace()) attrs.set(a.name(), a.value());
    const children: SNode[] = [];
    for (const c of el.childNodes()) {
      if (c.type() !== 'element') continue;
      const ce = c as libxml.Element;
      if (ce.namespace()?.href() !== XS || ce.name() === 'annotation') continue;
      children.push(convert(ce, ns));
    }
    return { local: el.name(), attrs, children, ns, doc: placeholder };
  };
  const node = convert(root, new Map());
  return node;
}

interface Component {
  node: SNode;
}

class SchemaSet {
  readonly docs = new Map<string, SchemaDoc>();
  readonly elements = new Map<string, Component>();
  readonly complexTypes = new Map<string, Component>();
  readonly simpleTypes = new Map<string, Component>();
  readonly attributes = new Map<string, Component>();
  readonly groups = new Map<string, Component>();
  readonly attributeGroups = new Map<string, Component>();

  load(file: string, includedInto?: SchemaDoc): void {
    const resolved = path.resolve(file);
    const key = includedInto ? `${resolved}\u0000${includedInto.targetNs}` : resolved;
    if (this.docs.has(key)) return;
    const root = readSchemaFile(resolved);
    if (root.local !== 'schema') throw new Error(`${resolved}: not an XML Schema`);
    const targetNs = root.attrs.get('targetNamespace') ?? includedInto?.targetNs ?? '';
    const doc: SchemaDoc = {
      file: resolved,
      targetNs,
      qualifiedElements: root.attrs.get('elementFormDefault') === 'qualified',
      qualifiedAttributes: root.attrs.get('attributeFormDefault') === 'qualified',
      root,
    };
    const setDoc = (n: SNode): void => {
      n.doc = doc;
      n.children.forEach(setDoc);
    };
    setDoc(root);
    this.docs.set(key, doc);
    for (const child of root.children) {
      const name = child.attrs.get('name');
      const qn = name !== undefined ? qkey(targetNs, name) : '';
      switch (child.local) {
        case 'import':
        case 'include': {
          const loc = child.attrs.get('schemaLocation');
          if (!loc) break; // an import without location brings nothing loadable
          if (/^[a-z][a-z0-9+.-]*:/i.test(loc)) throw new Error(`${resolved}: remote schemaLocation ${loc} is not loaded`);
          this.load(path.resolve(path.dirname(resolved), loc), child.local === 'include' ? doc : undefined);
          break;
        }
        case 'element': this.elements.set(qn, { node: child }); break;
        case 'complexType': this.complexTypes.set(qn, { node: child }); break;
        case 'simpleType': this.simpleTypes.set(qn, { node: child }); break;
        case 'attribute': this.attributes.set(qn, { node: child }); break;
        case 'group': this.groups.set(qn, { node: child }); break;
        case 'attributeGroup': this.attributeGroups.set(qn, { node: child }); break;
        case 'annotation':
          break;
        default:
          throw new Error(`${resolved}: unsupported top-level xsd:${child.local}`);
      }
    }
  }
}

function qkey(ns: string, local: string): string {
  return `{${ns}}${local}`;
}

function resolveQName(node: SNode, qname: string): { ns: string; local: string } {
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const local = colon === -1 ? qname : qname.slice(colon + 1);
  const ns = node.ns.get(prefix);
  if (ns === undefined) {
    if (prefix === '') return { ns: '', local };
    throw new Error(`${node.doc.file}: prefix ${prefix} of ${qname} is not declared`);
  }
  return { ns, local };
}

// ---------------------------------------------------------------------------------------------------------------
// Compiled components.

interface SimpleType {
  readonly name: string;
  readonly base: Builtin;
  readonly whiteSpace: WhiteSpace;
  readonly enumeration: ReadonlySet<string> | null;
}

interface AttrUse {
  readonly ns: string;
  readonly local: string;
  readonly type: SimpleType;
  readonly required: boolean;
}

interface Wildcard {
  /** 'any' | 'other' (not targetNs, not absent) | 'list' */
  readonly mode: 'any' | 'other' | 'list';
  readonly namespaces: ReadonlySet<string>;
  readonly targetNs: string;
  readonly process: 'strict' | 'lax' | 'skip';
}

interface ElementDecl {
  readonly ns: string;
  readonly local: string;
  /** Resolved lazily: types refer to elements that refer back to types. */
  type(): ComplexType | SimpleType;
  readonly nillable: boolean;
  readonly abstract: boolean;
}

type Particle =
  | { kind: 'element'; decl: ElementDecl; min: number; max: number }
  | { kind: 'any'; wc: Wildcard; min: number; max: number }
  | { kind: 'sequence' | 'choice'; items: Particle[]; min: number; max: number };

interface ComplexType {
  readonly kind: 'complex';
  readonly name: string;
  abstract: boolean;
  content: 'empty' | 'simple' | 'element' | 'mixed';
  simple: SimpleType | null;
  particle: Particle | null;
  /** Unqualified attributes by local name; qualified ones by {ns}local. */
  attrs: Map<string, AttrUse>;
  required: AttrUse[];
  attrWildcard: Wildcard | null;
  dfa: Dfa | null;
}

function isComplex(t: ComplexType | SimpleType): t is ComplexType {
  return (t as ComplexType).kind === 'complex';
}

const ANY_TYPE_WILDCARD: Wildcard = { mode: 'any', namespaces: new Set(), targetNs: '', process: 'lax' };

/** xs:anyType: what lax assessment validates an undeclared element against. */
const ANY_TYPE: ComplexType = {
  kind: 'complex',
  name: 'xs:anyType',
  abstract: false,
  content: 'mixed',
  simple: null,
  particle: { kind: 'any', wc: ANY_TYPE_WILDCARD, min: 0, max: UNBOUNDED },
  attrs: new Map(),
  required: [],
  attrWildcard: ANY_TYPE_WILDCARD,
  dfa: null,
};

class Compiler {
  private readonly complexCache = new Map<string, ComplexType>();
  private readonly simpleCache = new Map<string, SimpleType>();
  private readonly elementCache = new Map<string, ElementDecl>();

  constructor(readonly set: SchemaSet) {}

  globalElement(ns: string, local: string): ElementDecl | undefined {
    const k = qkey(ns, local);
    const cached = this.elementCache.get(k);
    if (cached) return cached;
    const comp = this.set.elements.get(k);
    if (!comp) return undefined;
    const decl = this.elementDecl(comp.node, ns);
    this.elementCache.set(k, decl);
    return decl;
  }

  private elementDecl(node: SNode, ns: string): ElementDecl {
    const local = node.attrs.get('name')!;
    let resolved: ComplexType | SimpleType | null = null;
    const typeName = node.attrs.get('type');
    const self = this;
    return {
      ns,
      local,
      nillable: node.attrs.get('nillable') === 'true',
      abstract: node.attrs.get('abstract') === 'true',
      type(): ComplexType | SimpleType {
        if (resolved) return resolved;
        if (typeName !== undefined) {
          const q = resolveQName(node, typeName);
          resolved = self.typeByName(q.ns, q.local, node);
        } else {
          const inline = node.children.find((c) => c.local === 'complexType' || c.local === 'simpleType');
          if (!inline) resolved = ANY_TYPE;
          else resolved = inline.local === 'complexType' ? self.complexType(inline, `${local} (anonymous)`) : self.simpleType(inline, `${local} (anonymous)`);
        }
        return resolved;
      },
    };
  }

  typeByName(ns: string, local: string, from: SNode): ComplexType | SimpleType {
    if (ns === XS) {
      if (local === 'anyType') return ANY_TYPE;
      return this.builtinType(local, from);
    }
    const k = qkey(ns, local);
    const c = this.complexCache.get(k) ?? this.simpleCache.get(k);
    if (c) return c;
    const ct = this.set.complexTypes.get(k);
    if (ct) return this.complexType(ct.node, local, k);
    const st = this.set.simpleTypes.get(k);
    if (st) return this.simpleType(st.node, local, k);
    throw new Error(`${from.doc.file}: type ${k} is not defined`);
  }

  private builtinType(local: string, from: SNode): SimpleType {
    const k = qkey(XS, local);
    let t = this.simpleCache.get(k);
    if (!t) {
      const b = builtin(local);
      if (!b) throw new Error(`${from.doc.file}: built-in type xs:${local} is not supported`);
      t = { name: b.name, base: b, whiteSpace: b.whiteSpace, enumeration: null };
      this.simpleCache.set(k, t);
    }
    return t;
  }

  simpleType(node: SNode, name: string, cacheKey?: string): SimpleType {
    const restriction = node.children.find((c) => c.local === 'restriction');
    if (!restriction) throw new Error(`${node.doc.file}: simpleType ${name}: only restriction is supported`);
    const base = this.simpleBase(restriction, name);
    const t = this.restrictSimple(base, restriction, name);
    if (cacheKey) this.simpleCache.set(cacheKey, t);
    return t;
  }

  private simpleBase(restriction: SNode, name: string): SimpleType {
    const baseName = restriction.attrs.get('base');
    if (baseName === undefined) {
      const inline = restriction.children.find((c) => c.local === 'simpleType');
      if (!inline) throw new Error(`${restriction.doc.file}: ${name}: restriction without base`);
      return this.simpleType(inline, `${name} (base)`);
    }
    const q = resolveQName(restriction, baseName);
    const base = this.typeByName(q.ns, q.local, restriction);
    if (isComplex(base)) throw new Error(`${restriction.doc.file}: ${name}: simple type restricts a complex type`);
    return base;
  }

  private restrictSimple(base: SimpleType, restriction: SNode, name: string): SimpleType {
    let enumeration: Set<string> | null = null;
    let whiteSpace = base.whiteSpace;
    for (const f of restriction.children) {
      switch (f.local) {
        case 'enumeration':
          (enumeration ??= new Set()).add(f.attrs.get('value') ?? '');
          break;
        case 'whiteSpace':
          whiteSpace = (f.attrs.get('value') as WhiteSpace | undefined) ?? whiteSpace;
          break;
        case 'simpleType':
        case 'attribute':
        case 'anyAttribute':
        case 'attributeGroup':
          break;
        default:
          throw new Error(`${restriction.doc.file}: ${name}: facet xsd:${f.local} is not supported`);
      }
    }
    if (!enumeration && whiteSpace === base.whiteSpace) return base.enumeration ? base : { ...base, name };
    return { name, base: base.base, whiteSpace, enumeration: enumeration ?? base.enumeration };
  }

  complexType(node: SNode, name: string, cacheKey?: string): ComplexType {
    const t: ComplexType = {
      kind: 'complex',
      name,
      abstract: node.attrs.get('abstract') === 'true',
      content: 'empty',
      simple: null,
      particle: null,
      attrs: new Map(),
      required: [],
      attrWildcard: null,
      dfa: null,
    };
    if (cacheKey) this.complexCache.set(cacheKey, t); // before compiling the body: types are recursive
    const mixed = node.attrs.get('mixed') === 'true';
    const simpleContent = node.children.find((c) => c.local === 'simpleContent');
    const complexContent = node.children.find((c) => c.local === 'complexContent');
    if (simpleContent) {
      const der = simpleContent.children.find((c) => c.local === 'extension' || c.local === 'restriction');
      if (!der) throw new Error(`${node.doc.file}: ${name}: empty simpleContent`);
      const q = resolveQName(der, der.attrs.get('base') ?? '');
      const base = this.typeByName(q.ns, q.local, der);
      t.content = 'simple';
      if (isComplex(base)) {
        if (base.content !== 'simple' || !base.simple) throw new Error(`${node.doc.file}: ${name}: simpleContent on a complex base without simple content`);
        this.inheritAttributes(t, base);
        t.simple = der.local === 'restriction' ? this.restrictSimple(base.simple, der, name) : base.simple;
      } else {
        if (der.local === 'restriction') throw new Error(`${node.doc.file}: ${name}: simpleContent restriction of a simple type`);
        t.simple = base;
      }
      this.ownAttributes(t, der, der.local === 'restriction');
    } else if (complexContent) {
      const der = complexContent.children.find((c) => c.local === 'extension' || c.local === 'restriction');
      if (!der) throw new Error(`${node.doc.file}: ${name}: empty complexContent`);
      const q = resolveQName(der, der.attrs.get('base') ?? '');
      const base = this.typeByName(q.ns, q.local, der);
      if (!isComplex(base)) throw new Error(`${node.doc.file}: ${name}: complexContent on a simple base`);
      const own = this.particleOf(der);
      const isMixed = mixed || complexContent.attrs.get('mixed') === 'true';
      this.inheritAttributes(t, base);
      if (der.local === 'extension') {
        const parts = [base.particle, own].filter((p): p is Particle => p !== null);
        t.particle = parts.length === 0 ? null : parts.length === 1 ? parts[0]! : { kind: 'sequence', items: parts, min: 1, max: 1 };
      } else {
        t.particle = own;
      }
      t.content = t.particle ? (isMixed ? 'mixed' : 'element') : isMixed ? 'mixed' : 'empty';
      this.ownAttributes(t, der, der.local === 'restriction');
    } else {
      t.particle = this.particleOf(node);
      t.content = t.particle ? (mixed ? 'mixed' : 'element') : mixed ? 'mixed' : 'empty';
      this.ownAttributes(t, node, false);
    }
    if (t.particle && particleIsVoid(t.particle)) {
      // A model group without any element or wildcard in it means no content at all (XSD 1.0 §3.4.2).
      t.particle = null;
      if (t.content === 'element') t.content = 'empty';
    }
    t.required = [...t.attrs.values()].filter((a) => a.required);
    return t;
  }

  private inheritAttributes(t: ComplexType, base: ComplexType): void {
    for (const [k, v] of base.attrs) t.attrs.set(k, v);
    t.attrWildcard = base.attrWildcard;
  }

  private ownAttributes(t: ComplexType, holder: SNode, restriction: boolean): void {
    for (const c of holder.children) {
      if (c.local === 'attribute') {
        const use = c.attrs.get('use') ?? 'optional';
        const a = this.attributeUse(c);
        const key = a.ns === '' ? a.local : qkey(a.ns, a.local);
        if (use === 'prohibited') t.attrs.delete(key);
        else t.attrs.set(key, { ...a, required: use === 'required' });
      } else if (c.local === 'anyAttribute') {
        t.attrWildcard = this.wildcard(c);
      } else if (c.local === 'attributeGroup') {
        const q = resolveQName(c, c.attrs.get('ref') ?? '');
        const g = this.set.attributeGroups.get(qkey(q.ns, q.local));
        if (!g) throw new Error(`${c.doc.file}: attributeGroup ${q.local} is not defined`);
        this.ownAttributes(t, g.node, restriction);
      }
    }
  }

  private attributeUse(node: SNode): { ns: string; local: string; type: SimpleType } {
    const ref = node.attrs.get('ref');
    if (ref !== undefined) {
      const q = resolveQName(node, ref);
      const g = this.set.attributes.get(qkey(q.ns, q.local));
      if (!g) throw new Error(`${node.doc.file}: attribute ${ref} is not defined`);
      return { ns: q.ns, local: q.local, type: this.attributeType(g.node) };
    }
    const local = node.attrs.get('name')!;
    const form = node.attrs.get('form');
    const qualified = form ? form === 'qualified' : node.doc.qualifiedAttributes;
    return { ns: qualified ? node.doc.targetNs : '', local, type: this.attributeType(node) };
  }

  private attributeType(node: SNode): SimpleType {
    const typeName = node.attrs.get('type');
    if (typeName !== undefined) {
      const q = resolveQName(node, typeName);
      const t = this.typeByName(q.ns, q.local, node);
      if (isComplex(t)) throw new Error(`${node.doc.file}: attribute with complex type`);
      return t;
    }
    const inline = node.children.find((c) => c.local === 'simpleType');
    return inline ? this.simpleType(inline, `${node.attrs.get('name') ?? 'attribute'} (anonymous)`) : this.builtinType('anySimpleType', node);
  }

  private wildcard(node: SNode): Wildcard {
    const nsAttr = (node.attrs.get('namespace') ?? '##any').trim();
    const process = (node.attrs.get('processContents') ?? 'strict') as Wildcard['process'];
    const targetNs = node.doc.targetNs;
    if (nsAttr === '##any') return { mode: 'any', namespaces: new Set(), targetNs, process };
    if (nsAttr === '##other') return { mode: 'other', namespaces: new Set(), targetNs, process };
    const list = new Set<string>();
    for (const tok of nsAttr.split(/\s+/)) {
      if (tok === '##targetNamespace') list.add(targetNs);
      else if (tok === '##local') list.add('');
      else list.add(tok);
    }
    return { mode: 'list', namespaces: list, targetNs, process };
  }

  /** The content particle directly inside a complexType/extension/restriction, if any. */
  private particleOf(holder: SNode): Particle | null {
    const p = holder.children.find((c) => c.local === 'sequence' || c.local === 'choice' || c.local === 'all' || c.local === 'group');
    return p ? this.particle(p) : null;
  }

  private particle(node: SNode): Particle {
    const min = Number(node.attrs.get('minOccurs') ?? '1');
    const maxAttr = node.attrs.get('maxOccurs') ?? '1';
    const max = maxAttr === 'unbounded' ? UNBOUNDED : Number(maxAttr);
    switch (node.local) {
      case 'element': {
        const ref = node.attrs.get('ref');
        let decl: ElementDecl;
        if (ref !== undefined) {
          const q = resolveQName(node, ref);
          const g = this.globalElement(q.ns, q.local);
          if (!g) throw new Error(`${node.doc.file}: element ${ref} is not defined`);
          decl = g;
        } else {
          const form = node.attrs.get('form');
          const qualified = form ? form === 'qualified' : node.doc.qualifiedElements;
          decl = this.elementDecl(node, qualified ? node.doc.targetNs : '');
        }
        return { kind: 'element', decl, min, max };
      }
      case 'any':
        return { kind: 'any', wc: this.wildcard(node), min, max };
      case 'sequence':
      case 'choice': {
        const items = node.children.filter((c) => c.local !== 'annotation').map((c) => this.particle(c));
        return { kind: node.local, items, min, max };
      }
      case 'group': {
        const q = resolveQName(node, node.attrs.get('ref') ?? '');
        const g = this.set.groups.get(qkey(q.ns, q.local));
        if (!g) throw new Error(`${node.doc.file}: group ${q.local} is not defined`);
        const inner = g.node.children.find((c) => c.local === 'sequence' || c.local === 'choice');
        if (!inner) throw new Error(`${node.doc.file}: group ${q.local} is empty`);
        return { kind: 'sequence', items: [this.particle(inner)], min, max };
      }
      default:
        throw new Error(`${node.doc.file}: xsd:${node.local} particles are not supported`);
    }
  }
}

function particleIsVoid(p: Particle): boolean {
  if (p.kind === 'element' || p.kind === 'any') return false;
  return p.items.every(particleIsVoid);
}

// ---------------------------------------------------------------------------------------------------------------
// Content models: a Thompson NFA per complex type, determinised lazily (a DFA state per set of NFA states,
// transitions cached per element name), so a child costs one or two Map lookups after warm-up.

type Label = { decl: ElementDecl; wc?: undefined } | { wc: Wildcard; decl?: undefined };

class Nfa {
  /** edges[state] = list of [label | null (ε), target]. */
  readonly edges: Array<Array<[Label | null, number]>> = [];
  final = 0;

  state(): number {
    this.edges.push([]);
    return this.edges.length - 1;
  }

  edge(from: number, label: Label | null, to: number): void {
    this.edges[from]!.push([label, to]);
  }

  /** Appends particle p after state s; returns its end state. */
  build(p: Particle, s: number): number {
    let cur = s;
    const once = (from: number): number => this.once(p, from);
    const min = Math.min(p.min, 1000);
    for (let i = 0; i < min; i++) cur = once(cur);
    if (p.max === UNBOUNDED) {
      const loop = this.state();
      this.edge(cur, null, loop);
      const body = once(loop);
      this.edge(body, null, loop);
      return loop;
    }
    const exit = this.state();
    for (let i = p.min; i < Math.min(p.max, 1000); i++) {
      this.edge(cur, null, exit);
      cur = once(cur);
    }
    this.edge(cur, null, exit);
    return exit;
  }

  private once(p: Particle, from: number): number {
    if (p.kind === 'element' || p.kind === 'any') {
      const to = this.state();
      this.edge(from, p.kind === 'element' ? { decl: p.decl } : { wc: p.wc }, to);
      return to;
    }
    if (p.kind === 'sequence') {
      let cur = from;
      for (const item of p.items) cur = this.build(item, cur);
      return cur;
    }
    const end = this.state();
    if (p.items.length === 0) this.edge(from, null, end);
    for (const item of p.items) {
      const start = this.state();
      this.edge(from, null, start);
      this.edge(this.build(item, start), null, end);
    }
    return end;
  }
}

interface Step {
  readonly next: DfaState;
  readonly decl: ElementDecl | null;
  readonly wc: Wildcard | null;
}

class DfaState {
  readonly accepting: boolean;
  /** ns → local → step; null step = not allowed here. */
  private readonly steps = new Map<string, Map<string, Step | null>>();

  constructor(readonly dfa: Dfa, readonly states: number[]) {
    this.accepting = states.includes(dfa.nfa.final);
  }

  step(ns: string, local: string): Step | null {
    let byLocal = this.steps.get(ns);
    if (!byLocal) {
      byLocal = new Map();
      this.steps.set(ns, byLocal);
    }
    let s = byLocal.get(local);
    if (s === undefined) {
      s = this.dfa.compute(this, ns, local);
      byLocal.set(local, s);
    }
    return s;
  }

  /** What may come next, for messages. */
  expected(names: (ns: string, local: string) => string): string[] {
    const out: string[] = [];
    for (const st of this.states) {
      for (const [label] of this.dfa.nfa.edges[st]!) {
        if (!label) continue;
        const text = label.decl ? names(label.decl.ns, label.decl.local) : wildcardText(label.wc!);
        if (!out.includes(text)) out.push(text);
      }
    }
    return out;
  }
}

function wildcardText(wc: Wildcard): string {
  if (wc.mode === 'any') return '##any';
  if (wc.mode === 'other') return `##other{${wc.targetNs}}*`;
  return [...wc.namespaces].map((n) => `{${n}}*`).join(', ');
}

function wildcardAllows(wc: Wildcard, ns: string): boolean {
  if (wc.mode === 'any') return true;
  if (wc.mode === 'other') return ns !== wc.targetNs && ns !== '';
  return wc.namespaces.has(ns);
}

class Dfa {
  private readonly byKey = new Map<string, DfaState>();
  readonly start: DfaState;

  constructor(readonly nfa: Nfa) {
    this.start = this.stateFor([0]);
  }

  private closure(states: number[]): number[] {
    const seen = new Set<number>(states);
    const todo = [...states];
    while (todo.length > 0) {
      const s = todo.pop()!;
      for (const [label, to] of this.nfa.edges[s]!) {
        if (label === null && !seen.has(to)) {
          seen.add(to);
          todo.push(to);
        }
      }
    }
    return [...seen].sort((a, b) => a - b);
  }

  private stateFor(states: number[]): DfaState {
    const closed = this.closure(states);
    const key = closed.join(',');
    let st = this.byKey.get(key);
    if (!st) {
      st = new DfaState(this, closed);
      this.byKey.set(key, st);
    }
    return st;
  }

  compute(from: DfaState, ns: string, local: string): Step | null {
    const targets: number[] = [];
    let decl: ElementDecl | null = null;
    let wc: Wildcard | null = null;
    for (const s of from.states) {
      for (const [label, to] of this.nfa.edges[s]!) {
        if (!label) continue;
        if (label.decl) {
          if (label.decl.ns === ns && label.decl.local === local) {
            decl ??= label.decl;
            targets.push(to);
          }
        } else if (wildcardAllows(label.wc!, ns)) {
          wc ??= label.wc!;
          targets.push(to);
        }
      }
    }
    if (targets.length === 0) return null;
    // An element declaration wins over a wildcard that also matches (UPA makes this moot for valid schemas).
    return { next: this.stateFor(targets), decl, wc: decl ? null : wc };
  }
}

function dfaOf(t: ComplexType): Dfa {
  if (!t.dfa) {
    const nfa = new Nfa();
    const s = nfa.state();
    nfa.final = t.particle ? nfa.build(t.particle, s) : s;
    t.dfa = new Dfa(nfa);
  }
  return t.dfa;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation.

interface Compiled {
  compiler: Compiler;
}

function compileSchemas(mainPath: string): Compiled {
  const set = new SchemaSet();
  set.load(mainPath);
  const compiler = new Compiler(set);
  // Compile every global element's type now, so that the first invoice does not pay for it.
  for (const k of set.elements.keys()) {
    const m = /^\{(.*)\}(.*)$/.exec(k)!;
    const decl = compiler.globalElement(m[1]!, m[2]!)!;
    const t = decl.type();
    if (isComplex(t)) dfaOf(t);
  }
  return { compiler };
}

const PREFIXES: Record<string, string> = {
  'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2': 'cbc',
  'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2': 'cac',
  'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2': 'ext',
  'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2': 'inv',
  'http://www.w3.org/2000/09/xmldsig#': 'ds',
  'http://uri.etsi.org/01903/v1.3.2#': 'xades',
  'http://uri.etsi.org/01903/v1.4.1#': 'xades141',
};

function displayName(ns: string, local: string): string {
  const p = PREFIXES[ns];
  return p ? `${p}:${local}` : ns ? `{${ns}}${local}` : local;
}

function elementName(el: XmlElement): string {
  return displayName(el.ns, el.local);
}

class ValidationError extends Error {}

class CompiledValidator implements XsdValidator {
  readonly engine = 'compiled';

  constructor(private readonly compiled: Compiled) {}

  validate(doc: XmlDocument, opts: XsdValidateOptions = {}): void {
    const idSlot = opts.invoiceIdSlot === true && !doc.root.children.some((c) => c.ns === CBC_NS && c.local === 'ID');
    const run = new Run(this.compiled.compiler, doc, opts.signatureSlot === true, idSlot);
    try {
      run.root(doc.root);
    } catch (e) {
      if (e instanceof ValidationError) {
        throw new GatewayError('XSD_INVALID', { detail: e.message });
      }
      throw e;
    }
  }
}

/** One validation: holds the document (for line numbers) and the xs:ID values seen. */
class Run {
  private ids: Set<string> | null = null;

  constructor(
    private readonly compiler: Compiler,
    private readonly doc: XmlDocument,
    private slot: boolean,
    private idSlot: boolean,
  ) {}

  private fail(el: XmlElement, message: string): never {
    const { line } = positionOf(this.doc, el.pos);
    throw new ValidationError(`line ${line}: Element '${elementName(el)}': ${message}`);
  }

  root(el: XmlElement): void {
    const decl = this.compiler.globalElement(el.ns, el.local);
    if (!decl) this.fail(el, 'No matching global declaration available for the validation root.');
    this.element(el, decl);
  }

  private element(el: XmlElement, decl: ElementDecl): void {
    if (decl.abstract) this.fail(el, 'The element declaration is abstract.');
    const type = decl.type();
    this.checkXsi(el, decl);
    if (!isComplex(type)) {
      for (const a of el.attrs) {
        if (a.ns !== XSI) this.fail(el, `The attribute '${attrName(a)}' is not allowed.`);
      }
      if (el.children.length > 0) this.fail(el, 'Element content is not allowed, because the type definition is simple.');
      this.simpleValue(el, type, el.text, el.rawText);
      return;
    }
    this.complex(el, type);
  }

  private checkXsi(el: XmlElement, decl: ElementDecl | null): void {
    for (const a of el.attrs) {
      if (a.ns !== XSI) continue;
      if (a.local === 'type') this.fail(el, 'xsi:type is not supported by this validator.');
      if (a.local === 'nil' && !(decl?.nillable ?? false)) this.fail(el, 'The element is not \'nillable\'.');
    }
  }

  private complex(el: XmlElement, type: ComplexType): void {
    if (type.abstract) this.fail(el, 'The type definition is abstract.');
    this.attributes(el, type);
    switch (type.content) {
      case 'empty':
        if (el.children.length > 0) this.fail(el, 'Element content is not allowed, because the content type is empty.');
        if (el.rawText !== '' || el.cdata) this.fail(el, 'Character content is not allowed, because the content type is empty.');
        return;
      case 'simple':
        if (el.children.length > 0) this.fail(el, 'Element content is not allowed, because the content type is a simple type definition.');
        this.simpleValue(el, type.simple!, el.text, el.rawText);
        return;
      case 'element':
        if (el.mixed || el.cdata || (el.children.length === 0 && !isBlank(el.rawText))) {
          this.fail(el, 'Character content other than whitespace is not allowed because the content type is \'element-only\'.');
        }
        this.children(el, type);
        return;
      case 'mixed':
        this.children(el, type);
        return;
    }
  }

  private children(el: XmlElement, type: ComplexType): void {
    let state = dfaOf(type).start;
    const kids = el.children;
    if (this.slot) state = this.signatureSlot(el, state);
    for (let i = 0; i < kids.length; i++) {
      const child = kids[i]!;
      let step = state.step(child.ns, child.local);
      if (step === null && this.idSlot && el === this.doc.root) step = this.afterVirtualId(state, child);
      if (step === null) {
        const exp = state.expected(displayName);
        this.fail(child, `This element is not expected.${exp.length > 0 ? ` Expected is ${exp.length > 1 ? 'one of ' : ''}( ${exp.join(', ')} ).` : ''}`);
      }
      state = step.next;
      if (step.decl) {
        this.element(child, step.decl);
      } else {
        this.wildcardChild(child, step.wc!);
      }
    }
    if (!state.accepting && this.idSlot && el === this.doc.root) {
      const id = state.step(CBC_NS, 'ID');
      if (id) {
        this.idSlot = false;
        state = id.next;
      }
    }
    if (!state.accepting) {
      const exp = state.expected(displayName);
      this.fail(el, `Missing child element(s). Expected is ${exp.length > 1 ? 'one of ' : ''}( ${exp.join(', ')} ).`);
    }
  }

  /** See XsdValidateOptions.signatureSlot: step over the signature the signer will insert here, if here. */
  private signatureSlot(el: XmlElement, state: DfaState): DfaState {
    const first = el.children[0];
    let virtual: [string, string] | null = null;
    if (el === this.doc.root && !(first && first.ns === EXT_NS && first.local === 'UBLExtensions')) {
      virtual = [EXT_NS, 'UBLExtensions'];
    } else if (el.ns === EXT_NS && el.local === 'ExtensionContent' && !first && !el.cdata && isBlank(el.rawText)) {
      virtual = [DS_NS, 'Signature'];
    }
    if (!virtual) return state;
    const step = state.step(virtual[0], virtual[1]);
    if (!step) return state;
    this.slot = false;
    return step.next;
  }

  /** See XsdValidateOptions.invoiceIdSlot: where the child does not fit, see if it fits after a cbc:ID. */
  private afterVirtualId(state: DfaState, child: XmlElement): Step | null {
    const id = state.step(CBC_NS, 'ID');
    const step = id?.next.step(child.ns, child.local) ?? null;
    if (step) this.idSlot = false;
    return step;
  }

  private wildcardChild(child: XmlElement, wc: Wildcard): void {
    if (wc.process === 'skip') return;
    const decl = this.compiler.globalElement(child.ns, child.local);
    if (decl) {
      this.element(child, decl);
      return;
    }
    if (wc.process === 'strict') {
      this.fail(child, 'No matching global element declaration available, but demanded by the strict wildcard.');
    }
    this.lax(child);
  }

  /** Lax assessment of an undeclared element: validate what has a declaration, let the rest through. */
  private lax(el: XmlElement): void {
    this.checkXsi(el, null);
    for (const child of el.children) {
      const decl = this.compiler.globalElement(child.ns, child.local);
      if (decl) this.element(child, decl);
      else this.lax(child);
    }
  }

  private attributes(el: XmlElement, type: ComplexType): void {
    const attrs = el.attrs;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i]!;
      if (a.ns === XSI && (a.local === 'type' || a.local === 'nil' || a.local === 'schemaLocation' || a.local === 'noNamespaceSchemaLocation')) {
        continue;
      }
      const use = type.attrs.get(a.ns === '' ? a.local : qkey(a.ns, a.local));
      if (use) {
        this.attrValue(el, a.local, use.type, a.value);
        continue;
      }
      const wc = type.attrWildcard;
      if (wc && wildcardAllows(wc, a.ns)) {
        if (wc.process === 'strict') {
          // No global attribute declarations exist in these schemas, so a strict wildcard admits nothing.
          this.fail(el, `No matching global attribute declaration available, but demanded by the strict wildcard.`);
        }
        continue;
      }
      this.fail(el, `The attribute '${attrName(a)}' is not allowed.`);
    }
    const required = type.required;
    for (let i = 0; i < required.length; i++) {
      const r = required[i]!;
      let found = false;
      for (let j = 0; j < attrs.length; j++) {
        const a = attrs[j]!;
        if (a.local === r.local && a.ns === r.ns) { found = true; break; }
      }
      if (!found) this.fail(el, `The attribute '${r.ns ? displayName(r.ns, r.local) : r.local}' is required but missing.`);
    }
  }

  private attrValue(el: XmlElement, name: string, type: SimpleType, value: string): void {
    const v = normalise(value, type.whiteSpace);
    if (!type.base.check(v) || (type.enumeration !== null && !type.enumeration.has(v))) {
      this.fail(el, `The attribute '${name}': '${value}' is not a valid value of the ${type.enumeration ? 'local atomic type' : `atomic type '${type.base.name}'`}.`);
    }
    if (type.base.isId) this.id(el, v);
  }

  private simpleValue(el: XmlElement, type: SimpleType, text: string, raw: string): void {
    // ASCII-only types can be checked on the undecoded bytes, which matters for large base64 content.
    const v = normalise(type.base.asciiOnly && type.enumeration === null ? raw : text, type.whiteSpace);
    if (!type.base.check(v) || (type.enumeration !== null && !type.enumeration.has(v))) {
      const shown = (type.base.asciiOnly ? normalise(text, type.whiteSpace) : v).slice(0, 80);
      this.fail(el, `'${shown}' is not a valid value of the ${type.enumeration ? 'local atomic type' : `atomic type '${type.base.name}'`}.`);
    }
    if (type.base.isId) this.id(el, v);
  }

  private id(el: XmlElement, v: string): void {
    this.ids ??= new Set();
    if (this.ids.has(v)) this.fail(el, `'${v}' is not a valid value of the atomic type 'xs:ID' (duplicate ID).`);
    this.ids.add(v);
  }
}

function attrName(a: { ns: string; local: string }): string {
  return a.ns ? displayName(a.ns, a.local) : a.local;
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

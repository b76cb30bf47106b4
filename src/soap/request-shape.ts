/**
 * What each operation's request may hold, read from wsdl/gateway.wsdl at start, and the check of a request against
 * it — what an XSD-validating SOAP stack would refuse, without a schema validator: every `<op>Request` of the WSDL is
 * a flat xs:sequence or xs:choice of simple elements in the service's namespace (elementFormDefault="qualified").
 *
 *   an element the WSDL does not list, or in another namespace    REQUEST_UNKNOWN_FIELD (4010)
 *   an attribute without a namespace on the request or a field    REQUEST_UNKNOWN_FIELD (the WSDL declares none;
 *                                                                  xsi:nil and other qualified ones pass)
 *   a required element missing, one written twice, a field with
 *   elements inside, none or two of a choice                      REQUEST_FIELD (4004)
 * The order within a sequence is not enforced: clients built from the WSDL keep it, and nothing depends on it.
 * A construct this reader does not know (nested groups, refs, xs:any, attributes) fails the start, not a request.
 */
import { GatewayError } from '../faults';
import { parseXml, type XmlElement } from '../xml/parse';

const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';

export interface RequestShape {
  /** The request element's namespace (the schema's targetNamespace). */
  ns: string;
  /** Child elements by local name. */
  fields: ReadonlyMap<string, { required: boolean; repeats: boolean }>;
  /** For an xs:choice: the names of which exactly one must be present. */
  choice: readonly string[] | null;
}

function attr(el: XmlElement, name: string): string | undefined {
  return el.attrs.find((a) => a.ns === '' && a.local === name)?.value;
}

function xsdChildren(el: XmlElement): XmlElement[] {
  return el.children.filter((c) => c.ns === XSD_NS && c.local !== 'annotation');
}

/** The request shapes of every operation of the WSDL, by operation name (`<op>Request` → op). */
export function requestShapes(wsdlXml: string): Map<string, RequestShape> {
  const root = parseXml(wsdlXml).root;
  const types = root.children.find((c) => c.ns === WSDL_NS && c.local === 'types');
  const shapes = new Map<string, RequestShape>();
  for (const schema of types?.children.filter((c) => c.ns === XSD_NS && c.local === 'schema') ?? []) {
    const ns = attr(schema, 'targetNamespace') ?? '';
    if (attr(schema, 'elementFormDefault') !== 'qualified') throw new Error('wsdl: request shapes need elementFormDefault="qualified"');
    for (const el of xsdChildren(schema)) {
      const name = attr(el, 'name');
      if (el.local !== 'element' || !name?.endsWith('Request')) continue;
      shapes.set(name.slice(0, -'Request'.length), shapeOf(el, ns, name));
    }
  }
  return shapes;
}

function shapeOf(el: XmlElement, ns: string, name: string): RequestShape {
  const unsupported = (what: string): never => {
    throw new Error(`wsdl: ${name}: ${what} is not supported by src/soap/request-shape.ts`);
  };
  const [type, ...more] = xsdChildren(el);
  if (!type || type.local !== 'complexType' || more.length > 0) unsupported('anything but one inline complexType');
  const groups = xsdChildren(type!);
  if (groups.length > 1 || (groups[0] && groups[0].local !== 'sequence' && groups[0].local !== 'choice')) unsupported('anything but one sequence or choice');
  const group = groups[0];
  const fields = new Map<string, { required: boolean; repeats: boolean }>();
  for (const f of group ? xsdChildren(group) : []) {
    const fieldName = attr(f, 'name');
    if (f.local !== 'element' || !fieldName) unsupported(`<xs:${f.local}> in the ${group!.local}`);
    fields.set(fieldName!, {
      required: group!.local === 'sequence' && attr(f, 'minOccurs') !== '0',
      repeats: (attr(f, 'maxOccurs') ?? '1') !== '1',
    });
  }
  if (group && (attr(group, 'minOccurs') ?? '1') !== '1') unsupported('an optional group');
  return { ns, fields, choice: group?.local === 'choice' ? [...fields.keys()] : null };
}

/** The request's arguments (each field's text by local name), or the fault for what the WSDL does not allow. */
export function readArguments(request: XmlElement, shape: RequestShape): Record<string, string> {
  const unknownAttr = (el: XmlElement) => el.attrs.find((a) => a.ns === '');
  const stray = unknownAttr(request);
  if (stray) throw new GatewayError('REQUEST_UNKNOWN_FIELD', { field: `@${stray.qname}` });
  if (request.mixed) throw new GatewayError('REQUEST_UNKNOWN_FIELD', { field: 'metin' });
  const args: Record<string, string> = {};
  for (const c of request.children) {
    const field = c.ns === shape.ns ? shape.fields.get(c.local) : undefined;
    if (!field) throw new GatewayError('REQUEST_UNKNOWN_FIELD', { field: c.ns === shape.ns ? c.local : `{${c.ns}}${c.local}` });
    const a = unknownAttr(c);
    if (a) throw new GatewayError('REQUEST_UNKNOWN_FIELD', { field: `${c.local}/@${a.qname}` });
    if (c.children.length > 0) throw new GatewayError('REQUEST_FIELD', { field: `${c.local} (icinde eleman olamaz)` });
    if (Object.hasOwn(args, c.local) && !field.repeats) throw new GatewayError('REQUEST_FIELD', { field: `${c.local} (birden fazla)` });
    // A repeated field's values arrive one per line (handlers split them; no value of one holds a line break).
    args[c.local] = Object.hasOwn(args, c.local) ? `${args[c.local]}\n${c.text}` : c.text;
  }
  for (const [name, f] of shape.fields) {
    if (f.required && !Object.hasOwn(args, name)) throw new GatewayError('REQUEST_FIELD', { field: name });
  }
  if (shape.choice) {
    const present = shape.choice.filter((n) => Object.hasOwn(args, n));
    if (present.length !== 1) throw new GatewayError('REQUEST_FIELD', { field: `${shape.choice.join(' veya ')} (yalniz biri)` });
  }
  return args;
}

/**
 * Writing the invoice number the gateway assigned (e-Logo's SETDOCUMENTNUMBER=1: the ERP sends an empty cbc:ID)
 * into the document by a minimal textual edit: only the number's bytes change (or one element is inserted where
 * cbc:ID belongs), so nothing else moves and no re-serialisation alters what gets signed afterwards.
 */
import { GatewayError } from '../faults';
import { parseXml, type XmlElement } from '../xml/parse';
import { firstChild } from '../xml/query';
import { CBC, INV } from './ubl-tr/names';
import { INVOICE_NUMBER } from './ubl-tr/rules';

/** Elements that precede cbc:ID in InvoiceType (UBL-Invoice-2.1.xsd), nearest first. */
const BEFORE_ID = ['ProfileID', 'CustomizationID', 'UBLVersionID'];

export function setInvoiceNumber(xml: Buffer, number: string): Buffer {
  if (!INVOICE_NUMBER.test(number)) throw new GatewayError('INVOICE_NUMBER_FORMAT', { value: number.slice(0, 40) });
  const doc = parseXml(xml);
  const root = doc.root;
  if (!(root.ns === INV && root.local === 'Invoice')) {
    throw new GatewayError('NOT_AN_INVOICE', { detail: `kök eleman ${root.local}, ${INV} Invoice değil` });
  }
  const id = firstChild(root, CBC, 'ID');
  if (id) {
    if (id.startTagEnd !== id.end) {
      // <cbc:ID …>anything</cbc:ID>: replace the content.
      return Buffer.concat([xml.subarray(0, id.startTagEnd), Buffer.from(number, 'latin1'), xml.subarray(id.endTagStart)]);
    }
    // <cbc:ID …/>: open it up, keeping its attributes.
    const tag = xml.toString('latin1', id.pos, id.startTagEnd);
    const qname = /^<([^\s/>]+)/.exec(tag)![1]!;
    const open = tag.slice(0, -2).replace(/[ \t\r\n]+$/, '');
    return Buffer.concat([
      xml.subarray(0, id.pos),
      Buffer.from(`${open}>${number}</${qname}>`, 'latin1'),
      xml.subarray(id.end),
    ]);
  }

  // No cbc:ID: insert one after the element it must follow, in that element's namespace prefix.
  const kids = root.children;
  let anchor: XmlElement | undefined;
  for (const local of BEFORE_ID) {
    anchor = firstChild(root, CBC, local);
    if (anchor) break;
  }
  const cbcSibling = anchor ?? kids.find((k) => k.ns === CBC);
  const prefix = cbcSibling ? cbcSibling.prefix : 'cbc';
  let declaration = cbcSibling ? '' : ` xmlns:cbc="${CBC}"`;
  if (cbcSibling) {
    const tag = xml.toString('latin1', cbcSibling.pos, cbcSibling.startTagEnd);
    const declares = prefix === '' ? /\sxmlns\s*=/.test(tag) : new RegExp(`\\sxmlns:${prefix.replace(/[.\\-]/g, '\\$&')}\\s*=`).test(tag);
    if (declares) declaration = ` xmlns${prefix ? `:${prefix}` : ''}="${CBC}"`;
  }
  const qname = prefix ? `${prefix}:ID` : 'ID';
  const element = `<${qname}${declaration}>${number}</${qname}>`;
  if (anchor) {
    // Repeat the white space that precedes the anchor, so the new line is indented like its neighbours.
    const i = kids.indexOf(anchor);
    const prevEnd = i > 0 ? kids[i - 1]!.end : root.startTagEnd;
    const gap = xml.toString('latin1', prevEnd, anchor.pos);
    const indent = /^[ \t\r\n]*$/.test(gap) ? gap : '';
    return Buffer.concat([xml.subarray(0, anchor.end), Buffer.from(indent + element, 'latin1'), xml.subarray(anchor.end)]);
  }
  if (root.startTagEnd === root.end) throw new GatewayError('REQUIRED_FIELD', { field: 'cbc:ID' });
  return Buffer.concat([xml.subarray(0, root.startTagEnd), Buffer.from(element, 'latin1'), xml.subarray(root.startTagEnd)]);
}

/**
 * The stylesheet an invoice carries for its own visual: GİB's samples (and most ERP programs) embed it as
 * cac:AdditionalDocumentReference (cbc:DocumentType XSLT) / cac:Attachment / cbc:EmbeddedDocumentBinaryObject,
 * base64, with a filename ending in .xslt.
 */
import { NS } from '../xml/namespaces';
import type { XmlElement } from '../xml/parse';
import { attrValue, childrenNamed, firstChild } from '../xml/query';

const { cac: CAC, cbc: CBC } = NS;

function isXsltReference(ref: XmlElement, object: XmlElement): boolean {
  const fileName = attrValue(object, 'filename')?.trim().toLowerCase() ?? '';
  if (fileName.endsWith('.xslt') || fileName.endsWith('.xsl')) return true;
  return firstChild(ref, CBC, 'DocumentType')?.text.trim().toUpperCase() === 'XSLT';
}

/**
 * The first non-empty embedded XSLT of the invoice whose root element is `root`, decoded; null when it has none
 * (GİB's IHRACAT and YOLCUBERABER samples carry an empty one: the default template draws those).
 */
export function embeddedXslt(root: XmlElement): Buffer | null {
  for (const ref of childrenNamed(root, CAC, 'AdditionalDocumentReference')) {
    const object = firstChild(firstChild(ref, CAC, 'Attachment') ?? ref, CBC, 'EmbeddedDocumentBinaryObject');
    if (!object || !isXsltReference(ref, object)) continue;
    const bytes = Buffer.from(object.text.replace(/\s+/g, ''), 'base64');
    if (bytes.length > 0) return bytes;
  }
  return null;
}

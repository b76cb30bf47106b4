/**
 * What one document may cost the parser (src/xml/parse.ts checks these while it reads, before it allocates for what
 * is past them). Without them a request well under the body limit could cost far more than its size: measured on
 * 19 MB documents before the limits, 5 million `<a/>` took 4.2 s and 780 MB of heap, 20,000 attributes on one
 * element 0.55 s (the duplicate check is quadratic), 250 nested elements declaring 60 namespaces each 13 s for
 * 2 MB (every name is looked up through the whole chain of scopes).
 *
 * Limits differ per kind of document, so a caller passes the set that fits what it reads:
 *   DOCUMENT_LIMITS        the default: invoices, GİB's envelopes, application responses, reports. Many elements
 *                          (a real invoice has thousands of lines, ≈ 20–40 elements each), large text (an attached
 *                          PDF or XSLT is one base64 text node), short attributes and names.
 *   SOAP_REQUEST_LIMITS    the SOAP envelope of a request to one of our servers: shallow, a few dozen elements,
 *                          short attributes; one text node (SendInvoice's document, sendDocument's binaryData) may
 *                          be as large as the HTTP body limit, which bounds it.
 */
import { GatewayError } from '../faults';

export interface XmlLimits {
  /** Nesting of elements; the root is at depth 1. */
  readonly maxDepth: number;
  /** Elements, comments, processing instructions and CDATA sections in the whole document. */
  readonly maxNodes: number;
  /** Attributes written on one start tag, namespace declarations included. */
  readonly maxAttributes: number;
  /** Namespace declarations in scope at one element (the chain a prefix is looked up through, shadowed ones too). */
  readonly maxNamespaces: number;
  /** Bytes of an element, attribute or processing-instruction name. */
  readonly maxNameBytes: number;
  /** Bytes of one attribute value as written (before references are expanded). */
  readonly maxAttributeBytes: number;
  /** Bytes of one element's character data as written (text and CDATA sections, before references are expanded). */
  readonly maxTextBytes: number;
}

/** What each limit counts, as the fault's detail says it. */
const WHAT: Record<keyof XmlLimits, string> = {
  maxDepth: 'eleman derinligi',
  maxNodes: 'eleman, yorum, PI ve CDATA sayisi',
  maxAttributes: 'bir elemanin oznitelik sayisi',
  maxNamespaces: 'kapsamdaki ad alani bildirimi sayisi',
  maxNameBytes: 'bir adin uzunlugu (bayt)',
  maxAttributeBytes: 'bir oznitelik degeri (bayt)',
  maxTextBytes: 'bir elemanin metni (bayt)',
};

/** DOCUMENT_LIMIT for `limit` passed at byte offset `at` (an offset, not line and column: no scan of what is before). */
export function limitExceeded(limit: keyof XmlLimits, limits: XmlLimits, at: number): GatewayError {
  return new GatewayError('DOCUMENT_LIMIT', { detail: `bayt ${at}: ${WHAT[limit]} en fazla ${limits[limit]}` });
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const DOCUMENT_LIMITS: XmlLimits = Object.freeze({
  // libxml2's default (xmlParserMaxDepth); UBL-TR invoices nest about 10 deep, an envelope around them 20.
  maxDepth: 256,
  // ≈ 15,000 lines of a detailed invoice, or an envelope of 100 invoices of 150 lines; the tree costs ≈ 450 bytes
  // per element of a UBL invoice (measured), so ≈ 225 MB at the limit.
  maxNodes: 500_000,
  // The root of a UBL-TR invoice declares ≈ 15 namespaces; nothing in GİB's documents comes near.
  maxAttributes: 64,
  maxNamespaces: 64,
  maxNameBytes: 1 * KiB,
  // Codes, identifiers, algorithm URIs and schemaLocation lists: far below this.
  maxAttributeBytes: 64 * KiB,
  // An attachment (EmbeddedDocumentBinaryObject) of 24 MB, base64; more than a 20 MiB request can carry.
  maxTextBytes: 32 * MiB,
});

export const SOAP_REQUEST_LIMITS: XmlLimits = Object.freeze({
  // Envelope/Header/Security/UsernameToken/Password is 5 deep, Envelope/Body/<op>Request/<field> 4.
  maxDepth: 16,
  // A call with WS-Security and WS-Addressing headers holds about 25.
  maxNodes: 256,
  maxAttributes: 32,
  maxNamespaces: 32,
  maxNameBytes: 1 * KiB,
  maxAttributeBytes: 4 * KiB,
  // One text node may be the whole body (the document of SendInvoice): the HTTP body limit bounds it.
  maxTextBytes: Number.POSITIVE_INFINITY,
});

/**
 * A request to e-Logo's PostBoxService (src/elogo): as a SOAP request, but clients generated from its WCF WSDL declare
 * every one of the WSDL's prefixes on the envelope (node-soap: ≈ 50 namespaces, q1…qN), and CheckGibUser's list may
 * name up to 1,000 VKNs.
 */
export const POSTBOX_REQUEST_LIMITS: XmlLimits = Object.freeze({ ...SOAP_REQUEST_LIMITS, maxNodes: 4096, maxAttributes: 128, maxNamespaces: 128 });


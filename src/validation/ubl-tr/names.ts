/** Namespaces of UBL-TR documents. */
export const INV = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
export const CAC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2';
export const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';
export const EXT = 'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2';
export const DS = 'http://www.w3.org/2000/09/xmldsig#';
export const XADES = 'http://uri.etsi.org/01903/v1.3.2#';
export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
export const SH = 'http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader';

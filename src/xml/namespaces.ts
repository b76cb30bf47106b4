/**
 * Every XML namespace the product reads or writes, in one place (UBL-TR, XMLDSig/XAdES, GİB's envelope and web
 * service, HR-XML user accounts, SOAP).
 */
export const NS = {
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xades: 'http://uri.etsi.org/01903/v1.3.2#',
  xades141: 'http://uri.etsi.org/01903/v1.4.1#',
  sh: 'http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader',
  ef: 'http://www.efatura.gov.tr/package-namespace',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  inv: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  apr: 'urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2',
  despatch: 'urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2',
  receipt: 'urn:oasis:names:specification:ubl:schema:xsd:ReceiptAdvice-2',
  creditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
  ext: 'urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2',
  hr: 'http://www.hr-xml.org/3',
  oa: 'http://www.openapplications.org/oagis/9',
  /** The EFatura web service's target namespace (EFatura_Test.wsdl). */
  gib: 'http://gib.gov.tr/vedop3/eFatura',
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  xop: 'http://www.w3.org/2004/08/xop/include',
  xmime: 'http://www.w3.org/2005/05/xmlmime',
} as const;

import { makeInvoice } from '../helpers/invoices';

/** A structurally complete XAdES-BES signature (values are placeholders: only the XSD is under test). */
export const SIGNATURE = `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="Signature_1">
<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"/>
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms>
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>qZk+NkcGgWq6PiVxeFDCbJzQ2J0=</ds:DigestValue></ds:Reference>
<ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#SignedProperties_1"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
<ds:DigestValue>qZk+NkcGgWq6PiVxeFDCbJzQ2J0=</ds:DigestValue></ds:Reference></ds:SignedInfo>
<ds:SignatureValue>U2lnbmF0dXJlVmFsdWU=</ds:SignatureValue>
<ds:KeyInfo><ds:KeyValue><ds:RSAKeyValue><ds:Modulus>AQAB</ds:Modulus><ds:Exponent>AQAB</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>
<ds:X509Data><ds:X509SubjectName>CN=Test, O=Test</ds:X509SubjectName><ds:X509Certificate>QUJDRA==</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
<ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#Signature_1">
<xades:SignedProperties Id="SignedProperties_1"><xades:SignedSignatureProperties><xades:SigningTime>2024-05-01T10:00:00Z</xades:SigningTime>
<xades:SigningCertificate><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
<ds:DigestValue>qZk+NkcGgWq6PiVxeFDCbJzQ2J0=</ds:DigestValue></xades:CertDigest><xades:IssuerSerial><ds:X509IssuerName>CN=CA</ds:X509IssuerName>
<ds:X509SerialNumber>1234567890</ds:X509SerialNumber></xades:IssuerSerial></xades:Cert></xades:SigningCertificate>
<xades:SignerRole><xades:ClaimedRoles><xades:ClaimedRole>Tedarikçi</xades:ClaimedRole></xades:ClaimedRoles></xades:SignerRole>
</xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature>`;

export function signedInvoice(lines = 2): string {
  return makeInvoice({ lines }).replace('<ext:ExtensionContent/>', `<ext:ExtensionContent>${SIGNATURE}</ext:ExtensionContent>`);
}

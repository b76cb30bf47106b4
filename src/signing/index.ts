/**
 * Signing: the mali mühür (PKCS#11) or a software key behind one Signer interface, XAdES-BES enveloped signatures
 * for UBL-TR documents and anything else the product issues, and their verification.
 */
export { createSigner } from './signer';
export type {
  Pkcs11SignerConfig,
  SignatureMechanism,
  Signer,
  SignerConfig,
  SignerDescription,
  SignerOptions,
  SoftwareSignerConfig,
} from './signer';
export { signXml, prepareXades, prepareStreamedXades, completeXades } from './xades';
export type { PreparedXades, SignaturePlacement, SignXmlOptions } from './xades';
export { verifyXml } from './verify';
export type { VerifyOptions, VerifyResult } from './verify';
export { ensureDevelopmentSeal, developmentSealPaths, DEV_SEAL_MARK } from './dev-seal';
export { pkcs11Stats } from './pkcs11';

/**
 * One signer interface for the mali mühür on a PKCS#11 token and for a software key (development, tests).
 * Everything that signs in the product — invoices, envelopes, e-Arşiv reports, ledgers, berats — goes through it,
 * usually via `signXml` (xades.ts).
 */
import { GatewayError } from '../faults';
import { Pkcs11Signer } from './pkcs11';
import { SoftwareSigner } from './software';

/** RSA PKCS#1 v1.5 over SHA-256 of the data: the XMLDSig `rsa-sha256` method. */
export type SignatureMechanism = 'RSA-SHA256';

export interface SignerDescription {
  /** Where the key lives, e.g. `pkcs11:MALI MUHUR/imza` or `software:/etc/gw/seal.key.pem`; never secret. */
  label: string;
  /** Certificate subject, RFC 4514. */
  subject: string;
  /** Certificate serial number, upper-case hex. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** VKN (10 digits) or TCKN (11 digits) from the certificate subject, or null when it carries none. */
  vknTckn: string | null;
}

export interface Signer {
  readonly kind: 'pkcs11' | 'software';
  describe(): Promise<SignerDescription>;
  /** DER certificates, leaf first. */
  certificateChain(): Promise<Buffer[]>;
  /**
   * Sign `data` (hashing it with SHA-256 first). Checks the certificate's validity against the signer's clock on
   * every call: an expired seal must not produce signatures that GİB would reject later.
   */
  sign(data: Buffer, mechanism?: SignatureMechanism): Promise<Buffer>;
  close(): Promise<void>;
}

export interface SoftwareKeyFiles {
  type: 'software';
  /** PEM private key (PKCS#8 or PKCS#1, optionally encrypted with `passphrase`). */
  keyFile: string;
  /** PEM or DER certificate of the key. */
  certFile: string;
  /** Issuer certificates, leaf's issuer first (PEM files may hold several). */
  chainFiles?: string[];
  passphrase?: string;
}

export interface SoftwarePkcs12 {
  type: 'software';
  /** PKCS#12 (.p12/.pfx) holding the key and its certificate (and possibly the chain). */
  pkcs12File: string;
  passphrase?: string;
  chainFiles?: string[];
}

export type SoftwareSignerConfig = SoftwareKeyFiles | SoftwarePkcs12;

export interface Pkcs11SignerConfig {
  type: 'pkcs11';
  /** Path of the PKCS#11 module (.so / .dll), e.g. /usr/lib/softhsm/libsofthsm2.so or AKİS's akisp11. */
  module: string;
  /** Token label (as printed by `pkcs11-tool -L`). Preferred over `slot`. */
  tokenLabel?: string;
  /** Slot ID (the CK_SLOT_ID number, not an index). */
  slot?: number;
  /** CKA_LABEL of the private key. */
  keyLabel?: string;
  /** CKA_ID of the private key (and its certificate), hex. */
  keyId?: string;
  pin?: string;
  /** A file holding the PIN (one line); read at each login, so a corrected file is picked up without restart. */
  pinFile?: string;
  /**
   * CKM_SHA256_RSA_PKCS (the token hashes) or CKM_RSA_PKCS over DigestInfo‖SHA-256 hashed on the host (what many
   * smart cards support). Both give identical signatures. Default CKM_SHA256_RSA_PKCS.
   */
  mechanism?: 'CKM_SHA256_RSA_PKCS' | 'CKM_RSA_PKCS';
  /** Sessions kept open for parallel signing (one operation per session at a time). Default 4. */
  sessions?: number;
  /** Extra issuer certificates to append to the token's certificate (cards usually hold only the leaf). */
  chainFiles?: string[];
}

export type SignerConfig = SoftwareSignerConfig | Pkcs11SignerConfig;

export interface SignerOptions {
  /** Clock for certificate validity checks at sign time (tests inject one). */
  now?: () => Date;
  /**
   * PKCS#11 only: shortest interval between two re-initialisations of the module when the token cannot be found
   * (a card pulled out and put back is only seen after C_Finalize/C_Initialize by some modules, SoftHSM among
   * them). Default 1000 ms.
   */
  rescanIntervalMs?: number;
  /** PKCS#11 only: do not open a session and log in before the first signature. Default false (fail fast). */
  lazy?: boolean;
}

export async function createSigner(config: SignerConfig, options: SignerOptions = {}): Promise<Signer> {
  if (config.type === 'software') {
    return SoftwareSigner.open(config, options);
  }
  if (config.type === 'pkcs11') {
    return Pkcs11Signer.open(config, options);
  }
  throw new GatewayError('SIGNER_FAILED', { detail: `unknown signer type ${(config as { type?: unknown }).type}` });
}

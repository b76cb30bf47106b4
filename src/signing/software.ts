/**
 * A signer over a key held in memory (PEM files or PKCS#12), for development and tests. Production uses the mali
 * mühür on its card (pkcs11.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import forge from 'node-forge';
import { GatewayError } from '../faults';
import { certificatesFrom, certInfo, checkValidity, describeCertificate } from './cert';
import type {
  SignatureMechanism,
  Signer,
  SignerDescription,
  SignerOptions,
  SoftwareSignerConfig,
} from './signer';

async function readFile(path: string): Promise<Buffer> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    // The path is configuration, not a secret; the error code says which condition it was.
    throw new GatewayError('SIGNER_KEY_NOT_FOUND', { file: path }, (err as NodeJS.ErrnoException).code ?? 'READ_FAILED');
  }
}

export class SoftwareSigner implements Signer {
  readonly kind = 'software' as const;
  #key: crypto.KeyObject;
  #closed = false;

  private constructor(
    key: crypto.KeyObject,
    private readonly chain: Buffer[],
    private readonly label: string,
    private readonly now: () => Date,
  ) {
    this.#key = key;
  }

  static async open(config: SoftwareSignerConfig, options: SignerOptions = {}): Promise<SoftwareSigner> {
    let key: crypto.KeyObject;
    let chain: Buffer[];
    let label: string;
    if ('pkcs12File' in config) {
      ({ key, chain } = await loadPkcs12(config.pkcs12File, config.passphrase));
      label = `software:${config.pkcs12File}`;
    } else {
      const keyPem = await readFile(config.keyFile);
      try {
        key = crypto.createPrivateKey({ key: keyPem, passphrase: config.passphrase });
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'KEY_UNREADABLE';
        // An encrypted key with a wrong or missing passphrase is the software twin of a wrong PIN.
        if (/BAD_DECRYPT|passphrase|ERR_MISSING_PASSPHRASE/i.test(`${code} ${(err as Error).message}`)) {
          throw new GatewayError('SIGNER_PIN_INCORRECT', {}, code);
        }
        throw new GatewayError('SIGNER_KEY_NOT_FOUND', { file: config.keyFile }, code);
      }
      chain = certificatesFrom(await readFile(config.certFile)).slice(0, 1);
      label = `software:${config.keyFile}`;
    }
    for (const file of config.chainFiles ?? []) chain.push(...certificatesFrom(await readFile(file)));
    if (chain.length === 0) throw new GatewayError('SIGNER_KEY_NOT_FOUND', {}, 'NO_CERTIFICATE');
    const leaf = certInfo(chain[0]);
    // The key must be the certificate's: compare public keys rather than trusting file names.
    const pub = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
    if (!pub.equals(leaf.x509.publicKey.export({ type: 'spki', format: 'der' }))) {
      throw new GatewayError('SIGNER_KEY_NOT_FOUND', {}, 'KEY_CERT_MISMATCH');
    }
    if (key.asymmetricKeyType !== 'rsa') throw new GatewayError('SIGNER_FAILED', { detail: 'only RSA keys are supported' });
    return new SoftwareSigner(key, chain, label, options.now ?? (() => new Date()));
  }

  async describe(): Promise<SignerDescription> {
    return describeCertificate(this.label, this.chain[0]);
  }

  async certificateChain(): Promise<Buffer[]> {
    return this.chain.slice();
  }

  sign(data: Buffer, mechanism: SignatureMechanism = 'RSA-SHA256'): Promise<Buffer> {
    if (this.#closed) return Promise.reject(new GatewayError('SIGNER_FAILED', { detail: 'signer closed' }));
    if (mechanism !== 'RSA-SHA256') return Promise.reject(new GatewayError('SIGNER_FAILED', { detail: `mechanism ${mechanism}` }));
    try {
      checkValidity(certInfo(this.chain[0]), this.now());
    } catch (err) {
      return Promise.reject(err);
    }
    // The callback form runs on libuv's thread pool, so parallel signatures use every core.
    return new Promise((resolve, reject) => {
      crypto.sign('sha256', data, { key: this.#key, padding: crypto.constants.RSA_PKCS1_PADDING }, (err, sig) => {
        if (err) reject(new GatewayError('SIGNER_FAILED', { detail: err.message }, err));
        else resolve(sig);
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

async function loadPkcs12(file: string, passphrase = ''): Promise<{ key: crypto.KeyObject; chain: Buffer[] }> {
  const raw = await readFile(file);
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(raw.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, passphrase);
  } catch (err) {
    const msg = (err as Error).message ?? '';
    if (/password|MAC|decrypt/i.test(msg)) throw new GatewayError('SIGNER_PIN_INCORRECT', {}, 'PKCS12_BAD_PASSWORD');
    throw new GatewayError('SIGNER_KEY_NOT_FOUND', { file }, 'PKCS12_UNREADABLE');
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const keyBag = keyBags.find((b) => b.key);
  if (!keyBag?.key) throw new GatewayError('SIGNER_KEY_NOT_FOUND', { file }, 'PKCS12_NO_KEY');
  const key = crypto.createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));
  const pub = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
  const certs = certBags
    .filter((b) => b.cert)
    .map((b) => Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(b.cert!)).getBytes(), 'binary'));
  // Leaf first: the certificate whose public key is the key's, then the others in the order found.
  const leafIdx = certs.findIndex((d) => new crypto.X509Certificate(d).publicKey.export({ type: 'spki', format: 'der' }).equals(pub));
  if (leafIdx < 0) throw new GatewayError('SIGNER_KEY_NOT_FOUND', { file }, 'PKCS12_NO_CERTIFICATE');
  const chain = [certs[leafIdx], ...certs.filter((_, i) => i !== leafIdx)];
  return { key, chain };
}

/**
 * A development seal: on first start, a clearly labelled fake mali mühür (software key) issued by a generated
 * development root, so a fresh installation can sign and verify end to end without a card. Its certificate looks
 * like a Kamu SM mali mühür certificate (VKN in the subject serialNumber, the mali mühür policy and extended key
 * usage), but every name says "GELISTIRME MUHRU - GERCEK DEGIL" and its root is trusted nowhere but here.
 *
 * The certificate builders are also used by the tests' SoftHSM token helper (test/helpers/softhsm.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { GatewayError } from '../faults';
import { certInfo, certificatesFrom } from './cert';
import type { SoftwareSignerConfig } from './signer';

/** Kamu SM mali mühür certificate policy and extended key usage (from GİB's sample seal certificate). */
export const MALI_MUHUR_POLICY_OID = '2.16.792.1.2.1.1.5.7.4.1';
export const MALI_MUHUR_EKU_OID = '2.16.792.1.2.1.1.5.7.50.1';

export const DEV_SEAL_MARK = 'GELISTIRME MUHRU - GERCEK DEGIL';

export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

function randomSerial(): string {
  const b = crypto.randomBytes(9);
  b[0] &= 0x7f; // positive INTEGER
  if (b[0] === 0) b[0] = 1;
  return b.toString('hex');
}

function utf8(name: string, value: string): forge.pki.CertificateField {
  return { name, value, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class } as forge.pki.CertificateField;
}

function certificatePoliciesExtension(policyOid: string): { id: string; critical: boolean; value: string } {
  const a = forge.asn1;
  const der = a
    .toDer(
      a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [
        a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [a.create(a.Class.UNIVERSAL, a.Type.OID, false, a.oidToDer(policyOid).getBytes())]),
      ]),
    )
    .getBytes();
  return { id: '2.5.29.32', critical: false, value: der };
}

/** A self-signed RSA-2048 root (key generated with Node's crypto: ≈ 50 ms, node-forge's own takes seconds). */
export function createRootCa(opts: { commonName: string; notBefore?: Date; notAfter?: Date }): CaMaterial {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const fKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(fKey.n, fKey.e);
  cert.serialNumber = randomSerial();
  const now = new Date();
  cert.validity.notBefore = opts.notBefore ?? new Date(now.getTime() - 24 * 3600e3);
  cert.validity.notAfter = opts.notAfter ?? new Date(now.getTime() + 10 * 365 * 24 * 3600e3);
  const name = [{ name: 'countryName', value: 'TR' }, utf8('commonName', opts.commonName)];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(fKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

export interface SealCertificateOptions {
  /** SubjectPublicKeyInfo of the seal's key: PEM, or the RSA modulus/exponent read from a token. */
  publicKey: string | { modulus: Buffer; exponent: Buffer };
  vkn: string;
  title: string;
  /** Extra text for the CN (the development seal puts DEV_SEAL_MARK there). */
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
  ca: CaMaterial;
}

/** A mali mühür-shaped end-entity certificate issued by `ca`; returns PEM. */
export function issueSealCertificate(opts: SealCertificateOptions): string {
  if (!/^\d{10,11}$/.test(opts.vkn)) throw new GatewayError('SIGNER_FAILED', { detail: 'VKN/TCKN must be 10 or 11 digits' });
  const caCert = forge.pki.certificateFromPem(opts.ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(opts.ca.keyPem);
  const cert = forge.pki.createCertificate();
  if (typeof opts.publicKey === 'string') {
    cert.publicKey = forge.pki.publicKeyFromPem(opts.publicKey);
  } else {
    const big = (b: Buffer) => new forge.jsbn.BigInteger(b.toString('hex'), 16);
    cert.publicKey = forge.pki.setRsaPublicKey(big(opts.publicKey.modulus), big(opts.publicKey.exponent));
  }
  cert.serialNumber = randomSerial();
  const now = new Date();
  cert.validity.notBefore = opts.notBefore ?? new Date(now.getTime() - 3600e3);
  cert.validity.notAfter = opts.notAfter ?? new Date(now.getTime() + 3 * 365 * 24 * 3600e3);
  // Same attribute order and string types as the Kamu SM certificate in GİB's samples: OU, serialNumber
  // (PrintableString), CN.
  cert.setSubject([
    { name: 'countryName', value: 'TR' },
    utf8('organizationalUnitName', opts.title),
    { name: 'serialNumber', value: opts.vkn },
    utf8('commonName', opts.commonName ?? opts.title),
  ]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'extKeyUsage', [MALI_MUHUR_EKU_OID]: true },
    certificatePoliciesExtension(MALI_MUHUR_POLICY_OID),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export interface DevelopmentSealPaths {
  rootCertFile: string;
  rootKeyFile: string;
  keyFile: string;
  certFile: string;
}

export function developmentSealPaths(dir: string): DevelopmentSealPaths {
  return {
    rootCertFile: path.join(dir, 'dev-root.cert.pem'),
    rootKeyFile: path.join(dir, 'dev-root.key.pem'),
    keyFile: path.join(dir, 'dev-seal.key.pem'),
    certFile: path.join(dir, 'dev-seal.cert.pem'),
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, data, { mode });
  await fs.chmod(tmp, mode); // umask may have narrowed or widened what writeFile set
  await fs.rename(tmp, file);
}

/**
 * Whether the lock file was left by a holder that can no longer remove it. A SIGKILLed holder leaves the file behind,
 * so waiters must not wait for the 60 s age rule: the holder writes "<pid> <hostname>", and a holder on this host
 * whose pid no longer exists (ESRCH; EPERM means alive) is gone. An empty or partial lock (killed between creating
 * and writing it) is stale after 2 s; any lock after 60 s (e.g. a reused pid, or a holder on another host).
 */
async function staleLock(lock: string): Promise<boolean> {
  const st = await fs.stat(lock).catch(() => null);
  if (!st) return false; // released meanwhile: retry the open
  const age = Date.now() - st.mtimeMs;
  if (age > 60_000) return true;
  const text = await fs.readFile(lock, 'utf8').catch(() => '');
  const m = /^(\d+) (.+)\n$/.exec(text);
  if (!m) return age > 2_000;
  if (m[2] !== os.hostname() || Number(m[1]) <= 0) return false;
  try {
    process.kill(Number(m[1]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Make sure `dir` holds a development seal for `vkn` and return a software SignerConfig for it (chainFiles holds the
 * development root, which is also what a verifier must trust). Idempotent: an existing seal for the same VKN that is
 * valid for at least 30 more days is reused; otherwise a new seal is issued by the existing root.
 */
export async function ensureDevelopmentSeal(dir: string, opts: { vkn: string; title: string }): Promise<SoftwareSignerConfig> {
  const p = developmentSealPaths(dir);
  const config: SoftwareSignerConfig = { type: 'software', keyFile: p.keyFile, certFile: p.certFile, chainFiles: [p.rootCertFile] };
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });

  if ((await exists(p.keyFile)) && (await exists(p.certFile)) && (await exists(p.rootCertFile))) {
    const [leaf] = certificatesFrom(await fs.readFile(p.certFile));
    const info = leaf ? certInfo(leaf) : null;
    if (info && info.vknTckn === opts.vkn && info.notAfter.getTime() - Date.now() > 30 * 24 * 3600e3) return config;
  }

  // Two processes starting at once must not interleave a key of one with the certificate of the other.
  const lock = path.join(dir, '.dev-seal.lock');
  let handle: fs.FileHandle | null = null;
  for (let i = 0; i < 200 && !handle; i++) {
    try {
      handle = await fs.open(lock, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await staleLock(lock)) await fs.rm(lock, { force: true }); // left by a crash
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  if (!handle) throw new GatewayError('SIGNER_FAILED', { detail: `development seal lock ${lock} is held` });
  try {
    await handle.writeFile(`${process.pid} ${os.hostname()}\n`); // lets waiters see that we died (staleLock)
    // Someone may have finished while we waited.
    if ((await exists(p.keyFile)) && (await exists(p.certFile))) {
      const [leaf] = certificatesFrom(await fs.readFile(p.certFile));
      const info = leaf ? certInfo(leaf) : null;
      if (info && info.vknTckn === opts.vkn && info.notAfter.getTime() - Date.now() > 30 * 24 * 3600e3) return config;
    }
    let ca: CaMaterial;
    if ((await exists(p.rootCertFile)) && (await exists(p.rootKeyFile))) {
      ca = { certPem: await fs.readFile(p.rootCertFile, 'utf8'), keyPem: await fs.readFile(p.rootKeyFile, 'utf8') };
    } else {
      ca = createRootCa({ commonName: `GELISTIRME KOKU - GERCEK DEGIL (${os.hostname()})` });
      await writeAtomic(p.rootKeyFile, ca.keyPem, 0o600);
      await writeAtomic(p.rootCertFile, ca.certPem, 0o644);
    }
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const certPem = issueSealCertificate({
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      vkn: opts.vkn,
      title: opts.title,
      commonName: `${DEV_SEAL_MARK} - ${opts.title}`,
      ca,
    });
    // Key first: a certificate file is only ever next to its own key once both renames are done, and the lock
    // keeps readers of this function from seeing the pair half-written.
    await writeAtomic(p.keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    await writeAtomic(p.certFile, certPem, 0o644);
    return config;
  } finally {
    await handle.close();
    await fs.rm(lock, { force: true });
  }
}

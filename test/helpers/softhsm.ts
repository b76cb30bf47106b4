/**
 * Real SoftHSM2 tokens for tests and benchmarks, personalised like a mali mühür card: an RSA-2048 key pair
 * generated ON the token (C_GenerateKeyPair, CKA_SENSITIVE true, CKA_EXTRACTABLE false), a certificate for its
 * public key issued by a test root (software key), stored on the token with the key's CKA_ID.
 *
 * Environment: SoftHSM reads SOFTHSM2_CONF when the module is initialised (C_Initialize), and only then enumerates
 * tokens. So:
 * - this helper writes `<dir>/softhsm2.conf` (tokendir `<dir>/tokens`) and sets process.env.SOFTHSM2_CONF; all
 *   tokens of a test process live in one directory (`sharedSoftHsmDir()`), each token in its own subdirectory;
 * - the personalisation runs in a child process (this file with `--child`), so the test process's own module
 *   state is never touched; the product's signer sees a new token after its module re-enumerates (it does that by
 *   itself when the configured token is not found).
 *
 * Manual use (benchmarks, poking with pkcs11-tool): scripts/softhsm-token.sh, or
 *   node --require tsx/cjs test/helpers/softhsm.ts <dir> [--label L] [--pin P] [--vkn V]
 */
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as pkcs11js from 'pkcs11js';
import { createRootCa, issueSealCertificate, type CaMaterial } from '../../src/signing/dev-seal';
import type { TestGateway } from './gateway';

const execFileP = promisify(execFile);

export const SOFTHSM_MODULE = process.env.SOFTHSM2_MODULE ?? '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsmTokenOptions {
  label?: string;
  pin?: string;
  soPin?: string;
  vkn?: string;
  title?: string;
  keyLabel?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Issuer of the token's certificate; default the process-wide test root (`testRootCa()`). */
  ca?: CaMaterial;
}

export interface SoftHsmToken {
  module: string;
  conf: string;
  tokenLabel: string;
  pin: string;
  soPin: string;
  keyLabel: string;
  /** CKA_ID, hex. */
  keyId: string;
  caCertPem: string;
  certPem: string;
  /** The token's own directory inside the tokendir (move it away to "pull the card out"). */
  tokenDir: string;
  vkn: string;
}

let sharedDir: string | null = null;

/** One SoftHSM directory per test process, created on first use. */
export function sharedSoftHsmDir(): string {
  if (!sharedDir) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gw-softhsm-${process.pid}-`));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    sharedDir = dir;
  }
  return sharedDir;
}

let rootCa: CaMaterial | null = null;

/** The process-wide test root that issues token certificates by default. */
export function testRootCa(): CaMaterial {
  rootCa ??= createRootCa({ commonName: 'GATEWAY TEST ROOT - GERCEK DEGIL' });
  return rootCa;
}

/** Write (once) the SoftHSM config for `dir` and point SOFTHSM2_CONF at it. */
export function softHsmConf(dir: string): string {
  const conf = path.join(dir, 'softhsm2.conf');
  const tokens = path.join(dir, 'tokens');
  fs.mkdirSync(tokens, { recursive: true });
  if (!fs.existsSync(conf)) {
    fs.writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = true\n`);
  }
  process.env.SOFTHSM2_CONF = conf;
  return conf;
}

let counter = 0;

export async function createSoftHsmToken(dir: string, opts: SoftHsmTokenOptions = {}): Promise<SoftHsmToken> {
  const conf = softHsmConf(dir);
  const tokensDir = path.join(dir, 'tokens');
  const tokenLabel = opts.label ?? `GW-TEST-${process.pid}-${++counter}`;
  const pin = opts.pin ?? '123456';
  const soPin = opts.soPin ?? '12345678';
  const vkn = opts.vkn ?? '1234567890';
  const keyLabel = opts.keyLabel ?? 'mali-muhur';
  const env = { ...process.env, SOFTHSM2_CONF: conf };

  const before = new Set(fs.readdirSync(tokensDir));
  await execFileP('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel, '--so-pin', soPin, '--pin', pin], { env });
  const created = fs.readdirSync(tokensDir).filter((d) => !before.has(d));
  if (created.length !== 1) throw new Error(`could not tell which token directory softhsm2-util created (${created.join(', ')})`);

  const ca = opts.ca ?? testRootCa();
  const request: ChildRequest = {
    module: SOFTHSM_MODULE,
    tokenLabel,
    pin,
    keyLabel,
    vkn,
    title: opts.title ?? 'GATEWAY TEST A.S.',
    notBefore: opts.notBefore?.toISOString(),
    notAfter: opts.notAfter?.toISOString(),
    ca,
  };
  const result = await runChild(request, env);
  return {
    module: SOFTHSM_MODULE,
    conf,
    tokenLabel,
    pin,
    soPin,
    keyLabel,
    keyId: result.keyId,
    caCertPem: ca.certPem,
    certPem: result.certPem,
    tokenDir: path.join(tokensDir, created[0]),
    vkn,
  };
}

function removedPath(token: SoftHsmToken): string {
  // Outside the tokendir: SoftHSM treats every subdirectory of the tokendir as a token, so a directory merely
  // renamed in place is found again at the next enumeration (measured: the "removed" card kept signing).
  return path.join(path.dirname(path.dirname(token.tokenDir)), 'removed', path.basename(token.tokenDir));
}

/**
 * Makes `token` (with `pin`, from a PIN file in `dir`) the tenant's mali mühür in a test gateway, and closes the
 * signer it had, so the next signature uses the token.
 */
export async function useTokenAsSeal(gw: TestGateway, token: SoftHsmToken, pin: string, dir: string): Promise<void> {
  const pinFile = path.join(dir, `pin-${crypto.randomUUID()}`);
  fs.writeFileSync(pinFile, pin, { mode: 0o600 });
  await gw.testDb.db('tenants').where({ id: gw.tenant.id }).update({
    signer_config: JSON.stringify({ type: 'pkcs11', module: token.module, tokenLabel: token.tokenLabel, keyLabel: token.keyLabel, pinFile }),
  });
  await gw.gateway.signers.drop(gw.tenant.id);
}

/** "Pull the card out": move the token's directory out of the tokendir. */
export function removeToken(token: SoftHsmToken): void {
  fs.mkdirSync(path.dirname(removedPath(token)), { recursive: true });
  fs.renameSync(token.tokenDir, removedPath(token));
}

/** "Put the card back". */
export function reinsertToken(token: SoftHsmToken): void {
  fs.renameSync(removedPath(token), token.tokenDir);
}

/**
 * SoftHSM never locks a PIN by itself (2.6: C_Login returns CKR_PIN_INCORRECT forever and only sets
 * CKF_USER_PIN_COUNT_LOW). What it does honour is the token flags it stores: set CKF_USER_PIN_LOCKED in
 * token.object and C_GetTokenInfo reports the token as locked, as a real card does after its last wrong try.
 * Only effective for a process that loads the token after this (SoftHSM caches the token object).
 */
export function setUserPinLocked(token: SoftHsmToken, locked = true): void {
  const file = path.join(token.tokenDir, 'token.object');
  const buf = fs.readFileSync(file);
  // Attribute record: type CKA_OS_TOKENFLAGS (CKA_VENDOR_DEFINED + 0x5348 + 3), kind ULONG_ATTR (2), 8-byte value,
  // all big-endian unsigned longs (SoftHSMv2 src/lib/object_store/ObjectFile.cpp).
  const marker = Buffer.from('000000008000534b0000000000000002', 'hex');
  const at = buf.indexOf(marker);
  if (at < 0) throw new Error('CKA_OS_TOKENFLAGS not found in token.object');
  const CKF_USER_PIN_LOCKED = 0x40000n;
  const v = buf.readBigUInt64BE(at + marker.length);
  buf.writeBigUInt64BE(locked ? v | CKF_USER_PIN_LOCKED : v & ~CKF_USER_PIN_LOCKED, at + marker.length);
  fs.writeFileSync(file, buf);
}

// ---------------------------------------------------------------------------------------------------------------
// Child process: the PKCS#11 personalisation itself.

interface ChildRequest {
  module: string;
  tokenLabel: string;
  pin: string;
  keyLabel: string;
  vkn: string;
  title: string;
  notBefore?: string;
  notAfter?: string;
  ca: CaMaterial;
}

interface ChildResult {
  keyId: string;
  certPem: string;
}

function runChild(request: ChildRequest, env: NodeJS.ProcessEnv): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', __filename, '--child'], {
      env,
      cwd: path.resolve(__dirname, '..', '..'),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`token personalisation failed (${code}): ${err.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as ChildResult);
      } catch {
        reject(new Error(`token personalisation: unexpected output ${out} ${err}`));
      }
    });
    child.stdin.end(JSON.stringify(request));
  });
}

async function personalise(req: ChildRequest): Promise<ChildResult> {
  const p11 = new pkcs11js.PKCS11();
  p11.load(req.module);
  p11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  try {
    const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === req.tokenLabel);
    if (!slot) throw new Error(`token ${req.tokenLabel} not found`);
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    p11.C_Login(session, pkcs11js.CKU_USER, req.pin);
    const keyId = crypto.randomBytes(8);
    const common = [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_ID, value: keyId },
      { type: pkcs11js.CKA_LABEL, value: req.keyLabel },
    ];
    const { publicKey } = p11.C_GenerateKeyPair(
      session,
      { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
      [
        ...common,
        { type: pkcs11js.CKA_VERIFY, value: true },
        { type: pkcs11js.CKA_MODULUS_BITS, value: 2048 },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
      ],
      [
        ...common,
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      ],
    );
    const [mod, exp] = p11.C_GetAttributeValue(session, publicKey, [{ type: pkcs11js.CKA_MODULUS }, { type: pkcs11js.CKA_PUBLIC_EXPONENT }]);
    const certPem = issueSealCertificate({
      publicKey: { modulus: mod.value as Buffer, exponent: exp.value as Buffer },
      vkn: req.vkn,
      title: req.title,
      notBefore: req.notBefore ? new Date(req.notBefore) : undefined,
      notAfter: req.notAfter ? new Date(req.notAfter) : undefined,
      ca: req.ca,
    });
    const x509 = new crypto.X509Certificate(certPem);
    const der = x509.raw;
    // CKA_SUBJECT / CKA_ISSUER / CKA_SERIAL_NUMBER as DER, as PKCS#11 v2.40 §4.6.3 defines them.
    const { subjectDer, issuerDer, serialDer } = certificateParts(der);
    p11.C_CreateObject(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
      { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: false },
      { type: pkcs11js.CKA_ID, value: keyId },
      { type: pkcs11js.CKA_LABEL, value: req.keyLabel },
      { type: pkcs11js.CKA_SUBJECT, value: subjectDer },
      { type: pkcs11js.CKA_ISSUER, value: issuerDer },
      { type: pkcs11js.CKA_SERIAL_NUMBER, value: serialDer },
      { type: pkcs11js.CKA_VALUE, value: der },
    ]);
    p11.C_Logout(session);
    p11.C_CloseSession(session);
    return { keyId: keyId.toString('hex'), certPem };
  } finally {
    p11.C_Finalize();
  }
}

function certificateParts(der: Buffer): { subjectDer: Buffer; issuerDer: Buffer; serialDer: Buffer } {
  // Minimal DER walk: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, sigAlg, issuer,
  // validity, subject, … } … }
  const read = (buf: Buffer, at: number): { start: number; end: number; tag: number; headerLen: number } => {
    const tag = buf[at];
    let len = buf[at + 1];
    let hl = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i];
      hl = 2 + n;
    }
    return { start: at, end: at + hl + len, tag, headerLen: hl };
  };
  const cert = read(der, 0);
  const tbs = read(der, cert.start + cert.headerLen);
  let at = tbs.start + tbs.headerLen;
  const items: Array<{ start: number; end: number; tag: number }> = [];
  while (at < tbs.end && items.length < 7) {
    const it = read(der, at);
    items.push(it);
    at = it.end;
  }
  const off = items[0].tag === 0xa0 ? 1 : 0;
  return {
    serialDer: der.subarray(items[off].start, items[off].end),
    issuerDer: der.subarray(items[off + 2].start, items[off + 2].end),
    subjectDer: der.subarray(items[off + 4].start, items[off + 4].end),
  };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    let input = '';
    process.stdin.on('data', (d: Buffer) => (input += d.toString()));
    process.stdin.on('end', () => {
      personalise(JSON.parse(input) as ChildRequest).then(
        (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
        (e: unknown) => {
          process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
          process.exit(1);
        },
      );
    });
  } else {
    // Manual use: create a token in <dir> and print what a SignerConfig and a verifier need.
    const dir = path.resolve(args[0] ?? path.join(os.tmpdir(), 'gw-softhsm'));
    const opt = (name: string): string | undefined => {
      const i = args.indexOf(`--${name}`);
      return i >= 0 ? args[i + 1] : undefined;
    };
    fs.mkdirSync(dir, { recursive: true });
    const caFile = path.join(dir, 'test-root.json');
    const ca: CaMaterial = fs.existsSync(caFile) ? (JSON.parse(fs.readFileSync(caFile, 'utf8')) as CaMaterial) : testRootCa();
    fs.writeFileSync(caFile, JSON.stringify(ca), { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'test-root.cert.pem'), ca.certPem);
    createSoftHsmToken(dir, { label: opt('label'), pin: opt('pin'), vkn: opt('vkn'), ca }).then(
      (t) => {
        fs.writeFileSync(path.join(dir, `${t.tokenLabel}.cert.pem`), t.certPem);
        process.stdout.write(
          `${JSON.stringify({ ...t, caCertPem: undefined, certPem: undefined, caCertFile: path.join(dir, 'test-root.cert.pem') }, null, 2)}\n` +
            `export SOFTHSM2_CONF=${t.conf}\n`,
        );
      },
      (e: unknown) => {
        process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  }
}

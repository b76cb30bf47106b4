/**
 * The mali mühür on a PKCS#11 token (AKİS smart card in production, SoftHSM2 in tests), over pkcs11js.
 *
 * Measured on SoftHSM2 2.6 / 2 cores (bench/signing.bench.ts): one session signs ≈ 1,740 RSA-2048 signatures/s,
 * four sessions with C_SignAsync ≈ 3,000/s. A real card serialises everything and signs a few times per second.
 *
 * Things that are easy to get wrong and are handled here:
 * - C_Initialize with CKF_OS_LOCKING_OK: without it concurrent signing corrupts the module's heap.
 * - One operation per session at a time (CKR_OPERATION_ACTIVE otherwise): a small session pool per signer.
 * - A module is initialised once per process; several signers (tokens) share it, reference-counted.
 * - Login state is per token, not per session: CKR_USER_ALREADY_LOGGED_IN on a second session is success.
 * - A wrong PIN is tried once per process and token. Cards lock after a few wrong tries (AKİS: 3), and a server
 *   retrying a stale PIN in a loop would lock the company's seal; the same PIN is refused locally until the PIN
 *   (file) changes. A second signer on a token this process is already logged in to must present the same PIN.
 * - A card pulled out and put back: CKR_DEVICE_REMOVED, CKR_SESSION_HANDLE_INVALID, CKR_TOKEN_NOT_PRESENT … (and
 *   with SoftHSM, whose token directory disappears, CKR_OBJECT_HANDLE_INVALID and CKR_GENERAL_ERROR) drop the
 *   sessions; the next call finds the token again, re-initialising the module if it cannot see the token (SoftHSM
 *   only notices a returned token after C_Finalize/C_Initialize), and logs in again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import * as pkcs11js from 'pkcs11js';
import { GatewayError, isGatewayError } from '../faults';
import { certificatesFrom, certInfo, checkValidity, describeCertificate, type CertInfo } from './cert';
import type {
  Pkcs11SignerConfig,
  SignatureMechanism,
  Signer,
  SignerDescription,
  SignerOptions,
} from './signer';

/** DER prefix of DigestInfo { sha256, NULL } for CKM_RSA_PKCS over a host-computed hash (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

const stats = { loginAttempts: 0, rescans: 0 };

/** Process-wide counters for logs and health checks: PINs presented to tokens, module re-initialisations. */
export function pkcs11Stats(): Readonly<typeof stats> {
  return { ...stats };
}

/** Keys the in-memory PIN hashes, so not even a heap dump holds a plain hash of a 6-digit PIN. */
const PIN_KEY = crypto.randomBytes(32);

/** Conditions after which the sessions (and perhaps the module) are stale and must be re-opened. */
const RECONNECT = new Set([
  'CKR_DEVICE_REMOVED',
  'CKR_DEVICE_ERROR',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_TOKEN_NOT_RECOGNIZED',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_SESSION_COUNT',
  'CKR_SLOT_ID_INVALID',
  'CKR_OBJECT_HANDLE_INVALID',
  'CKR_KEY_HANDLE_INVALID',
  'CKR_USER_NOT_LOGGED_IN',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
  'CKR_GENERAL_ERROR',
]);

/** The CKR_* name of a pkcs11js error, or null for anything else. */
export function ckrName(err: unknown): string | null {
  const msg = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const m = /\b(CKR_[A-Z0-9_]+)\b/.exec(msg);
  return m ? m[1] : null;
}

/**
 * Map a PKCS#11 return value to the fault catalogue; the CKR_* name becomes the error's `cause`. Exported so the
 * mapping of codes SoftHSM never returns (CKR_PIN_LOCKED) is tested too.
 */
export function faultForCkr(ckr: string, detail = ''): GatewayError {
  switch (ckr) {
    case 'CKR_PIN_INCORRECT':
    case 'CKR_PIN_INVALID':
    case 'CKR_PIN_LEN_RANGE':
      return new GatewayError('SIGNER_PIN_INCORRECT', {}, ckr);
    case 'CKR_PIN_LOCKED':
      return new GatewayError('SIGNER_PIN_LOCKED', {}, ckr);
    case 'CKR_PIN_EXPIRED':
      return new GatewayError('SIGNER_FAILED', { detail: 'PIN expired, change it on the card' }, ckr);
    default:
      if (RECONNECT.has(ckr)) return new GatewayError('SIGNER_TOKEN_ABSENT', {}, ckr);
      return new GatewayError('SIGNER_FAILED', { detail: detail ? `${ckr} (${detail})` : ckr }, ckr);
  }
}

function toFault(err: unknown, detail = ''): GatewayError {
  if (isGatewayError(err)) return err;
  const ckr = ckrName(err);
  if (ckr) return faultForCkr(ckr, detail);
  return new GatewayError('SIGNER_FAILED', { detail: detail || (err instanceof Error ? err.message : String(err)) }, err);
}

// ---------------------------------------------------------------------------------------------------------------
// One loaded module per path, shared by every signer in the process.

class Module {
  private static readonly registry = new Map<string, Module>();
  readonly lib: pkcs11js.PKCS11;
  generation = 0;
  private refs = 0;
  private active = 0;
  private drainWaiters: Array<() => void> = [];
  private rescanning: Promise<void> | null = null;
  private lastRescan = 0;
  /** False when someone else in the process had initialised the library: then we never finalise it. */
  private ownsInit = true;
  /**
   * Per token (serial + label): the PIN (keyed hash) the token accepted in this process and the PINs it rejected.
   * PKCS#11 login state belongs to the application, not the session, so a second signer presenting another PIN
   * only gets CKR_USER_ALREADY_LOGGED_IN; without this record a wrong PIN would sign on someone else's login.
   */
  private static readonly pins = new Map<string, { accepted?: string; rejected: Set<string> }>();

  pinState(token: string): { accepted?: string; rejected: Set<string> } {
    // Kept per module path, across re-initialisations and across the module being unloaded and loaded again.
    const key = `${this.file}\0${token}`;
    let st = Module.pins.get(key);
    if (!st) Module.pins.set(key, (st = { rejected: new Set() }));
    return st;
  }

  private constructor(readonly file: string) {
    this.lib = new pkcs11js.PKCS11();
  }

  static acquire(file: string): Module {
    const resolved = path.resolve(file);
    let mod = Module.registry.get(resolved);
    if (!mod) {
      if (!fs.existsSync(resolved)) throw new GatewayError('SIGNER_MODULE_NOT_FOUND', { module: resolved }, 'ENOENT');
      mod = new Module(resolved);
      try {
        mod.lib.load(resolved);
      } catch (err) {
        throw new GatewayError('SIGNER_MODULE_NOT_FOUND', { module: resolved }, (err as Error).message);
      }
      try {
        mod.initialize();
      } catch (err) {
        mod.lib.close();
        throw err;
      }
      Module.registry.set(resolved, mod);
    }
    mod.refs++;
    return mod;
  }

  private initialize(): void {
    try {
      this.lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
      this.ownsInit = true;
    } catch (err) {
      const ckr = ckrName(err);
      if (ckr === 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
        this.ownsInit = false;
        return;
      }
      // The driver loads but does not start (SoftHSM: its configuration file is missing or unreadable).
      throw new GatewayError('SIGNER_MODULE_NOT_FOUND', { module: this.file }, ckr ?? (err as Error).message);
    }
  }

  /** Run `fn` while no re-initialisation can start; re-initialisation waits for every `use` to finish. */
  async use<T>(fn: (lib: pkcs11js.PKCS11) => Promise<T> | T): Promise<T> {
    while (this.rescanning) await this.rescanning;
    this.active++;
    try {
      return await fn(this.lib);
    } finally {
      this.active--;
      if (this.active === 0) for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  /**
   * C_Finalize + C_Initialize, so the module enumerates slots and tokens again. Every session of every signer on
   * this module becomes invalid; signers notice through `generation`. Never call from inside `use`.
   * Returns false when the last rescan is more recent than `minIntervalMs`.
   */
  async rescan(minIntervalMs: number): Promise<boolean> {
    if (this.rescanning) {
      await this.rescanning;
      return true;
    }
    if (Date.now() - this.lastRescan < minIntervalMs) return false;
    this.rescanning = (async () => {
      if (this.active > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
      try {
        this.lib.C_Finalize();
      } catch {
        // Already finalised or the module lost its state; initialising again is what matters.
      }
      this.generation++;
      stats.rescans++;
      this.lastRescan = Date.now();
      this.initialize();
    })();
    try {
      await this.rescanning;
    } finally {
      this.rescanning = null;
    }
    return true;
  }

  release(): void {
    if (--this.refs > 0) return;
    Module.registry.delete(this.file);
    if (this.ownsInit) {
      try {
        this.lib.C_Finalize();
      } catch {
        // Nothing useful to do at shutdown.
      }
    }
    try {
      this.lib.close();
    } catch {
      // Same.
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

interface Connection {
  generation: number;
  slot: Buffer;
  tokenLabel: string;
  key: Buffer;
  keyLabel: string;
  keyId: Buffer;
  chain: Buffer[];
  cert: CertInfo;
  sigLength: number;
  idle: Buffer[];
  total: number;
  waiters: Array<{ resolve: (s: Buffer) => void; reject: (e: unknown) => void }>;
  dead: boolean;
}

class Stale extends Error {
  constructor(readonly ckr: string) {
    super(ckr);
  }
}

function trimLabel(s: string): string {
  return s.replace(/[\s\0]+$/, '');
}

function slotNumber(slot: Buffer): number {
  return Number(slot.length >= 8 ? slot.readBigUInt64LE(0) : slot.readUInt32LE(0));
}

export class Pkcs11Signer implements Signer {
  readonly kind = 'pkcs11' as const;
  readonly #config: Pkcs11SignerConfig;
  readonly #module: Module;
  readonly #now: () => Date;
  readonly #rescanIntervalMs: number;
  readonly #maxSessions: number;
  readonly #extraChain: Buffer[];
  #conn: Connection | null = null;
  #connecting: Promise<Connection> | null = null;
  #inflight = 0;
  #idleWaiters: Array<() => void> = [];
  #closed = false;

  private constructor(config: Pkcs11SignerConfig, module: Module, options: SignerOptions, extraChain: Buffer[]) {
    this.#config = config;
    this.#module = module;
    this.#now = options.now ?? (() => new Date());
    this.#rescanIntervalMs = options.rescanIntervalMs ?? 1000;
    this.#maxSessions = Math.max(1, Math.min(64, config.sessions ?? 4));
    this.#extraChain = extraChain;
  }

  static async open(config: Pkcs11SignerConfig, options: SignerOptions = {}): Promise<Pkcs11Signer> {
    if (config.pin === undefined && config.pinFile === undefined) {
      throw new GatewayError('SIGNER_PIN_INCORRECT', {}, 'NO_PIN_CONFIGURED');
    }
    const extra: Buffer[] = [];
    for (const file of config.chainFiles ?? []) {
      try {
        extra.push(...certificatesFrom(await fsp.readFile(file)));
      } catch (err) {
        throw new GatewayError('SIGNER_KEY_NOT_FOUND', { file }, (err as NodeJS.ErrnoException).code ?? 'READ_FAILED');
      }
    }
    const signer = new Pkcs11Signer(config, Module.acquire(config.module), options, extra);
    if (!options.lazy) {
      try {
        await signer.#connection();
      } catch (err) {
        await signer.close();
        throw err;
      }
    }
    return signer;
  }

  async describe(): Promise<SignerDescription> {
    const conn = await this.#connection();
    return describeCertificate(`pkcs11:${conn.tokenLabel}/${conn.keyLabel || conn.keyId.toString('hex')}`, conn.cert.der);
  }

  async certificateChain(): Promise<Buffer[]> {
    const conn = await this.#connection();
    return conn.chain.slice();
  }

  async sign(data: Buffer, mechanism: SignatureMechanism = 'RSA-SHA256'): Promise<Buffer> {
    if (this.#closed) throw new GatewayError('SIGNER_FAILED', { detail: 'signer closed' });
    if (mechanism !== 'RSA-SHA256') throw new GatewayError('SIGNER_FAILED', { detail: `mechanism ${mechanism}` });
    this.#inflight++;
    try {
      let lastStale = '';
      // One retry after a stale session/module: the common case is a card that was re-inserted, or a module that
      // another signer re-initialised. A second failure is reported.
      for (let attempt = 0; attempt < 2; attempt++) {
        const conn = await this.#connection(lastStale);
        checkValidity(conn.cert, this.#now());
        try {
          return await this.#signWith(conn, data);
        } catch (err) {
          if (!(err instanceof Stale)) throw toFault(err, 'C_Sign');
          lastStale = err.ckr;
          this.#invalidate(conn);
        }
      }
      throw faultForCkr(lastStale || 'CKR_DEVICE_REMOVED');
    } finally {
      if (--this.#inflight === 0) for (const w of this.#idleWaiters.splice(0)) w();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#inflight > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    if (this.#connecting) await this.#connecting.catch(() => undefined);
    const conn = this.#conn;
    this.#conn = null;
    if (conn && !conn.dead && conn.generation === this.#module.generation) {
      conn.dead = true;
      for (const s of conn.idle.splice(0)) this.#closeSession(s);
    }
    this.#module.release();
  }

  // -------------------------------------------------------------------------------------------------------------

  async #signWith(conn: Connection, data: Buffer): Promise<Buffer> {
    const ckm = this.#config.mechanism === 'CKM_RSA_PKCS' ? pkcs11js.CKM_RSA_PKCS : pkcs11js.CKM_SHA256_RSA_PKCS;
    const input =
      ckm === pkcs11js.CKM_RSA_PKCS
        ? Buffer.concat([SHA256_DIGEST_INFO, crypto.createHash('sha256').update(data).digest()])
        : data;
    return this.#module.use(async (lib) => {
      if (conn.dead || conn.generation !== this.#module.generation) throw new Stale('CKR_SESSION_HANDLE_INVALID');
      const session = await this.#acquire(conn, lib);
      let broken = false;
      try {
        lib.C_SignInit(session, { mechanism: ckm }, conn.key);
        // The async form runs on libuv's thread pool, so sessions sign in parallel.
        return await lib.C_SignAsync(session, input, Buffer.alloc(conn.sigLength));
      } catch (err) {
        const ckr = ckrName(err);
        if (ckr && RECONNECT.has(ckr)) {
          broken = true;
          throw new Stale(ckr);
        }
        // CKR_OPERATION_ACTIVE would mean a pool bug; any other error leaves the session usable.
        if (ckr === 'CKR_OPERATION_ACTIVE') broken = true;
        throw err;
      } finally {
        this.#release(conn, session, broken, lib);
      }
    });
  }

  #acquire(conn: Connection, lib: pkcs11js.PKCS11): Promise<Buffer> | Buffer {
    const s = conn.idle.pop();
    if (s) return s;
    if (conn.total < this.#maxSessions) {
      conn.total++;
      try {
        return lib.C_OpenSession(conn.slot, pkcs11js.CKF_SERIAL_SESSION);
      } catch (err) {
        conn.total--;
        const ckr = ckrName(err);
        if (ckr && RECONNECT.has(ckr)) throw new Stale(ckr);
        throw err;
      }
    }
    return new Promise((resolve, reject) => conn.waiters.push({ resolve, reject }));
  }

  #release(conn: Connection, session: Buffer, broken: boolean, lib: pkcs11js.PKCS11): void {
    if (broken || conn.dead || conn.generation !== this.#module.generation || this.#closed) {
      conn.total--;
      if (conn.generation === this.#module.generation) this.#closeSession(session, lib);
      // A waiter would wait forever for a session that is gone: let it open its own, or fail as stale.
      const w = conn.waiters.shift();
      if (w) {
        if (conn.dead || broken) w.reject(new Stale('CKR_SESSION_CLOSED'));
        else {
          conn.total++;
          try {
            w.resolve(lib.C_OpenSession(conn.slot, pkcs11js.CKF_SERIAL_SESSION));
          } catch (err) {
            conn.total--;
            w.reject(new Stale(ckrName(err) ?? 'CKR_SESSION_CLOSED'));
          }
        }
      }
      return;
    }
    const w = conn.waiters.shift();
    if (w) w.resolve(session);
    else conn.idle.push(session);
  }

  #closeSession(session: Buffer, lib = this.#module.lib): void {
    try {
      lib.C_CloseSession(session);
    } catch {
      // Already gone with the token; nothing to release.
    }
  }

  #invalidate(conn: Connection): void {
    if (conn.dead) return;
    conn.dead = true;
    if (this.#conn === conn) this.#conn = null;
    if (conn.generation === this.#module.generation) for (const s of conn.idle.splice(0)) this.#closeSession(s);
    for (const w of conn.waiters.splice(0)) w.reject(new Stale('CKR_SESSION_CLOSED'));
  }

  /** The live connection, opening one (single flight) when there is none or it went stale. */
  #connection(cause = ''): Promise<Connection> {
    if (this.#closed) return Promise.reject(new GatewayError('SIGNER_FAILED', { detail: 'signer closed' }));
    const conn = this.#conn;
    if (conn && !conn.dead && conn.generation === this.#module.generation) return Promise.resolve(conn);
    if (conn) this.#invalidate(conn);
    if (!this.#connecting) {
      this.#connecting = this.#connect(cause).finally(() => {
        this.#connecting = null;
      });
    }
    return this.#connecting;
  }

  async #connect(cause: string): Promise<Connection> {
    let slot = await this.#module.use((lib) => this.#findSlot(lib));
    if (!slot) {
      // The module may simply not have noticed the card (SoftHSM, some PC/SC modules): enumerate again.
      if (await this.#module.rescan(this.#rescanIntervalMs)) slot = await this.#module.use((lib) => this.#findSlot(lib));
      if (!slot) throw new GatewayError('SIGNER_TOKEN_ABSENT', {}, cause || 'CKR_TOKEN_NOT_PRESENT');
    }
    const found = slot;
    try {
      const conn = await this.#module.use((lib) => this.#open(lib, found.slot, found.label));
      this.#conn = conn;
      return conn;
    } catch (err) {
      if (err instanceof Stale) throw new GatewayError('SIGNER_TOKEN_ABSENT', {}, err.ckr);
      throw toFault(err);
    }
  }

  #findSlot(lib: pkcs11js.PKCS11): { slot: Buffer; label: string } | null {
    let slots: Buffer[];
    try {
      slots = lib.C_GetSlotList(true);
    } catch (err) {
      const ckr = ckrName(err);
      if (ckr && RECONNECT.has(ckr)) return null;
      throw toFault(err, 'C_GetSlotList');
    }
    for (const slot of slots) {
      if (this.#config.slot !== undefined && slotNumber(slot) !== this.#config.slot) continue;
      let info: pkcs11js.TokenInfo;
      try {
        info = lib.C_GetTokenInfo(slot);
      } catch {
        // A token that cannot even describe itself is as good as absent (SoftHSM: CKR_GENERAL_ERROR once its
        // directory is gone).
        continue;
      }
      const label = trimLabel(info.label);
      if (this.#config.tokenLabel !== undefined && label !== this.#config.tokenLabel) continue;
      if (!(info.flags & pkcs11js.CKF_TOKEN_INITIALIZED)) continue;
      return { slot, label };
    }
    return null;
  }

  async #pin(): Promise<string> {
    if (this.#config.pin !== undefined) return this.#config.pin;
    try {
      const text = await fsp.readFile(this.#config.pinFile!, 'utf8');
      return text.replace(/\r?\n$/, '');
    } catch (err) {
      // The file name is configuration; its content never appears anywhere.
      throw new GatewayError('SIGNER_PIN_INCORRECT', {}, `PIN_FILE_${(err as NodeJS.ErrnoException).code ?? 'UNREADABLE'}`);
    }
  }

  async #open(lib: pkcs11js.PKCS11, slot: Buffer, tokenLabel: string): Promise<Connection> {
    const info = lib.C_GetTokenInfo(slot);
    if (info.flags & pkcs11js.CKF_USER_PIN_LOCKED) throw new GatewayError('SIGNER_PIN_LOCKED', {}, 'CKF_USER_PIN_LOCKED');
    const pins = this.#module.pinState(`${trimLabel(info.serialNumber)}|${tokenLabel}`);
    const pin = await this.#pin();
    const pinHash = crypto.createHmac('sha256', PIN_KEY).update(pin).digest('hex');
    // A PIN the token rejected is not presented again (see the file comment).
    if (pins.rejected.has(pinHash)) throw new GatewayError('SIGNER_PIN_INCORRECT', {}, 'CKR_PIN_INCORRECT');

    let session: Buffer;
    try {
      session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    } catch (err) {
      const ckr = ckrName(err);
      if (ckr && RECONNECT.has(ckr)) throw new Stale(ckr);
      throw err;
    }
    try {
      try {
        stats.loginAttempts++;
        lib.C_Login(session, pkcs11js.CKU_USER, pin);
        pins.accepted = pinHash;
      } catch (err) {
        const ckr = ckrName(err);
        if (ckr === 'CKR_USER_ALREADY_LOGGED_IN') {
          // Logged in by another signer of this process: only with the PIN that the token accepted then.
          if (pins.accepted !== undefined && pins.accepted !== pinHash) throw new GatewayError('SIGNER_PIN_INCORRECT', {}, ckr);
        } else {
          if (ckr === 'CKR_PIN_INCORRECT') pins.rejected.add(pinHash);
          if (ckr && RECONNECT.has(ckr)) throw new Stale(ckr);
          throw ckr ? faultForCkr(ckr) : err;
        }
      }
      const { key, keyId, keyLabel } = this.#findKey(lib, session);
      const certDer = this.#findCertificate(lib, session, keyId, keyLabel);
      const cert = certInfo(certDer);
      if (cert.x509.publicKey.asymmetricKeyType !== 'rsa') throw new GatewayError('SIGNER_FAILED', { detail: 'only RSA keys are supported' });
      // The certificate must belong to the key: compare moduli when the token lets us read the private key's.
      try {
        const [mod] = lib.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_MODULUS }]);
        const jwk = cert.x509.publicKey.export({ format: 'jwk' });
        if (Buffer.isBuffer(mod.value) && jwk.n && !stripZeros(mod.value).equals(Buffer.from(jwk.n, 'base64url'))) {
          throw new GatewayError('SIGNER_KEY_NOT_FOUND', {}, 'KEY_CERT_MISMATCH');
        }
      } catch (err) {
        if (isGatewayError(err)) throw err;
      }
      const bits = cert.x509.publicKey.asymmetricKeyDetails?.modulusLength ?? 2048;
      return {
        generation: this.#module.generation,
        slot,
        tokenLabel,
        key,
        keyLabel,
        keyId,
        chain: [cert.der, ...this.#extraChain],
        cert,
        sigLength: Math.ceil(bits / 8),
        idle: [session],
        total: 1,
        waiters: [],
        dead: false,
      };
    } catch (err) {
      this.#closeSession(session, lib);
      throw err;
    }
  }

  #find(lib: pkcs11js.PKCS11, session: Buffer, template: pkcs11js.Template): Buffer[] {
    lib.C_FindObjectsInit(session, template);
    try {
      return lib.C_FindObjects(session, 100);
    } finally {
      lib.C_FindObjectsFinal(session);
    }
  }

  #findKey(lib: pkcs11js.PKCS11, session: Buffer): { key: Buffer; keyId: Buffer; keyLabel: string } {
    const template: pkcs11js.Template = [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
    ];
    if (this.#config.keyLabel !== undefined) template.push({ type: pkcs11js.CKA_LABEL, value: this.#config.keyLabel });
    if (this.#config.keyId !== undefined) template.push({ type: pkcs11js.CKA_ID, value: Buffer.from(this.#config.keyId, 'hex') });
    const keys = this.#find(lib, session, template);
    for (const key of keys) {
      const [id, label] = lib.C_GetAttributeValue(session, key, [{ type: pkcs11js.CKA_ID }, { type: pkcs11js.CKA_LABEL }]);
      const keyId = Buffer.isBuffer(id.value) ? id.value : Buffer.alloc(0);
      const keyLabel = Buffer.isBuffer(label.value) ? label.value.toString('utf8') : String(label.value ?? '');
      // Without a selector, take the first key that has a certificate (a signing key, as on a mali mühür card).
      if (keys.length > 1 && this.#config.keyLabel === undefined && this.#config.keyId === undefined) {
        if (!this.#find(lib, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }, { type: pkcs11js.CKA_ID, value: keyId }]).length) continue;
      }
      return { key, keyId, keyLabel };
    }
    throw new GatewayError('SIGNER_KEY_NOT_FOUND', {}, 'CKO_PRIVATE_KEY');
  }

  #findCertificate(lib: pkcs11js.PKCS11, session: Buffer, keyId: Buffer, keyLabel: string): Buffer {
    const base = [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
      { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
    ];
    let certs = keyId.length ? this.#find(lib, session, [...base, { type: pkcs11js.CKA_ID, value: keyId }]) : [];
    if (!certs.length && keyLabel) certs = this.#find(lib, session, [...base, { type: pkcs11js.CKA_LABEL, value: keyLabel }]);
    if (!certs.length) throw new GatewayError('SIGNER_KEY_NOT_FOUND', {}, 'CKO_CERTIFICATE');
    const [value] = lib.C_GetAttributeValue(session, certs[0], [{ type: pkcs11js.CKA_VALUE }]);
    if (!Buffer.isBuffer(value.value)) throw new GatewayError('SIGNER_KEY_NOT_FOUND', {}, 'CKO_CERTIFICATE');
    return Buffer.from(value.value);
  }
}

/** A token present in a slot, with the X.509 certificates it holds. */
export interface TokenCertificates {
  /** The CK_SLOT_ID (what `Pkcs11SignerConfig.slot` takes). */
  slot: number;
  tokenLabel: string;
  certificates: Array<{ label: string; /** CKA_ID, hex: the key's too on a mali mühür card. */ id: string; der: Buffer }>;
}

/**
 * The certificates on the tokens present (all, or those matching `tokenLabel` / `slot`), read without a PIN:
 * certificates are public objects. For a person choosing a certificate before the card is opened (contract:sign).
 */
export async function listTokenCertificates(opts: { module: string; tokenLabel?: string; slot?: number }): Promise<TokenCertificates[]> {
  const mod = Module.acquire(opts.module);
  try {
    return await mod.use((lib) => {
      const out: TokenCertificates[] = [];
      for (const slot of lib.C_GetSlotList(true)) {
        if (opts.slot !== undefined && slotNumber(slot) !== opts.slot) continue;
        let info: pkcs11js.TokenInfo;
        try {
          info = lib.C_GetTokenInfo(slot);
        } catch {
          continue; // as good as absent (see #findSlot)
        }
        const tokenLabel = trimLabel(info.label);
        if (opts.tokenLabel !== undefined && tokenLabel !== opts.tokenLabel) continue;
        if (!(info.flags & pkcs11js.CKF_TOKEN_INITIALIZED)) continue;
        const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
        try {
          lib.C_FindObjectsInit(session, [
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
            { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
          ]);
          let handles: Buffer[];
          try {
            handles = lib.C_FindObjects(session, 100);
          } finally {
            lib.C_FindObjectsFinal(session);
          }
          const certificates = handles.flatMap((h) => {
            const [value, label, id] = lib.C_GetAttributeValue(session, h, [{ type: pkcs11js.CKA_VALUE }, { type: pkcs11js.CKA_LABEL }, { type: pkcs11js.CKA_ID }]);
            if (!Buffer.isBuffer(value.value)) return [];
            return [{ der: Buffer.from(value.value), label: Buffer.isBuffer(label.value) ? label.value.toString('utf8') : '', id: Buffer.isBuffer(id.value) ? id.value.toString('hex') : '' }];
          });
          out.push({ slot: slotNumber(slot), tokenLabel, certificates });
        } finally {
          try {
            lib.C_CloseSession(session);
          } catch {
            // Gone with the token.
          }
        }
      }
      return out;
    });
  } catch (err) {
    throw toFault(err);
  } finally {
    mod.release();
  }
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

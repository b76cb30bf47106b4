import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { activeGibPackage } from './validation/gib-package';
import { DEFAULT_PRICES, MAX_KURUS, parsePriceList, type PriceList } from './activation/prices';
import type { HttpTimeouts } from './http/server';
import type { Pkcs11SignerConfig, SoftwareKeyFiles } from './signing/signer';
import type { VisualSettings } from './visuals/invoice-renderer';

/**
 * Configuration is read and checked once at start (from GW_* environment variables) and fails there with a clear
 * message; nothing on the hot path reads the environment. Every default is the embedded one: a SQLite file and local
 * blob files under the data directory, no external services.
 */
export interface GatewayConfig {
  host: string;
  port: number;
  dataDir: string;
  /** `postgres://…` switches to PostgreSQL; otherwise SQLite at `sqliteFile`. */
  databaseUrl: string | null;
  sqliteFile: string;
  blobDir: string;
  /**
   * Root of GİB's package (the folder holding `ubl-tr-1.2.1/xsdrt`, …); XSD checks run only when it is set. GW_GIB_DIR
   * names one; otherwise it is the package `gib:package` made active in the data directory (src/gib/package.ts).
   */
  gibDir: string | null;
  /** The package is the data directory's (not GW_GIB_DIR): a newly installed one is switched to while running. */
  gibPackage: { managed: boolean; checkEveryMs: number };
  limits: {
    /** Largest SOAP request accepted, after gzip inflation (node-soap itself has no limit). */
    maxRequestBytes: number;
    /** Largest document once unzipped (zip bombs stop here). */
    maxDocumentBytes: number;
  };
  /** Header, whole-request and keep-alive idle timeouts of every HTTP server (src/http/server.ts). */
  http: HttpTimeouts;
  auth: {
    allowPasswordText: boolean;
    /** How far a UsernameToken's Created may be from now; nonces are remembered this long. */
    windowSeconds: number;
    maxFailures: number;
    lockMinutes: number;
    /** AES key that seals the secret PasswordDigest needs; kept outside the database. */
    secretKeyFile: string;
    /** e-Logo PostBoxService: a Login's sessionID lives this long after its last call. */
    elogoSessionMinutes: number;
  };
  portal: {
    /** A portal session ends this long after its last request, and at the latest `sessionMaxHours` after login. */
    sessionMinutes: number;
    sessionMaxHours: number;
    /** Secure cookies (browsers keep them over HTTPS and on localhost only); off only for a plain-HTTP LAN test. */
    secureCookies: boolean;
  };
  /** Tests across processes only: a file holding the business clock's offset in ms (src/clock.ts); null: none. */
  clockOffsetFile: string | null;
  signing: {
    /** The signer of tenants without their own: a generated development seal, a key file, or a PKCS#11 token. */
    defaultSigner: SignerSetting;
    /** PEM files (or folders of them) whose certificates are trusted roots for documents signed by callers. */
    trustedRoots: string[];
    /** Where development seals are generated (one per tenant VKN). */
    devSealDir: string;
  };
  worker: {
    enabled: boolean;
    pollMs: number;
    concurrency: number;
    maxAttempts: number;
    /** How long a job's claim lives without its worker's heartbeat (a dead worker's jobs run again after it). */
    leaseMs: number;
    /** A failed job's first retry waits this long, doubling after each further failure. */
    backoffMs: number;
    /** A standalone worker serves /metrics on this port (the gateway serves it on its own port); null: none. */
    metricsPort: number | null;
  };
  gib: GibSettings;
  /** e-Defter (issue 12): where its files live, and how large a month's source may be. */
  ledger: {
    dir: string;
    /** Largest source ZIP, and the most its one file may inflate to (a journal's CSV). */
    maxSourceBytes: number;
    maxUnzippedBytes: number;
    /** The drop folder (one folder per company VKN, served by an SFTP server), and how often it is looked at. */
    dropDir: string;
    dropScanMs: number;
    /** Largest part of a book; a larger month is split (GİB: 200 MB). */
    partBytes: number;
    /** An RFC 3161 timestamp authority: berat signatures then carry a zaman damgası (XAdES-T). */
    tsaUrl: string | null;
    /** The 10-year archive (e-Saklama, issue 13). */
    archive: ArchiveSettings;
  };
  /** E-mail notices (issue 14): an SMTP server, or .eml files in the data directory. */
  mail: MailSettings;
  /** GW_EARSIV_MAIL (eArsivMailing): Başarılı e-Arşiv invoices and their cancellations are mailed to the buyer. */
  earsivMail: boolean;
  /** Kontör (issue 14): the price list, and the overdraft of an account opened by a tenant's first order. */
  credits: CreditSettings;
  /** Invoice visuals (issue 16): the XSLT engine's python, the PDF browser, their limits. */
  visuals: VisualSettings;
  logLevel: string;
}

export interface CreditSettings {
  /** The defaults of src/activation/prices.ts, with GW_PRICE_LIST_FILE's prices over them. */
  prices: PriceList;
  priceListFile: string | null;
  /** GW_CREDIT_LIMIT_KURUS: how far below zero the balance of an account opened by an order may go (0: not at all). */
  defaultLimitKurus: number;
}

function creditSettings(env: Env): CreditSettings {
  const file = env.GW_PRICE_LIST_FILE ? existingFile('GW_PRICE_LIST_FILE', env.GW_PRICE_LIST_FILE) : null;
  let prices = DEFAULT_PRICES;
  if (file) {
    try {
      prices = parsePriceList(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch (err) {
      throw new ConfigError(`GW_PRICE_LIST_FILE (${file}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { prices, priceListFile: file, defaultLimitKurus: int(env, 'GW_CREDIT_LIMIT_KURUS', 0, 0, MAX_KURUS) };
}

/**
 * E-mail notices. Without GW_SMTP_HOST (the embedded default) every message is written as an .eml file into
 * `outboxDir` instead of being sent, so a developer can read it.
 */
export interface MailSettings {
  smtp: {
    host: string;
    port: number;
    /** Implicit TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: boolean;
    /** Refuse to go on without STARTTLS (default whenever a user is set: the password never travels in clear). */
    requireTls: boolean;
    user: string | null;
    /** The password is only ever named by a file, read when the mailer is built: never held here, never logged. */
    passwordFile: string | null;
    /** Check the server's certificate against the system's roots (off only for a test server's own certificate). */
    rejectUnauthorized: boolean;
    /** Connecting, the greeting, and any silence during a conversation. */
    timeoutMs: number;
  } | null;
  /** The From header: an address, or `"Name" <address>`. */
  from: string;
  outboxDir: string;
}

/** Where e-Defter's archive keeps a month's stored ZIPs, and for how long. */
export interface ArchiveSettings {
  /** Local files (the default), or an S3-compatible object store when `s3` is set. */
  dir: string;
  s3: { endpoint: string | null; region: string; bucket: string; prefix: string; accessKeyId: string; secretAccessKey: string; forcePathStyle: boolean; objectLock: 'auto' | 'on' | 'off' } | null;
  /** Uploads in progress and files being checked. */
  workDir: string;
  /** Years after the end of a file's fiscal year before it may be deleted. */
  retentionYears: number;
  /** Largest ZIP a month may hold (a book's part is at most 200 MB of XML). */
  maxFileBytes: number;
}

function archiveSettings(env: Env, dataDir: string): ArchiveSettings {
  const bucket = env.GW_ARCHIVE_S3_BUCKET;
  const lock = env.GW_ARCHIVE_S3_OBJECT_LOCK ?? 'auto';
  if (lock !== 'auto' && lock !== 'on' && lock !== 'off') throw new ConfigError(`GW_ARCHIVE_S3_OBJECT_LOCK must be auto, on or off, got "${lock}"`);
  return {
    dir: path.resolve(env.GW_ARCHIVE_DIR ?? path.join(dataDir, 'ledger-archive')),
    s3: bucket
      ? {
          endpoint: url(env, 'GW_ARCHIVE_S3_ENDPOINT'),
          region: env.GW_ARCHIVE_S3_REGION ?? 'us-east-1',
          bucket,
          prefix: env.GW_ARCHIVE_S3_PREFIX ?? '',
          accessKeyId: required(env, 'GW_ARCHIVE_S3_ACCESS_KEY_ID', 'when GW_ARCHIVE_S3_BUCKET is set'),
          // A secret is named by a file, never given inline.
          secretAccessKey: fs.readFileSync(existingFile('GW_ARCHIVE_S3_SECRET_KEY_FILE', required(env, 'GW_ARCHIVE_S3_SECRET_KEY_FILE', 'when GW_ARCHIVE_S3_BUCKET is set')), 'utf8').trim(),
          forcePathStyle: bool(env, 'GW_ARCHIVE_S3_PATH_STYLE', true),
          objectLock: lock,
        }
      : null,
    workDir: path.resolve(env.GW_ARCHIVE_WORK_DIR ?? path.join(dataDir, 'ledger-archive-work')),
    retentionYears: int(env, 'GW_ARCHIVE_RETENTION_YEARS', 10, 0, 100),
    maxFileBytes: int(env, 'GW_ARCHIVE_MAX_FILE_BYTES', 1024 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
  };
}

/** A plain mailbox `local@domain` (dot-atoms, or an [IP] literal domain): no spaces, quotes or line breaks. */
const MAILBOX = /^(?=[^@]{1,64}@)[^\s@<>()[\]\\,;:".]+(?:\.[^\s@<>()[\]\\,;:".]+)*@(?:[^\s@<>()[\]\\,;:".]+(?:\.[^\s@<>()[\]\\,;:".]+)*|\[[0-9a-fA-F:.]+\])$/u;

function mailSettings(env: Env, dataDir: string): MailSettings {
  const from = (env.GW_MAIL_FROM ?? '"Açık Entegratör" <noreply@localhost>').trim();
  const fromAddress = /<([^<>]*)>$/.exec(from)?.[1] ?? from;
  if (!MAILBOX.test(fromAddress) || /[\r\n]/.test(from)) throw new ConfigError(`GW_MAIL_FROM must be an e-mail address or "Name" <address>, got "${from}"`);
  const outboxDir = path.join(dataDir, 'mail-outbox');
  const host = env.GW_SMTP_HOST?.trim();
  if (!host) {
    for (const name of ['GW_SMTP_USER', 'GW_SMTP_PASSWORD_FILE']) {
      if (env[name]) throw new ConfigError(`${name} is set but GW_SMTP_HOST is not (without it e-mails are only written to ${outboxDir})`);
    }
    return { smtp: null, from, outboxDir };
  }
  const hostName = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(hostName) === 0 && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(hostName)) {
    throw new ConfigError(`GW_SMTP_HOST must be a host name or an IP address (no scheme, no port), got "${host}"`);
  }
  const user = env.GW_SMTP_USER?.trim() || null;
  const passwordFile = env.GW_SMTP_PASSWORD_FILE ? existingFile('GW_SMTP_PASSWORD_FILE', env.GW_SMTP_PASSWORD_FILE) : null;
  if (user && !passwordFile) throw new ConfigError('GW_SMTP_PASSWORD_FILE is required when GW_SMTP_USER is set (the password is read from a file)');
  if (passwordFile && !user) throw new ConfigError('GW_SMTP_USER is required when GW_SMTP_PASSWORD_FILE is set');
  const secure = bool(env, 'GW_SMTP_SECURE', false);
  return {
    smtp: {
      host: hostName,
      port: int(env, 'GW_SMTP_PORT', 587, 1, 65535),
      secure,
      requireTls: !secure && bool(env, 'GW_SMTP_REQUIRE_TLS', user !== null),
      user,
      passwordFile,
      rejectUnauthorized: bool(env, 'GW_SMTP_REJECT_UNAUTHORIZED', true),
      timeoutMs: int(env, 'GW_SMTP_TIMEOUT_MS', 30_000, 100, 600_000),
    },
    from,
    outboxDir,
  };
}

/** Where GİB is and how the gateway keeps in step with it. */
export interface GibSettings {
  /**
   * GİB's services: the EFatura service (sendDocument/getApplicationResponse), the e-Arşiv service (reports, user
   * list) and the e-Fatura cancellation portal. Null = the built-in simulator's, once it is started.
   */
  efaturaUrl: string | null;
  earsivUrl: string | null;
  cancelPortalUrl: string | null;
  /** GİB's e-Defter service (EDefterWsPort: sendDocumentFile, getBatchStatus, receiveDocumentFile). */
  edefterUrl: string | null;
  /**
   * PEM files of roots GİB's e-Defter approval seal chains to (GW_GIB_SEAL_ROOTS), beside GW_TRUSTED_ROOTS (GİB's
   * mali mühür is Kamu SM's, like the taxpayers'); the built-in simulator's own root is added by itself.
   */
  sealRoots: string[];
  /** Start the built-in GİB simulator beside the gateway (the embedded default when no GİB URL is set). */
  simulator: { enabled: boolean; host: string; port: number };
  /** The address GİB pushes to (our EFatura endpoint), registered with the built-in simulator. */
  publicUrl: string | null;
  timeoutMs: number;
  /** Poll getApplicationResponse for an envelope with no system response this long after sending (ÖEBSD J15). */
  pollAfterMs: number;
  /** …and then at most this often. */
  pollEveryMs: number;
  /** The user list is synced at most this often (and on demand). */
  userListSyncMs: number;
  /** How often pending e-Arşiv invoices are reported; null = once a day, just after midnight (Istanbul). */
  earsivReportEveryMs: number | null;
  /** How often a waiting e-Arşiv report or cancellation request is checked at GİB. */
  checkEveryMs: number;
  /** How often the periodic duties (poll, sync, report, checks) are looked at. */
  tickMs: number;
  /** The integrator's VKN, written as the preparer (hazırlayan) of e-Arşiv reports; default each tenant's own. */
  integratorVkn: string | null;
  /** The integrator's title, written where it acts in its own name (the USERENVELOPE's sender). */
  integratorTitle: string;
}

/**
 * A signer as configured: the signing module's own config shapes, except that secrets are only ever named by a file
 * (a PKCS#11 PIN never sits in an environment variable or the database), plus `dev` for generated development seals.
 */
export type SignerSetting =
  | { type: 'dev' }
  | (Omit<SoftwareKeyFiles, 'passphrase'> & { passphraseFile?: string })
  | (Omit<Pkcs11SignerConfig, 'pin' | 'pinFile' | 'sessions'> & { pinFile: string });

type Env = Record<string, string | undefined>;

function list(env: Env, name: string): string[] {
  return (env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((p) => path.resolve(p));
}

function required(env: Env, name: string, because: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is required ${because}`);
  return value;
}

function existingFile(name: string, file: string): string {
  const resolved = path.resolve(file);
  try {
    fs.accessSync(resolved, fs.constants.R_OK);
  } catch {
    throw new ConfigError(`${name} (${resolved}) is not a readable file`);
  }
  return resolved;
}

function signerSetting(env: Env): SignerSetting {
  const type = env.GW_SIGNER ?? 'dev';
  if (type === 'dev') return { type };
  if (type === 'software') {
    return {
      type,
      keyFile: existingFile('GW_SIGNER_KEY_FILE', required(env, 'GW_SIGNER_KEY_FILE', 'when GW_SIGNER=software')),
      certFile: existingFile('GW_SIGNER_CERT_FILE', required(env, 'GW_SIGNER_CERT_FILE', 'when GW_SIGNER=software')),
      chainFiles: list(env, 'GW_SIGNER_CHAIN_FILES'),
      passphraseFile: env.GW_SIGNER_PASSPHRASE_FILE ? path.resolve(env.GW_SIGNER_PASSPHRASE_FILE) : undefined,
    };
  }
  if (type === 'pkcs11') {
    const mechanism = env.GW_PKCS11_MECHANISM;
    if (mechanism && mechanism !== 'CKM_SHA256_RSA_PKCS' && mechanism !== 'CKM_RSA_PKCS') {
      throw new ConfigError('GW_PKCS11_MECHANISM must be CKM_SHA256_RSA_PKCS or CKM_RSA_PKCS');
    }
    return {
      type,
      module: required(env, 'GW_PKCS11_MODULE', 'when GW_SIGNER=pkcs11'),
      tokenLabel: env.GW_PKCS11_TOKEN_LABEL || undefined,
      slot: env.GW_PKCS11_SLOT ? int(env, 'GW_PKCS11_SLOT', 0, 0, 2 ** 32 - 1) : undefined,
      keyLabel: env.GW_PKCS11_KEY_LABEL || undefined,
      keyId: env.GW_PKCS11_KEY_ID || undefined,
      pinFile: existingFile('GW_PKCS11_PIN_FILE', required(env, 'GW_PKCS11_PIN_FILE', 'when GW_SIGNER=pkcs11 (the PIN is read from a file)')),
      mechanism: mechanism as 'CKM_SHA256_RSA_PKCS' | 'CKM_RSA_PKCS' | undefined,
      chainFiles: list(env, 'GW_PKCS11_CHAIN_FILES'),
    };
  }
  throw new ConfigError(`GW_SIGNER must be dev, software or pkcs11, got "${type}"`);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function httpTimeouts(env: Env): HttpTimeouts {
  const t: HttpTimeouts = {
    headersMs: int(env, 'GW_HTTP_HEADERS_TIMEOUT_MS', 15_000, 100, 600_000),
    requestMs: int(env, 'GW_HTTP_REQUEST_TIMEOUT_MS', 120_000, 100, 3_600_000),
    keepAliveMs: int(env, 'GW_HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
  };
  // Node refuses a headers timeout longer than the whole request's.
  if (t.headersMs > t.requestMs) throw new ConfigError('GW_HTTP_HEADERS_TIMEOUT_MS must not be longer than GW_HTTP_REQUEST_TIMEOUT_MS');
  return t;
}

function gibDir(env: Env): string | null {
  if (!env.GW_GIB_DIR) return null;
  const dir = path.resolve(env.GW_GIB_DIR);
  for (const needed of [path.join('ubl-tr-1.2.1', 'xsdrt', 'maindoc'), path.join('e-fatura-paketi', 'schematron')]) {
    if (!fs.existsSync(path.join(dir, needed))) throw new ConfigError(`GW_GIB_DIR (${dir}) has no ${needed}: point it at GİB's package`);
  }
  return dir;
}

function url(env: Env, name: string): string | null {
  const v = env[name];
  if (!v) return null;
  try {
    return new URL(v).toString();
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${v}"`);
  }
}

function integratorVkn(env: Env): string | null {
  const v = env.GW_INTEGRATOR_VKN;
  if (!v) return null;
  if (!/^[0-9]{10,11}$/.test(v)) throw new ConfigError(`GW_INTEGRATOR_VKN must be a 10-digit VKN or 11-digit TCKN, got "${v}"`);
  return v;
}

function gibSettings(env: Env): GibSettings {
  const efaturaUrl = url(env, 'GW_GIB_EFATURA_URL');
  const simulator = bool(env, 'GW_SIMULATOR', efaturaUrl === null);
  if (!simulator) {
    for (const name of ['GW_GIB_EFATURA_URL', 'GW_GIB_EARSIV_URL', 'GW_GIB_CANCEL_PORTAL_URL', 'GW_GIB_EDEFTER_URL']) {
      if (!env[name]) throw new ConfigError(`${name} is required when the built-in GİB simulator is off (GW_SIMULATOR=false)`);
    }
  }
  const reportEvery = env.GW_EARSIV_REPORT_EVERY_MS;
  const hour = 3600_000;
  return {
    efaturaUrl,
    earsivUrl: url(env, 'GW_GIB_EARSIV_URL'),
    cancelPortalUrl: url(env, 'GW_GIB_CANCEL_PORTAL_URL'),
    edefterUrl: url(env, 'GW_GIB_EDEFTER_URL'),
    sealRoots: list(env, 'GW_GIB_SEAL_ROOTS'),
    simulator: { enabled: simulator, host: env.GW_SIMULATOR_HOST ?? '127.0.0.1', port: int(env, 'GW_SIMULATOR_PORT', 8090, 0, 65535) },
    publicUrl: url(env, 'GW_PUBLIC_URL'),
    timeoutMs: int(env, 'GW_GIB_TIMEOUT_MS', 30_000, 100, 600_000),
    // With the built-in simulator every periodic duty runs within seconds, so a developer sees each stage (GİB's
    // own pace — a report after midnight, answers checked every few minutes, polls after a day — would look stuck).
    pollAfterMs: int(env, 'GW_GIB_POLL_AFTER_MS', simulator ? 10_000 : 24 * hour, 0, 30 * 24 * hour),
    pollEveryMs: int(env, 'GW_GIB_POLL_EVERY_MS', simulator ? 10_000 : 5 * hour, 1000, 30 * 24 * hour),
    userListSyncMs: int(env, 'GW_USER_LIST_SYNC_MS', simulator ? 30_000 : hour, 1000, 7 * 24 * hour),
    earsivReportEveryMs: reportEvery ? int(env, 'GW_EARSIV_REPORT_EVERY_MS', 0, 100, 24 * hour) : simulator ? 5_000 : null,
    checkEveryMs: int(env, 'GW_GIB_CHECK_EVERY_MS', simulator ? 2_000 : 5 * 60_000, 100, 24 * hour),
    tickMs: int(env, 'GW_GIB_TICK_MS', simulator ? 1_000 : 10_000, 50, hour),
    integratorVkn: integratorVkn(env),
    integratorTitle: env.GW_INTEGRATOR_TITLE?.trim() || 'AÇIK ENTEGRATÖR',
  };
}

export function loadConfig(env: Env = process.env, overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  const dataDir = path.resolve(env.GW_DATA_DIR ?? 'data');
  const databaseUrl = env.GW_DATABASE_URL || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('GW_DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite file)');
  }
  const config: GatewayConfig = {
    host: env.GW_HOST ?? '127.0.0.1',
    port: int(env, 'GW_PORT', 8080, 0, 65535),
    dataDir,
    databaseUrl,
    sqliteFile: path.resolve(env.GW_SQLITE_FILE ?? path.join(dataDir, 'gateway.sqlite')),
    blobDir: path.resolve(env.GW_BLOB_DIR ?? path.join(dataDir, 'blobs')),
    gibDir: gibDir(env) ?? activeGibPackage(dataDir)?.dir ?? null,
    gibPackage: { managed: !env.GW_GIB_DIR, checkEveryMs: int(env, 'GW_GIB_PACKAGE_CHECK_MS', 2_000, 100, 3_600_000) },
    limits: {
      maxRequestBytes: int(env, 'GW_MAX_REQUEST_BYTES', 20 * 1024 * 1024, 1024, 2 ** 31 - 1),
      maxDocumentBytes: int(env, 'GW_MAX_DOCUMENT_BYTES', 50 * 1024 * 1024, 1024, 2 ** 31 - 1),
    },
    http: httpTimeouts(env),
    auth: {
      allowPasswordText: bool(env, 'GW_AUTH_ALLOW_PASSWORD_TEXT', false),
      windowSeconds: int(env, 'GW_AUTH_WINDOW_SECONDS', 300, 10, 86400),
      maxFailures: int(env, 'GW_AUTH_MAX_FAILURES', 10, 1, 1000),
      lockMinutes: int(env, 'GW_AUTH_LOCK_MINUTES', 15, 1, 7 * 24 * 60),
      secretKeyFile: path.resolve(env.GW_SECRET_KEY_FILE ?? path.join(dataDir, 'secret.key')),
      elogoSessionMinutes: int(env, 'GW_ELOGO_SESSION_MINUTES', 20, 1, 24 * 60),
    },
    portal: {
      sessionMinutes: int(env, 'GW_PORTAL_SESSION_MINUTES', 30, 1, 24 * 60),
      sessionMaxHours: int(env, 'GW_PORTAL_SESSION_MAX_HOURS', 12, 1, 24 * 7),
      secureCookies: bool(env, 'GW_PORTAL_SECURE_COOKIES', true),
    },
    clockOffsetFile: env.GW_CLOCK_OFFSET_FILE ? path.resolve(env.GW_CLOCK_OFFSET_FILE) : null,
    signing: {
      defaultSigner: signerSetting(env),
      trustedRoots: list(env, 'GW_TRUSTED_ROOTS'),
      devSealDir: path.resolve(env.GW_DEV_SEAL_DIR ?? path.join(dataDir, 'dev-seals')),
    },
    worker: {
      enabled: bool(env, 'GW_WORKER', true),
      pollMs: int(env, 'GW_WORKER_POLL_MS', 500, 10, 60000),
      concurrency: int(env, 'GW_WORKER_CONCURRENCY', 4, 1, 256),
      maxAttempts: int(env, 'GW_JOB_MAX_ATTEMPTS', 8, 1, 100),
      leaseMs: int(env, 'GW_WORKER_LEASE_MS', 20_000, 1000, 3_600_000),
      backoffMs: int(env, 'GW_WORKER_BACKOFF_MS', 1000, 10, 600_000),
      metricsPort: env.GW_METRICS_PORT ? int(env, 'GW_METRICS_PORT', 0, 0, 65535) : null,
    },
    gib: gibSettings(env),
    ledger: {
      dir: path.resolve(env.GW_LEDGER_DIR ?? path.join(dataDir, 'ledgers')),
      maxSourceBytes: int(env, 'GW_LEDGER_MAX_SOURCE_BYTES', 512 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
      maxUnzippedBytes: int(env, 'GW_LEDGER_MAX_UNZIPPED_BYTES', 4 * 1024 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
      dropDir: path.resolve(env.GW_LEDGER_DROP_DIR ?? path.join(dataDir, 'ledger-drop')),
      dropScanMs: int(env, 'GW_LEDGER_DROP_SCAN_MS', 5_000, 50, 3_600_000),
      partBytes: int(env, 'GW_LEDGER_PART_BYTES', 200 * 1024 * 1024, 32 * 1024, 200 * 1024 * 1024),
      tsaUrl: url(env, 'GW_LEDGER_TSA_URL'),
      archive: archiveSettings(env, dataDir),
    },
    mail: mailSettings(env, dataDir),
    earsivMail: bool(env, 'GW_EARSIV_MAIL', true),
    credits: creditSettings(env),
    visuals: {
      python: env.GW_PYTHON ?? '/usr/bin/python3',
      chromiumPath: env.GW_CHROMIUM_PATH ?? '/usr/bin/chromium',
      timeoutMs: int(env, 'GW_VISUAL_TIMEOUT_MS', 10_000, 100, 600_000),
      pdfTimeoutMs: int(env, 'GW_VISUAL_PDF_TIMEOUT_MS', 30_000, 1000, 600_000),
      maxPages: int(env, 'GW_VISUAL_MAX_PAGES', 2, 1, 64),
    },
    logLevel: env.GW_LOG_LEVEL ?? 'info',
  };
  return { ...config, ...overrides };
}

/** Where GİB's three services are. */
export interface GibUrls {
  efaturaUrl: string;
  earsivUrl: string;
  cancelPortalUrl: string;
  edefterUrl: string;
  /** Roots of GİB's approval seal known only at run time (the built-in simulator's), beside GW_GIB_SEAL_ROOTS. */
  sealRoots?: () => Promise<Array<Buffer | string>>;
}

/**
 * GİB's services as configured, or the built-in simulator's (its configured host and port: a worker-only process
 * reaches the simulator its gateway runs).
 */
export function gibUrls(config: Pick<GatewayConfig, 'gib'>): GibUrls {
  const { simulator } = config.gib;
  if (!simulator.enabled) {
    return { efaturaUrl: config.gib.efaturaUrl!, earsivUrl: config.gib.earsivUrl!, cancelPortalUrl: config.gib.cancelPortalUrl!, edefterUrl: config.gib.edefterUrl! };
  }
  if (simulator.port === 0) throw new ConfigError('GW_SIMULATOR_PORT=0: a process that does not start the simulator cannot know its port');
  const base = `http://${simulator.host.includes(':') ? `[${simulator.host}]` : simulator.host}:${simulator.port}`;
  return { efaturaUrl: `${base}/EFatura`, earsivUrl: `${base}/EArsiv`, cancelPortalUrl: `${base}/FaturaIptal`, edefterUrl: `${base}/EDefter` };
}


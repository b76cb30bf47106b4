import path from 'node:path';

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
  /** Root of GİB's package (the folder holding `ubl-tr-1.2.1/xsdrt`, …); XSD checks run only when it is set. */
  gibDir: string | null;
  limits: {
    /** Largest SOAP request accepted, after gzip inflation (node-soap itself has no limit). */
    maxRequestBytes: number;
    /** Largest document once unzipped (zip bombs stop here). */
    maxDocumentBytes: number;
  };
  auth: {
    allowPasswordText: boolean;
    /** How far a UsernameToken's Created may be from now; nonces are remembered this long. */
    windowSeconds: number;
    maxFailures: number;
    lockMinutes: number;
    /** AES key that seals the secret PasswordDigest needs; kept outside the database. */
    secretKeyFile: string;
  };
  worker: {
    enabled: boolean;
    pollMs: number;
    concurrency: number;
    maxAttempts: number;
  };
  logLevel: string;
}

type Env = Record<string, string | undefined>;

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
    gibDir: env.GW_GIB_DIR ? path.resolve(env.GW_GIB_DIR) : null,
    limits: {
      maxRequestBytes: int(env, 'GW_MAX_REQUEST_BYTES', 20 * 1024 * 1024, 1024, 2 ** 31 - 1),
      maxDocumentBytes: int(env, 'GW_MAX_DOCUMENT_BYTES', 50 * 1024 * 1024, 1024, 2 ** 31 - 1),
    },
    auth: {
      allowPasswordText: bool(env, 'GW_AUTH_ALLOW_PASSWORD_TEXT', false),
      windowSeconds: int(env, 'GW_AUTH_WINDOW_SECONDS', 300, 10, 86400),
      maxFailures: int(env, 'GW_AUTH_MAX_FAILURES', 10, 1, 1000),
      lockMinutes: int(env, 'GW_AUTH_LOCK_MINUTES', 15, 1, 7 * 24 * 60),
      secretKeyFile: path.resolve(env.GW_SECRET_KEY_FILE ?? path.join(dataDir, 'secret.key')),
    },
    worker: {
      enabled: bool(env, 'GW_WORKER', true),
      pollMs: int(env, 'GW_WORKER_POLL_MS', 500, 10, 60000),
      concurrency: int(env, 'GW_WORKER_CONCURRENCY', 4, 1, 256),
      maxAttempts: int(env, 'GW_JOB_MAX_ATTEMPTS', 8, 1, 100),
    },
    logLevel: env.GW_LOG_LEVEL ?? 'info',
  };
  return { ...config, ...overrides };
}

/** Where the UBL-TR XSDs are inside GİB's package, when one is configured. */
export function ublXsdDir(config: Pick<GatewayConfig, 'gibDir'>): string | null {
  return config.gibDir ? path.join(config.gibDir, 'ubl-tr-1.2.1', 'xsdrt') : null;
}

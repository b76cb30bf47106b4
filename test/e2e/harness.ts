/**
 * Multi-process harness for the end-to-end tests (test/e2e) and the end-to-end benchmark (bench/e2e.bench.ts): the
 * GİB simulator and gateways each run as their own Node process (`node --import tsx …`, no npx wrapper, so the pid
 * we hold is the process itself and a signal reaches it), configured only through their environment variables, and
 * everything between them is real HTTP on loopback ports chosen at runtime.
 *
 * Processes are stopped with SIGTERM (both entry points shut down cleanly on it), then SIGKILL if they do not exit in
 * time; every process still alive when this process exits is SIGKILLed, so a crashed run leaves nothing behind.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import * as soap from 'soap';
import { GIB_ENDPOINT_PATH } from '../../src/soap/gib-endpoint';

export const REPO_DIR = path.resolve(__dirname, '..', '..');
export const SHARED_DIR = process.env.GW_SHARED_DIR ?? path.resolve(REPO_DIR, '..', 'shared');
export const GIB_DIR = path.join(SHARED_DIR, 'gib');

/** The database each gateway process gets: a fresh SQLite file in its data dir, or a fresh PostgreSQL database. */
export const E2E_DB_KIND: 'sqlite' | 'postgres' = process.env.GW_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

// ---------------------------------------------------------------------------------------------------------------
// Ports, files, HTTP

/** `n` distinct free loopback ports: listen on 0 (all at once, so they differ), read the ports, close. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** One JSON request without keep-alive (no socket outlives the call). Rejects on a non-2xx answer. */
export function httpJson<T = any>(method: string, url: string, body?: unknown, timeoutMs = 5000): Promise<T> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise<T>((resolve, reject) => {
    const req = http.request(url, {
      method,
      agent: false,
      timeout: timeoutMs,
      headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) {
          reject(new Error(`${method} ${url}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
          return;
        }
        try {
          resolve((text ? JSON.parse(text) : null) as T);
        } catch {
          resolve(text as unknown as T);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// Processes

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

/** Variables of our own that must not leak from the caller's environment into a child's configuration. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(GW_|SIM_)/.test(k)) env[k] = v;
  return env;
}

export interface ServiceProcess {
  name: string;
  port: number;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  pid(): number | undefined;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  logTail(lines?: number): string;
  /** Started (again, after stop) with the same script, port and environment; resolves when ready. */
  start(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (a crash: nothing runs on the way out); resolves when the process has exited. */
  kill(): Promise<void>;
  running(): boolean;
}

export interface ServiceOptions {
  name: string;
  script: string;
  port: number;
  env: Record<string, string>;
  /** GET this path answers 2xx once the service is ready; or, without HTTP, the process prints `readyLine`. */
  readyPath?: string;
  readyLine?: RegExp;
  readyTimeoutMs?: number;
  /** Stream the child's output to our stderr (E2E_LOG=1 sets it for all). */
  echo?: boolean;
  /** Extra node options before `--import tsx` (e.g. --cpu-prof); E2E_NODE_ARGS adds to every process. */
  nodeArgs?: string[];
}

export function serviceProcess(opts: ServiceOptions): ServiceProcess {
  installExitHook();
  const logs: string[] = [];
  const keep = 400;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const echo = opts.echo ?? process.env.E2E_LOG === '1';
  const baseUrl = `http://127.0.0.1:${opts.port}`;

  const record = (stream: NodeJS.ReadableStream | null, tag: string) => {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        logs.push(`${tag} ${line}`);
        if (echo) process.stderr.write(`[${opts.name}] ${line}\n`);
      }
      if (logs.length > keep) logs.splice(0, logs.length - keep);
    });
  };

  const handle: ServiceProcess = {
    name: opts.name,
    port: opts.port,
    baseUrl,
    pid: () => child?.pid,
    logTail: (n = 40) => logs.slice(-n).join('\n'),
    running: () => child !== null && child.exitCode === null && child.signalCode === null,

    async start() {
      if (handle.running()) throw new Error(`${opts.name} is already running`);
      const nodeArgs = [...(process.env.E2E_NODE_ARGS ? process.env.E2E_NODE_ARGS.split(' ').filter(Boolean) : []), ...(opts.nodeArgs ?? [])];
      const c = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(REPO_DIR, opts.script)], {
        cwd: REPO_DIR,
        env: { ...baseEnv(), ...opts.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      live.add(c);
      exited = new Promise<void>((resolve) => {
        c.once('exit', (code, signal) => {
          live.delete(c);
          logs.push(`-- ${opts.name} exited (code ${code}, signal ${signal})`);
          resolve();
        });
      });
      record(c.stdout, 'out');
      record(c.stderr, 'err');
      const until = Date.now() + (opts.readyTimeoutMs ?? 30_000);
      const from = logs.length;
      for (;;) {
        if (!handle.running()) throw new Error(`${opts.name} exited during start:\n${handle.logTail()}`);
        try {
          if (opts.readyLine) {
            if (!logs.slice(from).some((l) => opts.readyLine!.test(l))) throw new Error('not yet');
          } else {
            await httpJson('GET', `${baseUrl}${opts.readyPath}`, undefined, 1000);
          }
          return;
        } catch {
          if (Date.now() > until) {
            await handle.stop();
            throw new Error(`${opts.name} not ready (${opts.readyLine ?? `${baseUrl}${opts.readyPath}`}) after ${opts.readyTimeoutMs ?? 30_000} ms:\n${handle.logTail()}`);
          }
          await sleep(50);
        }
      }
    },

    async kill() {
      if (child && handle.running()) child.kill('SIGKILL');
      await exited;
    },

    async stop(graceMs = 5000) {
      const c = child;
      if (!c || !handle.running()) return exited;
      c.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      await exited;
    },
  };
  return handle;
}

// ---------------------------------------------------------------------------------------------------------------
// The GİB simulator

export interface SimulatorProcess extends ServiceProcess {
  soapUrl: string;
  admin<T = any>(method: string, pathAndQuery: string, body?: unknown): Promise<T>;
}

/** SIM_* settings (src/simulator/options.ts optionsFromEnv); SIM_PORT is set from `port`. */
export function simulatorProcess(port: number, env: Record<string, string>): SimulatorProcess {
  const proc = serviceProcess({
    name: 'gib-simulator',
    script: 'src/simulator/main.ts',
    port,
    env: { SIM_HOST: '127.0.0.1', SIM_LOG_LEVEL: 'warn', ...env, SIM_PORT: String(port) },
    readyPath: '/admin/health',
  });
  return Object.assign(proc, {
    soapUrl: `${proc.baseUrl}/EFatura`,
    admin: <T>(method: string, p: string, body?: unknown) => httpJson<T>(method, `${proc.baseUrl}/admin${p}`, body),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Gateways

export interface TenantSpec {
  vkn: string;
  title: string;
  gbAlias: string;
  pkAlias: string;
  users: string[];
}

export interface GatewayProcess extends ServiceProcess {
  /** The gateway's GW_* configuration (what a worker process beside it gets too). */
  env: Record<string, string>;
  dataDir: string;
  /** Set on PostgreSQL: the gateway's own database. */
  databaseUrl: string | null;
  sqliteFile: string;
  wsdlUrl: string;
  /** Where GİB pushes to (register it at the simulator). */
  gibEndpointUrl: string;
  password: string;
  /** A node-soap client of this gateway, logged in as `username` (PasswordDigest). */
  client(username: string): Promise<soap.Client>;
  /** A read-only connection to the gateway's database (closed by `cleanup`). */
  db(): Knex;
  /** Stops the process, closes connections, drops its database, removes its data dir. */
  cleanup(): Promise<void>;
}

export interface GatewayOptions {
  name: string;
  port: number;
  simBaseUrl: string;
  tenants: TenantSpec[];
  env?: Record<string, string>;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: REPO_DIR, env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(args[2] ?? file)} ${args.slice(3).join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A fresh PostgreSQL database beside GW_TEST_PG_URL's (as test/helpers/db.ts makes them). */
async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.GW_TEST_PG_URL;
  if (!base) throw new Error('GW_TEST_DB=postgres needs GW_TEST_PG_URL (scripts/test.sh sets it)');
  const name = `gw_e2e_${randomBytes(6).toString('hex')}`;
  const admin = knex({ client: 'pg', connection: base, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`create database ${name}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = knex({ client: 'pg', connection: base, pool: { min: 0, max: 1 } });
      try {
        await again.raw(`drop database if exists ${name} with (force)`);
      } finally {
        await again.destroy();
      }
    },
  };
}

/**
 * Prepares a gateway the way an operator would — data dir, database, tenants and users with the CLI (passwords from
 * a file) — and returns its process, not yet started. GW_SIMULATOR=false: GİB is the simulator process.
 */
export async function prepareGateway(opts: GatewayOptions): Promise<GatewayProcess> {
  const dataDir = tempDir(`gw-e2e-${opts.name}-`);
  const password = `e2e-${randomBytes(9).toString('base64url')}`;
  const passwordFile = path.join(dataDir, 'password.txt');
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const pg = E2E_DB_KIND === 'postgres' ? await createPgDatabase() : null;
  const baseUrl = `http://127.0.0.1:${opts.port}`;
  const env: Record<string, string> = {
    GW_HOST: '127.0.0.1',
    GW_PORT: String(opts.port),
    GW_PUBLIC_URL: baseUrl,
    GW_DATA_DIR: dataDir,
    ...(pg ? { GW_DATABASE_URL: pg.url } : {}),
    GW_SIMULATOR: 'false',
    GW_GIB_EFATURA_URL: `${opts.simBaseUrl}/EFatura`,
    GW_GIB_EARSIV_URL: `${opts.simBaseUrl}/EArsiv`,
    GW_GIB_CANCEL_PORTAL_URL: `${opts.simBaseUrl}/FaturaIptal`,
    GW_GIB_EDEFTER_URL: `${opts.simBaseUrl}/EDefter`,
    GW_GIB_TIMEOUT_MS: '5000',
    GW_LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
    ...opts.env,
  };
  const cliEnv = { ...baseEnv(), ...env };
  const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'src', 'cli.ts'), ...args], cliEnv);
  for (const t of opts.tenants) {
    await cli('tenant:create', '--vkn', t.vkn, '--title', t.title, '--gb', t.gbAlias, '--pk', t.pkAlias);
    for (const u of t.users) await cli('user:create', '--vkn', t.vkn, '--username', u, '--password-file', passwordFile);
  }

  const proc = serviceProcess({ name: opts.name, script: 'src/server.ts', port: opts.port, env, readyPath: '/health' });
  let db: Knex | null = null;
  const sqliteFile = path.join(dataDir, 'gateway.sqlite');
  return Object.assign(proc, {
    env,
    dataDir,
    databaseUrl: pg?.url ?? null,
    sqliteFile,
    wsdlUrl: `${baseUrl}/soap/gateway?wsdl`,
    gibEndpointUrl: `${baseUrl}${GIB_ENDPOINT_PATH}`,
    password,
    async client(username: string) {
      const client = await soap.createClientAsync(`${baseUrl}/soap/gateway?wsdl`);
      client.setSecurity(new soap.WSSecurity(username, password, { passwordType: 'PasswordDigest', hasNonce: true, hasTimeStamp: false }));
      return client;
    },
    db() {
      db ??= pg
        ? knex({ client: 'pg', connection: pg.url, pool: { min: 0, max: 2 } })
        : knex({ client: 'better-sqlite3', connection: { filename: sqliteFile, options: { readonly: true } }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
      return db;
    },
    async cleanup() {
      await proc.stop();
      if (db) await db.destroy();
      db = null;
      if (pg) await pg.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/**
 * A worker-only process (src/worker/main.ts) beside `gateway`, with the gateway's configuration and `env` on top;
 * ready when it prints its {"ready":true} line. Not started.
 */
export function workerProcess(gateway: GatewayProcess, name: string, env: Record<string, string> = {}): ServiceProcess {
  return serviceProcess({ name, script: 'src/worker/main.ts', port: 0, env: { ...gateway.env, ...env }, readyLine: /"ready":true/ });
}

// ---------------------------------------------------------------------------------------------------------------
// Waiting for states

export interface Status {
  ettn: string;
  state: string;
  status: number;
  code: number;
  description: string;
  envelopeId?: string;
  applicationResponse?: string;
  portalTab?: string;
  /** The GİB package that checked the invoice (absent without one). */
  gibPackage?: string;
  history: Array<{ at: string; fromState?: string; toState: string; event: string; actor: string; reason?: string; code?: number }>;
}

/** GetStatus as plain data: numbers as numbers, history as an array. */
export async function getStatus(client: soap.Client, ettn: string): Promise<Status> {
  const [res] = await client.GetStatusAsync({ ettn });
  const inv = res.invoice;
  const entries = inv.history?.entry ? [].concat(inv.history.entry) : [];
  return {
    ...inv,
    status: Number(inv.status),
    code: Number(inv.code),
    history: entries.map((h: Record<string, unknown>) => ({ ...h, ...(h.code !== undefined ? { code: Number(h.code) } : {}) })) as Status['history'],
  };
}

export function describeStatus(s: Status | null): string {
  if (!s) return 'no status yet';
  const lines = s.history.map((h) => `    ${h.at} ${h.fromState ?? '-'} → ${h.toState} (${h.event}${h.code !== undefined ? ` ${h.code}` : ''}) ${h.actor}${h.reason ? `: ${h.reason}` : ''}`);
  return `state ${s.state}, status ${s.status}, code ${s.code} ${s.description}${s.envelopeId ? `, envelope ${s.envelopeId}` : ''}\n  history:\n${lines.join('\n')}`;
}

/**
 * Polls GetStatus every `everyMs` until `done` holds; on timeout the error shows the last status and its history
 * (and the last error, when GetStatus itself failed).
 */
export async function waitForStatus(
  client: soap.Client,
  ettn: string,
  what: string,
  done: (s: Status) => boolean,
  opts: { timeoutMs?: number; everyMs?: number; extra?: () => Promise<string> } = {},
): Promise<Status> {
  const started = Date.now();
  const until = started + (opts.timeoutMs ?? 15_000);
  let last: Status | null = null;
  let lastError: unknown = null;
  for (;;) {
    try {
      last = await getStatus(client, ettn);
      lastError = null;
      if (done(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > until) break;
    await sleep(opts.everyMs ?? 75);
  }
  const extra = opts.extra ? await opts.extra().catch((e) => `(extra diagnostics failed: ${e})`) : '';
  throw new Error(
    `timed out after ${Date.now() - started} ms waiting for ${what} (ETTN ${ettn}); last status: ${describeStatus(last)}` +
      (lastError ? `\n  last GetStatus error: ${lastError instanceof Error ? lastError.message : String(lastError)}` : '') +
      (extra ? `\n${extra}` : ''),
  );
}

export const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

/** A repeated element as node-soap gives it (absent, one object or an array) → always an array. */
export function asList<T = any>(v: unknown): T[] {
  return v === undefined || v === null ? [] : ([] as T[]).concat(v as T);
}

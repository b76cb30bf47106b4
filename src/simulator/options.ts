/**
 * The simulator's options, and how main.ts reads them from the environment (once, at start, failing with a clear
 * message — like the gateway's own configuration).
 */
import path from 'node:path';
import type { HttpTimeouts } from '../http/server';
import type { GibPackageSource } from './gib-package';
import type { AliasRole } from './store';

export interface SimulatorTimings {
  /** 1000 ZARF KUYRUGA EKLENDI → 1100 ZARF ISLENIYOR. */
  queueMs: number;
  /** 1100 → the checks' verdict (11xx or 1200). */
  processMs: number;
  /** 1200 → first delivery attempt to the receiver's postbox. */
  deliverMs: number;
  /** Between delivery attempts after 1210; GİB: two hours (Ek-2 §4.1 "dört defa ikişer saat arayla"). */
  deliveryRetryMs: number;
  /** Delivery retries after the first failure before 1215; GİB: four. */
  deliveryRetries: number;
  /** Between attempts to push a system response that did not get through. */
  pushRetryMs: number;
  /** Give a push up after this many attempts; 0 = never (GİB retries until it is delivered). */
  pushMaxAttempts: number;
  /** How long an outgoing sendDocument may take. */
  requestTimeoutMs: number;
  /** e-Arşiv (earsiv.ts): sendDocumentFile's answer → the report's verdict in getBatchStatus. */
  reportMs: number;
  /** e-Defter (edefter.ts): sendDocumentFile's answer → the package's verdict in getBatchStatus. */
  ledgerMs: number;
}

export const DEFAULT_TIMINGS: SimulatorTimings = {
  queueMs: 100,
  processMs: 200,
  deliverMs: 200,
  deliveryRetryMs: 2 * 3600_000,
  deliveryRetries: 4,
  pushRetryMs: 60_000,
  pushMaxAttempts: 0,
  requestTimeoutMs: 30_000,
  reportMs: 200, // e-Arşiv
  ledgerMs: 200, // e-Defter
};

export interface SeedUser {
  vknTckn: string;
  title?: string;
  aliases: Array<{ alias: string; role: AliasRole }>;
}

export interface SeedEndpoint {
  url: string;
  aliases?: string[];
  vkns?: string[];
  name?: string;
}

/** What fault injection can do; the admin API sets the same fields (POST /admin/faults). */
export interface FaultInjection {
  /** The next N sendDocument calls get no answer: the request is held `holdMs`, then its connection dropped. */
  sendDocumentTimeouts: number;
  holdMs: number;
  /** A held call's envelope is still taken in (GİB got it, the answer was lost): a resend then gets 2001. */
  acceptHeld: boolean;
  /** The next N system-response pushes are dropped silently (recorded as `lost`). */
  losePushes: number;
  /** The next N system-response pushes are sent twice. */
  duplicatePushes: number;
  /** Sends to an endpoint fail without connecting, N more times; keyed by endpoint URL, VKN/TCKN or alias. */
  failDeliveries: Record<string, number>;
  /** e-Arşiv (earsiv.ts): the next N reports are rejected (1150) whatever they hold. */
  rejectReports: number;
  /** e-Arşiv: the next N calls to /EArsiv are held like sendDocumentTimeouts (acceptHeld applies to reports too). */
  earsivTimeouts: number;
  /** e-Defter (edefter.ts): the next N packages are refused whatever they hold. */
  rejectLedgers: number;
  /** e-Defter: the next N calls to /EDefter are held like sendDocumentTimeouts (acceptHeld applies to packages too). */
  edefterTimeouts: number;
}

export function noFaults(): FaultInjection {
  return { sendDocumentTimeouts: 0, holdMs: 60_000, acceptHeld: false, losePushes: 0, duplicatePushes: 0, failDeliveries: {}, rejectReports: 0, earsivTimeouts: 0, rejectLedgers: 0, edefterTimeouts: 0 };
}

export interface SimulatorOptions {
  timings?: Partial<SimulatorTimings>;
  /**
   * GİB's package (holding ubl-tr-1.2.1/xsdrt and e-fatura-paketi/schematron): invoices are then checked. A function
   * is asked on every check (the gateway's active package, switched while it runs).
   */
  gibDir?: GibPackageSource;
  /** PEM files (or their contents) of trusted roots: signatures are then verified, else only their presence. */
  trustedRoots?: Array<Buffer | string> | (() => Promise<Array<Buffer | string>>);
  /** Also push Merkez's own 1215/1230/1300 to the sender (GİB reports those only to getApplicationResponse). */
  pushFinalStates?: boolean;
  users?: SeedUser[];
  endpoints?: SeedEndpoint[];
  /**
   * e-Fatura opened by a USERENVELOPE only for taxpayers that applied to GİB first (admin POST /admin/applications,
   * or `applications`); off by default, so any taxpayer can be opened.
   */
  requireApplication?: boolean;
  applications?: string[];
  /** e-Defter: VKN/TCKN of integrators allowed to send any taxpayer's packages (the taxpayer itself always may). */
  edefterSenders?: string[];
  faults?: Partial<FaultInjection>;
  /**
   * Keep users and endpoints in `<dataDir>/state.json`, received envelopes as `<dataDir>/envelopes/<id>.zip` and
   * e-Arşiv report uploads as `<dataDir>/earsiv/<attempt>-<raporNo>.zip`; the seal that approves e-Defter berats in
   * `<dataDir>/gib-seal/` (e-Defter packages themselves are kept in memory).
   */
  dataDir?: string;
  /** pino level when no logger is given; default 'silent'. */
  logLevel?: string;
  /** Base URL written into the served WSDL; default the address the client used. */
  publicUrl?: string;
  /** Its HTTP server's timeouts (src/http/server.ts defaults; the embedded one takes the gateway's). */
  http?: HttpTimeouts;
  clock?: () => Date;
}

function int(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^[0-9]+$/.test(v)) throw new Error(`${name} must be a whole number of milliseconds (or a count), got ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * SIM_PORT, SIM_HOST, SIM_DATA_DIR, SIM_GIB_DIR, SIM_TRUSTED_ROOTS (comma-separated PEM files), SIM_PUBLIC_URL,
 * SIM_LOG_LEVEL, SIM_PUSH_FINAL_STATES, SIM_USERS (JSON array of SeedUser), SIM_ENDPOINTS (JSON array of
 * SeedEndpoint), and the timings SIM_QUEUE_MS, SIM_PROCESS_MS, SIM_DELIVER_MS, SIM_DELIVERY_RETRY_MS,
 * SIM_DELIVERY_RETRIES, SIM_PUSH_RETRY_MS, SIM_PUSH_MAX_ATTEMPTS, SIM_REQUEST_TIMEOUT_MS, SIM_REPORT_MS (e-Arşiv), SIM_LEDGER_MS (e-Defter); SIM_EDEFTER_SENDERS (comma-separated
 * VKNs of integrators allowed to send e-Defter packages); SIM_REQUIRE_APPLICATION (true: e-Fatura is opened only for the
 * VKNs in SIM_APPLICATIONS, comma-separated, or added with POST /admin/applications).
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv): { host: string; port: number; options: SimulatorOptions; trustedRootFiles: string[] } {
  const port = int(env, 'SIM_PORT') ?? 8090;
  if (port > 65535) throw new Error(`SIM_PORT out of range: ${port}`);
  const timings: Partial<SimulatorTimings> = {};
  const map: Array<[keyof SimulatorTimings, string]> = [
    ['queueMs', 'SIM_QUEUE_MS'],
    ['processMs', 'SIM_PROCESS_MS'],
    ['deliverMs', 'SIM_DELIVER_MS'],
    ['deliveryRetryMs', 'SIM_DELIVERY_RETRY_MS'],
    ['deliveryRetries', 'SIM_DELIVERY_RETRIES'],
    ['pushRetryMs', 'SIM_PUSH_RETRY_MS'],
    ['pushMaxAttempts', 'SIM_PUSH_MAX_ATTEMPTS'],
    ['requestTimeoutMs', 'SIM_REQUEST_TIMEOUT_MS'],
    ['reportMs', 'SIM_REPORT_MS'],
    ['ledgerMs', 'SIM_LEDGER_MS'],
  ];
  for (const [key, name] of map) {
    const v = int(env, name);
    if (v !== undefined) timings[key] = v;
  }
  const json = <T>(name: string): T | undefined => {
    const v = env[name];
    if (!v) return undefined;
    try {
      return JSON.parse(v) as T;
    } catch (err) {
      throw new Error(`${name} is not valid JSON: ${(err as Error).message}`);
    }
  };
  const trustedRootFiles = (env.SIM_TRUSTED_ROOTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const options: SimulatorOptions = {
    timings,
    ...(env.SIM_GIB_DIR ? { gibDir: path.resolve(env.SIM_GIB_DIR) } : {}),
    ...(env.SIM_DATA_DIR ? { dataDir: path.resolve(env.SIM_DATA_DIR) } : {}),
    ...(env.SIM_PUBLIC_URL ? { publicUrl: env.SIM_PUBLIC_URL } : {}),
    pushFinalStates: env.SIM_PUSH_FINAL_STATES === 'true',
    logLevel: env.SIM_LOG_LEVEL ?? 'info',
    users: json<SeedUser[]>('SIM_USERS') ?? [],
    endpoints: json<SeedEndpoint[]>('SIM_ENDPOINTS') ?? [],
    requireApplication: env.SIM_REQUIRE_APPLICATION === 'true',
    applications: (env.SIM_APPLICATIONS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    edefterSenders: (env.SIM_EDEFTER_SENDERS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  };
  return { host: env.SIM_HOST ?? '127.0.0.1', port, options, trustedRootFiles };
}

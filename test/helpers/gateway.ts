import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import pino from 'pino';
import * as soap from 'soap';
import { createApp, SOAP_PATH, type AppDeps, type GatewayApp } from '../../src/app';
import { loadConfig, type GatewayConfig } from '../../src/config';
import { listenHttp } from '../../src/http/server';
import type { Tenant } from '../../src/services/tenant.service';
import { createTestDb, tempDir, type TestDb } from './db';
import { SHARED_DIR } from './paths';

export const TEST_VKN = '1234567801';
export const OTHER_VKN = '9876543210';
export const TEST_PASSWORD = 'dogru-sifre-123';

export interface TestGateway {
  gateway: GatewayApp;
  config: GatewayConfig;
  testDb: TestDb;
  url: string;
  wsdlUrl: string;
  tenant: Tenant;
  username: string;
  password: string;
  /** Log lines the gateway wrote (JSON objects), to check what is and is not logged. */
  logs: Record<string, unknown>[];
  /** A second tenant with its own user, for isolation tests. */
  createTenantUser(vkn: string, username: string): Promise<Tenant>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  env?: Record<string, string>;
  clock?: () => Date;
  /** Use GİB's XSDs from ../shared (slower; most tests check the gateway's own rules). */
  xsd?: boolean;
  deps?: Partial<AppDeps>;
}

/** A real gateway on a random loopback port, with its own fresh database and data directory. */
export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = tempDir('gw-data-');
  const testDb = await createTestDb();
  const config = loadConfig({
    GW_DATA_DIR: dataDir,
    GW_PORT: '0',
    GW_WORKER_POLL_MS: '50',
    ...(opts.xsd ? { GW_GIB_DIR: path.join(SHARED_DIR, 'gib') } : {}),
    ...opts.env,
  });
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const gateway = await createApp({ config, db: testDb.db, logger, clock: opts.clock, ...opts.deps });
  const server: Server = await listenHttp(gateway.app, 0, '127.0.0.1', config.http);
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}${SOAP_PATH}`;
  const tenant = await gateway.services.tenants.createTenant({ vkn: TEST_VKN, title: 'TEST TICARET A.S.' });
  await gateway.services.tenants.createUser(tenant.id, 'erp-user', TEST_PASSWORD);
  return {
    gateway,
    config,
    testDb,
    url,
    wsdlUrl: `${url}?wsdl`,
    tenant,
    username: 'erp-user',
    password: TEST_PASSWORD,
    logs,
    async createTenantUser(vkn: string, username: string) {
      const t = await gateway.services.tenants.createTenant({ vkn, title: `FIRMA ${vkn}` });
      await gateway.services.tenants.createUser(t.id, username, TEST_PASSWORD);
      return t;
    },
    async close() {
      await gateway.worker.stop();
      await gateway.renderer.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await testDb.destroy();
    },
  };
}

/** The node-soap client, as an ERP written in JavaScript would use it: WSDL fetched over HTTP, PasswordDigest. */
export async function soapClient(gw: TestGateway, username = gw.username, password = gw.password): Promise<soap.Client> {
  const client = await soap.createClientAsync(gw.wsdlUrl);
  client.setSecurity(new soap.WSSecurity(username, password, { passwordType: 'PasswordDigest', hasNonce: true, hasTimeStamp: false }));
  return client;
}

/** The fault detail the gateway sends, as the node-soap client parsed it. */
export interface FaultInfo {
  code: number;
  name: string;
  message: string;
  faultcode: string;
  http: number;
  failures: Array<{ code: number; name: string; rule: string; path: string; message: string }>;
}

export function faultOf(err: unknown): FaultInfo {
  const e = err as { root?: { Envelope?: { Body?: { Fault?: any } } }; response?: { status?: number } };
  const fault = e.root?.Envelope?.Body?.Fault;
  if (!fault) throw err;
  const detail = fault.detail?.GatewayFault ?? {};
  return {
    code: Number(detail.code),
    name: String(detail.name),
    message: String(detail.message),
    faultcode: String(fault.faultcode),
    http: Number(e.response?.status),
    failures: ([] as any[]).concat(detail.failures?.failure ?? []).map((f) => ({ code: Number(f.code), name: String(f.name), rule: String(f.rule), path: String(f.path ?? ''), message: String(f.message) })),
  };
}

/** SendInvoice through a node-soap client; the answer's invoice. */
export async function send(client: soap.Client, xml: string | Buffer, opts: Record<string, unknown> = {}) {
  const [result] = await client.SendInvoiceAsync({ document: Buffer.from(xml).toString('base64'), ...opts });
  return result.invoice;
}

/** The fault a call ends in (fails the test when it answers). */
export async function expectFault(p: Promise<unknown>): Promise<FaultInfo> {
  try {
    await p;
  } catch (err) {
    return faultOf(err);
  }
  throw new Error('expected a SOAP fault');
}

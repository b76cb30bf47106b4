/**
 * The outgoing-list benchmarks' gateway (bench/outgoing-list.bench.ts over SOAP, bench/portal-list.bench.ts over the
 * portal's pages): the app on its database with invoice-set.ts's data set — N invoices of one company, N/10 of
 * another (so that the tenant condition has work to do) and the company's user. Built on the first run; with
 * BENCH_DATA_DIR the SQLite file is kept there and reused, so the two benchmarks can share one build.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createDb, dbClient, migrate } from '../../src/db/connect';
import { build } from './invoice-set';

const VKN = '1234567801';
const OTHER_VKN = '9876543210';
export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench-password-1';

/** `tmpPrefix` names the temporary data directory used without BENCH_DATA_DIR (removed by the caller unless `kept`). */
export async function openListGateway(n: number, tmpPrefix: string) {
  const keep = process.env.BENCH_DATA_DIR;
  const dataDir = keep ? (fs.mkdirSync(keep, { recursive: true }), keep) : fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  const config = loadConfig({ ...process.env, GW_DATA_DIR: dataDir, GW_PORT: '0', GW_WORKER: 'false' });
  const db = createDb({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
  await migrate(db);
  const logger = pino({ level: 'warn' }, pino.destination({ dest: '/dev/null', sync: false }));
  const gw = await createApp({ config, db, logger });
  const built = await gw.services.tenants.findTenantByVkn(VKN);
  const tenant = built ?? (await gw.services.tenants.createTenant({ vkn: VKN, title: 'BENCH A.S.' }));
  if (!built) {
    const other = await gw.services.tenants.createTenant({ vkn: OTHER_VKN, title: 'OTHER A.S.' });
    await gw.services.tenants.createUser(tenant.id, BENCH_USER, BENCH_PASSWORD);
    const t0 = Date.now();
    await build(db, tenant.id, n, 1);
    await build(db, other.id, Math.floor(n / 10), 2);
    // PostgreSQL's autovacuum analyzes a table this changed by itself, a while later: done now so the run does not
    // depend on when. SQLite gets no ANALYZE, as in the gateway (listInvoices names its indexes).
    if (dbClient(db) === 'postgres') await db.raw('analyze invoices');
    const buildSeconds = (Date.now() - t0) / 1000;
    console.log(`${dbClient(db)}: ${n.toLocaleString('en')} invoices (+ ${Math.floor(n / 10).toLocaleString('en')} of another company) built in ${buildSeconds.toFixed(0)} s`);
  } else {
    console.log(`${dbClient(db)}: reusing the ${(await db('invoices').where({ tenant_id: tenant.id }).count({ n: '*' }))[0]!.n} invoices in ${dataDir}`);
  }
  return { dataDir, kept: Boolean(keep), config, db, gw, tenant };
}

export interface ListTiming {
  name: string;
  rows: number;
  median: number;
  p95: number;
  max: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Two warm-up calls, then `repeats` timed ones, one at a time; prints the table row and returns the figures (ms). */
export async function timeCalls(name: string, repeats: number, call: () => Promise<{ ms: number; rows: number }>): Promise<ListTiming> {
  await call();
  await call();
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < repeats; i++) {
    const r = await call();
    times.push(r.ms);
    rows = r.rows;
  }
  times.sort((a, b) => a - b);
  const result = { name, rows, median: percentile(times, 50), p95: percentile(times, 95), max: times[times.length - 1]! };
  console.log(`| ${name} | ${rows} | ${result.median.toFixed(1)} | ${result.p95.toFixed(1)} | ${result.max.toFixed(1)} |`);
  return result;
}

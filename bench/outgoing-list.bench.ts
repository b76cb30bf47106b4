/**
 * ListOutgoingInvoices with a million invoices: how long the gateway takes to answer each kind of question an ERP or
 * the portal asks of the outgoing list (issue 11: < 100 ms with 1,000,000 invoices in the database).
 *
 *   npx tsx bench/outgoing-list.bench.ts [N=1000000] [REPEATS=30]
 *   GW_DATABASE_URL=postgres://…/db npx tsx bench/outgoing-list.bench.ts       the same on PostgreSQL (an empty database)
 *   BENCH_DATA_DIR=/tmp/list-bench npx tsx bench/outgoing-list.bench.ts         keeps the SQLite file there and reuses it
 *
 * Builds N invoices of one company (plus N/10 of another, so that the tenant condition has work to do) straight into
 * the database, as two years of trading: 70 % e-Arşiv, 30 % e-Fatura, nearly all concluded, a few per cent failed or in
 * progress, receivers from a few large customers to many one-off buyers, five number series. Then the gateway
 * answers over HTTP (its SOAP server, WS-Security PasswordDigest checked on every call), one call at a time, and each
 * question is asked REPEATS times after two warm-up calls: median, 95th percentile and maximum, client-measured
 * (request written → answer read), with the number of invoices on the page.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SOAP_PATH } from '../src/app';
import { listenHttp } from '../src/http/server';
import { buildUsernameTokenHeader } from '../src/security/wsse';
import { BENCH_PASSWORD, BENCH_USER, openListGateway, timeCalls, type ListTiming } from './lib/list-gateway';

const N = Number(process.argv[2] ?? 1_000_000);
const REPEATS = Number(process.argv[3] ?? 30);

async function main() {
  const { dataDir, kept, config, db, gw, tenant } = await openListGateway(N, 'gw-list-bench-');

  const server = await listenHttp(gw.app, 0, '127.0.0.1', config.http);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${SOAP_PATH}`;
  const call = async (fields: Record<string, string>) => {
    const security = buildUsernameTokenHeader(BENCH_USER, BENCH_PASSWORD, { nonce: randomBytes(16), created: new Date().toISOString() });
    const body = Object.entries(fields).map(([k, v]) => `<gw:${k}>${v}</gw:${k}>`).join('');
    const envelope = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:gw="urn:acik-entegrator:gateway:1"><soap:Header>${security}</soap:Header><soap:Body><gw:ListOutgoingInvoicesRequest>${body}</gw:ListOutgoingInvoicesRequest></soap:Body></soap:Envelope>`;
    const started = process.hrtime.bigint();
    const res = await fetch(url, { method: 'POST', body: envelope, headers: { 'Content-Type': 'text/xml; charset=utf-8' } });
    const text = await res.text();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (res.status !== 200) throw new Error(`${JSON.stringify(fields)}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return { ms, rows: text.split('<tns:invoice>').length - 1, next: /<tns:nextPageToken>([^<]+)</.exec(text)?.[1] };
  };

  // Page tokens deep inside the list: where a walk would be after half of it and at its very end.
  const row = async (offset: number) =>
    (await db('invoices').where({ tenant_id: tenant.id }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).offset(offset).limit(1).select('created_at', 'id'))[0];
  const tokenAt = async (offset: number) => {
    const r = await row(offset);
    return Buffer.from(JSON.stringify(['CREATED', String(r.created_at), Number(r.id)])).toString('base64url');
  };
  const bigCustomer = '1000000003';
  const smallCustomer = '1000001500'; // one of the 1,980 that share the other half
  const person = (await db('invoices').where({ tenant_id: tenant.id, kind: 'EARSIV' }).orderBy('id').first('receiver_id')).receiver_id as string;

  const questions: Array<[string, Record<string, string>]> = [
    ['newest 100, no filter', {}],
    ['newest 500 (largest page)', { pageSize: '500' }],
    [`page after ${Math.floor(N / 2).toLocaleString('en')} (token)`, { pageToken: await tokenAt(Math.floor(N / 2)) }],
    ['last page (token at the end)', { pageToken: await tokenAt(N - 50) }],
    ['e-Fatura only', { documentKind: 'EFATURA' }],
    ['tab Hatalı (≈ 1.5 %)', { portalTab: 'Hatalı' }],
    ['tab Henüz Sonuçlanmamış', { portalTab: 'Henüz Sonuçlanmamış' }],
    ['tab Başarılı', { portalTab: 'Başarılı' }],
    ['state SIGNED (≈ 0.6 %)', { state: 'SIGNED' }],
    ['e-Fatura, state AWAITING_RECEIVER', { documentKind: 'EFATURA', state: 'AWAITING_RECEIVER' }],
    ['large customer (≈ 7.5 %)', { receiverVknTckn: bigCustomer }],
    ['small customer', { receiverVknTckn: smallCustomer }],
    ['a person (e-Arşiv)', { receiverVknTckn: person }],
    ['series ABC (≈ 0.5 %)', { numberPrefix: 'ABC' }],
    ['series and year EAR2025', { numberPrefix: 'EAR2025' }],
    ['one created day', { from: '2026-03-10', to: '2026-03-10' }],
    ['one issue month, by issue date', { dateBy: 'ISSUED', from: '2025-06-01', to: '2025-06-30' }],
    ['tab Hatalı in one month', { portalTab: 'Hatalı', from: '2025-06-01', to: '2025-06-30' }],
    ['tab Hatalı, by issue date', { portalTab: 'Hatalı', dateBy: 'ISSUED' }],
    ['tab Hatalı, small customer', { portalTab: 'Hatalı', receiverVknTckn: smallCustomer }],
    ['large customer, by issue date', { receiverVknTckn: bigCustomer, dateBy: 'ISSUED' }],
    ['large customer, series EFT', { receiverVknTckn: bigCustomer, numberPrefix: 'EFT' }],
    ['large customer, tab Hatalı', { receiverVknTckn: bigCustomer, portalTab: 'Hatalı' }],
    ['large customer, e-Arşiv states only', { receiverVknTckn: bigCustomer, state: 'IN_REPORT' }],
    ['tab Hatalı, series EAR', { portalTab: 'Hatalı', numberPrefix: 'EAR' }],
    ['series EAR, one created day', { numberPrefix: 'EAR', from: '2025-03-10', to: '2025-03-10' }],
    ['series ABC, one issue month', { numberPrefix: 'ABC', dateBy: 'ISSUED', from: '2025-06-01', to: '2025-06-30' }],
    ['large customer, Başarılı, series EFT', { receiverVknTckn: bigCustomer, portalTab: 'Başarılı', numberPrefix: 'EFT' }],
    ['series ABC, tab Hatalı', { numberPrefix: 'ABC', portalTab: 'Hatalı' }],
    ['no match (unknown receiver)', { receiverVknTckn: '9999999999' }],
  ];

  console.log(`\n| question | invoices on the page | median ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|`);
  const results: ListTiming[] = [];
  for (const [name, fields] of questions) results.push(await timeCalls(name, REPEATS, () => call(fields)));
  const worst = results.reduce((a, b) => (b.p95 > a.p95 ? b : a));
  console.log(`\nworst p95: ${worst.p95.toFixed(1)} ms (${worst.name}); goal < 100 ms: ${results.every((r) => r.max < 100) ? 'met by every call' : results.every((r) => r.p95 < 100) ? 'met at p95' : 'NOT met'}`);

  server.closeAllConnections();
  server.close();
  await db.destroy();
  if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(String(err?.stack ?? err).slice(0, 2000)); // a failed insert's message holds its whole statement
  process.exit(1);
});

/**
 * End to end: SendInvoice → 1300 across two gateways (issue 4). Starts the GİB simulator and two gateways as separate
 * processes (test/e2e/harness.ts, the same set-up as test/e2e: CLI tenants, GW_ and SIM_ variables, real HTTP), sends
 * N TEMELFATURA invoices A→B with `inFlight` SendInvoice calls at a time, and measures invoices/second from the first
 * SendInvoice to the moment all N are DELIVERED (1300) at A, counted from A's SQLite file opened read-only.
 *
 * Then, from A's state_history and B's incoming_invoices: the median and p95 time of each stage; from /proc/<pid>/stat:
 * the CPU each process used; from 100 ms samples of both databases: where invoices and jobs queue up. SQLite by
 * default; GW_TEST_DB=postgres with GW_TEST_PG_URL gives each gateway a fresh PostgreSQL database (as test/e2e does).
 *
 * Usage: npx tsx bench/e2e.bench.ts [N=300] [inFlight=16]
 *   BENCH_WORKER_CONCURRENCY (16)  GW_WORKER_CONCURRENCY of both gateways
 *   BENCH_LINES (10)               invoice lines
 *   BENCH_SIM_GIB_DIR=1            the simulator also runs GİB's XSD and schematron on every invoice (as GİB does)
 *   BENCH_LOG_LEVEL (warn)         GW_LOG_LEVEL / SIM_LOG_LEVEL
 *   BENCH_RESULT_FILE              also write the results there as JSON (bench/lib/result.ts; bench/run.ts uses it)
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type { Knex } from 'knex';
import { buildUsernameTokenHeader } from '../src/security/wsse';
import { makeInvoice } from '../test/helpers/invoices';
import { E2E_DB_KIND, freePorts, GIB_DIR, prepareGateway, simulatorProcess, sleep, tempDir, type GatewayProcess, type ServiceProcess } from '../test/e2e/harness';
import { writeBenchResult } from './lib/result';

const N = Number(process.argv[2] ?? 300);
const IN_FLIGHT = Number(process.argv[3] ?? 16);
const WORKER_CONCURRENCY = process.env.BENCH_WORKER_CONCURRENCY ?? '16';
const LINES = Number(process.env.BENCH_LINES ?? 10);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';
const SIM_CHECKS = process.env.BENCH_SIM_GIB_DIR === '1';
const WARM_UP = 10;
const TIMEOUT_MS = 15 * 60_000;

const A_VKN = '1234567801';
const B_VKN = '9876543210';
const alias = (kind: 'gb' | 'pk', vkn: string) => `urn:mail:default${kind}@${vkn}.bench.test`;
const SOAP_NS = 'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:gw="urn:acik-entegrator:gateway:1"';
const CLK_TCK = 100; // getconf CLK_TCK on Linux

// --- small helpers ---------------------------------------------------------------------------------------------

function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime, all threads
  } catch {
    return NaN;
  }
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

function table(head: string[], rows: Array<Array<string | number>>): string {
  return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

// --- main --------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const [simPort, aPort, bPort] = await freePorts(3);
  const simDataDir = tempDir('gib-sim-bench-');
  const sim = simulatorProcess(simPort!, {
    SIM_DATA_DIR: simDataDir,
    ...(SIM_CHECKS ? { SIM_GIB_DIR: GIB_DIR } : {}),
    SIM_QUEUE_MS: '0',
    SIM_PROCESS_MS: '0',
    SIM_DELIVER_MS: '0',
    SIM_PUSH_RETRY_MS: '200',
    SIM_DELIVERY_RETRY_MS: '200',
    SIM_LOG_LEVEL: LOG_LEVEL,
  });
  const gwEnv = {
    GW_WORKER_CONCURRENCY: WORKER_CONCURRENCY,
    GW_WORKER_POLL_MS: '20',
    GW_GIB_TICK_MS: '1000',
    GW_GIB_CHECK_EVERY_MS: '1000',
    GW_LOG_LEVEL: LOG_LEVEL,
  };
  const gateways: GatewayProcess[] = [];
  const stopAll = async () => {
    await Promise.allSettled([...gateways.map((g) => g.cleanup()), sim.stop()]);
    fs.rmSync(simDataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

  try {
    const [gwA, gwB] = await Promise.all([
      prepareGateway({
        name: 'gateway-A',
        port: aPort!,
        simBaseUrl: sim.baseUrl,
        tenants: [{ vkn: A_VKN, title: 'SATICI TICARET A.S.', gbAlias: alias('gb', A_VKN), pkAlias: alias('pk', A_VKN), users: ['erp-a'] }],
        env: gwEnv,
      }),
      prepareGateway({
        name: 'gateway-B',
        port: bPort!,
        simBaseUrl: sim.baseUrl,
        tenants: [{ vkn: B_VKN, title: 'ALICI LIMITED SIRKETI', gbAlias: alias('gb', B_VKN), pkAlias: alias('pk', B_VKN), users: ['erp-b'] }],
        env: gwEnv,
      }),
      sim.start(),
    ]);
    gateways.push(gwA!, gwB!);
    await sim.admin('POST', '/users', [
      { vknTckn: A_VKN, title: 'SATICI TICARET A.S.', aliases: [{ alias: alias('gb', A_VKN), role: 'GB' }, { alias: alias('pk', A_VKN), role: 'PK' }] },
      { vknTckn: B_VKN, title: 'ALICI LIMITED SIRKETI', aliases: [{ alias: alias('gb', B_VKN), role: 'GB' }, { alias: alias('pk', B_VKN), role: 'PK' }] },
    ]);
    await sim.admin('POST', '/endpoints', { url: gwA!.gibEndpointUrl, vkns: [A_VKN] });
    await sim.admin('POST', '/endpoints', { url: gwB!.gibEndpointUrl, vkns: [B_VKN] });
    await Promise.all([gwA!.start(), gwB!.start()]);
    await run(sim, gwA!, gwB!);
  } finally {
    await stopAll();
  }
}

async function run(sim: ServiceProcess, gwA: GatewayProcess, gwB: GatewayProcess): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const soapUrl = new URL(`${gwA.baseUrl}/soap/gateway`);
  const call = (bodyXml: string, action: string): Promise<string> => {
    const security = buildUsernameTokenHeader('erp-a', gwA.password, { nonce: randomBytes(16), created: new Date().toISOString() });
    const body = `<soap:Envelope ${SOAP_NS}><soap:Header>${security}</soap:Header><soap:Body>${bodyXml}</soap:Body></soap:Envelope>`;
    return new Promise((resolve, reject) => {
      const req = http.request(
        { agent, method: 'POST', hostname: soapUrl.hostname, port: soapUrl.port, path: soapUrl.pathname, headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"urn:acik-entegrator:gateway:1#${action}"`, 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode === 200) resolve(text);
            else reject(new Error(`${action}: HTTP ${res.statusCode} ${text.slice(0, 400)}`));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };
  const sendOne = () => {
    const doc = makeInvoice({ profile: 'TEMELFATURA', supplierVkn: A_VKN, customerVkn: B_VKN, lines: LINES, number: null });
    return call(`<gw:SendInvoiceRequest><gw:document>${Buffer.from(doc).toString('base64')}</gw:document><gw:assignNumber>true</gw:assignNumber></gw:SendInvoiceRequest>`, 'SendInvoice');
  };
  // The receiver must be in A's copy of GİB's user list before the first SendInvoice.
  await call(`<gw:CheckUserRequest><gw:vknTckn>${B_VKN}</gw:vknTckn><gw:refresh>true</gw:refresh></gw:CheckUserRequest>`, 'CheckUser');

  // Read-only views of both databases (SQLite opened read-only; a PostgreSQL pool with GW_TEST_DB=postgres).
  const dbA = gwA.db();
  const dbB = gwB.db();
  const count = async (q: Knex.QueryBuilder) => Number(((await q.count({ n: '*' }).first()) as { n: unknown } | undefined)?.n ?? 0);
  const failedStates = ['ERROR', 'GIB_REJECTED', 'DELIVERY_FAILED', 'RECEIVER_FAILED'];
  const waitDelivered = async (afterId: number, n: number, onSample?: () => Promise<void>) => {
    const until = Date.now() + TIMEOUT_MS;
    for (;;) {
      await onSample?.();
      const done = await count(dbA('invoices').where('id', '>', afterId).andWhere({ state: 'DELIVERED' }));
      if (done >= n) return;
      const failed = await count(dbA('invoices').where('id', '>', afterId).whereIn('state', failedStates));
      if (failed > 0) throw new Error(`${failed} invoices failed; see ${gwA.dataDir}`);
      if (Date.now() > until) throw new Error(`only ${done}/${n} delivered after ${TIMEOUT_MS} ms`);
      await sleep(100);
    }
  };

  // Warm-up (JIT, the development seals generated on first use, connections): not measured.
  await Promise.all(Array.from({ length: WARM_UP }, sendOne));
  await waitDelivered(0, WARM_UP);
  const firstId = Number(((await dbA('invoices').max({ n: 'id' }).first()) as { n: unknown }).n ?? 0);
  const inboxBefore = await count(dbB('incoming_invoices'));

  // --- the measured run ---
  const pids = { simulator: sim.pid(), 'gateway A': gwA.pid(), 'gateway B': gwB.pid() };
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const benchCpu0 = process.cpuUsage();
  const samples: Array<{ a: Record<string, number>; jobsA: Record<string, number>; jobsB: Record<string, number>; inboxB: number }> = [];
  const groupCount = async (q: Knex.QueryBuilder, column: string) =>
    Object.fromEntries(((await q.select({ k: column }).count({ n: '*' }).groupBy(column)) as Array<{ k: string; n: unknown }>).map((r) => [r.k, Number(r.n)]));
  const periodic = ['gib.poll', 'gib.user-list.sync', 'earsiv.report', 'cancel-requests.sync'];
  const sample = async () => {
    samples.push({
      a: await groupCount(dbA('invoices').where('id', '>', firstId).andWhereNot({ state: 'DELIVERED' }), 'state'),
      jobsA: await groupCount(dbA('jobs').whereNull('failed_at').whereNotIn('task', periodic), 'task'),
      jobsB: await groupCount(dbB('jobs').whereNull('failed_at').whereNotIn('task', periodic), 'task'),
      inboxB: (await count(dbB('incoming_invoices'))) - inboxBefore,
    });
  };

  const t0 = Date.now();
  const latencies: number[] = [];
  let next = 0;
  let sentAllAt = 0;
  const sending = Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < N) {
        next++;
        const s = Date.now();
        await sendOne();
        latencies.push(Date.now() - s);
      }
    }),
  ).then(() => {
    sentAllAt = Date.now();
  });
  let sendError: unknown = null;
  sending.catch((err) => {
    sendError = err;
  });
  await waitDelivered(firstId, N, async () => {
    if (sendError) throw sendError;
    await sample();
  });
  await sending;
  const t1 = Date.now();
  const cpu1 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const benchCpu = process.cpuUsage(benchCpu0);
  const wall = (t1 - t0) / 1000;

  // --- stages, from A's audit trail and B's inbox ---
  const rows = (await dbA('state_history as h')
    .join('invoices as i', function () {
      this.on('i.id', '=', 'h.entity_id').andOn('i.machine', '=', 'h.machine');
    })
    .where('i.id', '>', firstId)
    .groupBy('i.ettn', 'h.to_state')
    .select('i.ettn', 'h.to_state')
    .min({ at: 'h.at' })) as Array<{ ettn: string; to_state: string; at: string }>;
  const byInvoice = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const m = byInvoice.get(r.ettn) ?? {};
    m[r.to_state] = Date.parse(r.at);
    byInvoice.set(r.ettn, m);
  }
  for (const r of (await dbB('incoming_invoices').select('ettn', 'created_at')) as Array<{ ettn: string; created_at: string }>) {
    const m = byInvoice.get(r.ettn.toLowerCase());
    if (m) m.B_INBOX = Date.parse(r.created_at);
  }
  const stage = (label: string, from: string, to: string) => {
    const d = [...byInvoice.values()].filter((m) => m[from] !== undefined && m[to] !== undefined).map((m) => m[to]! - m[from]!).sort((x, y) => x - y);
    const mean = d.reduce((s, x) => s + x, 0) / (d.length || 1);
    return { label, n: d.length, p50: pct(d, 50), p95: pct(d, 95), mean };
  };
  const stages = [
    stage('RECEIVED → PROCESSED (10 → 20)', 'RECEIVED', 'PROCESSED'),
    stage('PROCESSED → SIGNED (20 → 30)', 'PROCESSED', 'SIGNED'),
    stage('SIGNED → ENVELOPED (30 → 40)', 'SIGNED', 'ENVELOPED'),
    stage('ENVELOPED → SENT (40 → 50)', 'ENVELOPED', 'SENT'),
    stage('SENT → GIB_ACCEPTED (GİB’s 1200 push, taken in by A’s gib.inbound job)', 'SENT', 'GIB_ACCEPTED'),
    stage('SENT → in B’s inbox', 'SENT', 'B_INBOX'),
    stage('B’s inbox → DELIVERED at A (B’s system response via GİB, A’s gib.inbound)', 'B_INBOX', 'DELIVERED'),
  ];
  const summary = [
    stage('RECEIVED → SIGNED', 'RECEIVED', 'SIGNED'),
    stage('SIGNED → SENT', 'SIGNED', 'SENT'),
    stage('SENT → DELIVERED', 'SENT', 'DELIVERED'),
    stage('RECEIVED → DELIVERED (whole)', 'RECEIVED', 'DELIVERED'),
  ];

  // --- queues: the mean number waiting in each state / job task over the run ---
  const meanOf = (pick: (s: (typeof samples)[number]) => Record<string, number>) => {
    const sums: Record<string, number> = {};
    for (const s of samples) for (const [k, v] of Object.entries(pick(s))) sums[k] = (sums[k] ?? 0) + v;
    return Object.entries(sums).map(([k, v]) => [k, v / samples.length, Math.max(...samples.map((s) => pick(s)[k] ?? 0))] as const).sort((x, y) => y[1] - x[1]);
  };
  const statesA = meanOf((s) => s.a);
  const jobsA = meanOf((s) => s.jobsA);
  const jobsB = meanOf((s) => s.jobsB);

  latencies.sort((x, y) => x - y);
  const cpuRows = Object.keys(pids).map((k) => {
    const used = cpu1[k]! - cpu0[k]!;
    return [k, fmt(used, 1), `${fmt((used / wall) * 100)} %`, fmt((used / N) * 1000, 2)];
  });
  const benchUsed = (benchCpu.user + benchCpu.system) / 1e6;
  cpuRows.push(['load generator + sampler (this process)', fmt(benchUsed, 1), `${fmt((benchUsed / wall) * 100)} %`, fmt((benchUsed / N) * 1000, 2)]);
  const totalCpu = Object.keys(pids).reduce((s, k) => s + (cpu1[k]! - cpu0[k]!), 0) + benchUsed;

  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`\n${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}, load average now ${load}`);
  console.log(`${N} TEMELFATURA invoices A→B (${LINES} lines, assignNumber), ${IN_FLIGHT} SendInvoice in flight, GW_WORKER_CONCURRENCY=${WORKER_CONCURRENCY}, ` +
    `simulator delays 0${SIM_CHECKS ? ', GİB XSD+schematron at the simulator' : ''}, ${E2E_DB_KIND === 'postgres' ? 'PostgreSQL' : 'SQLite synchronous=FULL'}, logs at ${LOG_LEVEL}\n`);
  console.log(table(['result', 'value'], [
    ['**invoices/s, first SendInvoice → all N at 1300 at A**', `**${fmt(N / wall, 1)}**`],
    ['wall time', `${fmt(wall, 2)} s`],
    ['SendInvoice calls done after', `${fmt((sentAllAt - t0) / 1000, 2)} s (${fmt(N / ((sentAllAt - t0) / 1000), 1)}/s accepted)`],
    ['SendInvoice latency p50 / p95', `${fmt(pct(latencies, 50))} / ${fmt(pct(latencies, 95))} ms`],
  ]));
  console.log(`\nStages at A (from state_history; B's inbox from incoming_invoices.created_at), ms:\n`);
  console.log(table(['stage', 'p50', 'p95', 'mean', 'n'], [...stages, ...summary].map((s) => [s.label, fmt(s.p50), fmt(s.p95), fmt(s.mean), s.n])));
  console.log(`\nCPU over the measured run (${fmt(wall, 1)} s wall, ${os.cpus().length} cores = ${fmt(os.cpus().length * wall, 1)} CPU-s available; used ${fmt(totalCpu, 1)} CPU-s = ${fmt((totalCpu / (os.cpus().length * wall)) * 100)} %):\n`);
  console.log(table(['process', 'CPU s', 'of one core', 'CPU ms per invoice'], cpuRows));
  const q = (list: ReadonlyArray<readonly [string, number, number]>) => list.slice(0, 6).map(([k, mean, max]) => `${k} ${fmt(mean, 1)} (max ${max})`).join(', ') || '–';
  console.log(`\nQueues (mean over ${samples.length} samples every 100 ms, max):`);
  console.log(`- A's invoices waiting, by state: ${q(statesA)}`);
  console.log(`- A's jobs, by task: ${q(jobsA)}`);
  console.log(`- B's jobs, by task: ${q(jobsB)}`);

  // The limit: the process whose one event loop is busiest, and whether its queue is where the work piles up.
  const slowest = [...stages].sort((x, y) => y.mean - x.mean)[0]!;
  const busiest = cpuRows.slice(0, 3).map((r) => [r[0]!, Number.parseFloat(String(r[2]))] as const).sort((x, y) => y[1] - x[1])[0]!;
  const backlog = (list: ReadonlyArray<readonly [string, number, number]>) => list.reduce((sum, [, mean]) => sum + mean, 0);
  console.log(`\nLimiting stage: ${busiest[0]} (${busiest[1]} % of one core — a Node process's event loop tops out near 100 %); ` +
    `mean jobs waiting: gateway A ${fmt(backlog(jobsA), 1)}, gateway B ${fmt(backlog(jobsB), 1)}. ` +
    `Longest stage: "${slowest.label}" (mean ${fmt(slowest.mean)} ms). Cores ${fmt((totalCpu / (os.cpus().length * wall)) * 100)} % busy.`);
  const cpuOf = (name: string, used: number) => ({ process: name, seconds: used, ofOneCorePct: (used / wall) * 100, msPerInvoice: (used / N) * 1000 });
  writeBenchResult({
    bench: 'e2e',
    n: N,
    inFlight: IN_FLIGHT,
    workerConcurrency: WORKER_CONCURRENCY,
    lines: LINES,
    simChecks: SIM_CHECKS,
    database: E2E_DB_KIND,
    invoicesPerSecond: N / wall,
    wallSeconds: wall,
    sendDoneSeconds: (sentAllAt - t0) / 1000,
    sendLatencyMs: { p50: pct(latencies, 50), p95: pct(latencies, 95) },
    stages,
    summary,
    cpu: [...Object.keys(pids).map((k) => cpuOf(k, cpu1[k]! - cpu0[k]!)), cpuOf('load generator + sampler (this process)', benchUsed)],
    coresBusyPct: (totalCpu / (os.cpus().length * wall)) * 100,
  });
  agent.destroy();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

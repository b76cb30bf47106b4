import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { buildUsernameTokenHeader } from '../src/security/wsse';
import { makeInvoice } from '../test/helpers/invoices';
import { runLoad, type LoadResult } from './lib/load';
import { writeBenchResult } from './lib/result';

/**
 * SendInvoice and GetStatus throughput and latency against a bare node-soap Echo, all in one run on this machine.
 * Server processes are separate from this load generator. Usage: npx tsx bench/soap.bench.ts [seconds] [concurrency]
 * Goals (issue 2): GetStatus ≥ 75 % of the echo rate; SendInvoice ≥ 40 % of it with durable commits.
 * With BENCH_RESULT_FILE set, the results are also written there as JSON (bench/lib/result.ts; bench/run.ts uses it).
 */
const SECONDS = Number(process.argv[2] ?? 10);
const CONCURRENCY = Number(process.argv[3] ?? 16);
/** Optional third argument: a comma list of scenarios to run (echo,status,send); all by default. */
const ONLY = new Set((process.argv[4] ?? 'echo,status,send').split(','));
/** BENCH_WORKERS=n: the gateway answers SOAP only (GW_WORKER=false) and n worker processes sign beside it. */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 0);

function start(script: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; info: any }> {
  const extra = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', path.join(__dirname, script)], {
    env: { UV_THREADPOOL_SIZE: '16', ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', (line) => resolve({ child, info: JSON.parse(line) }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/** utime + stime of a process, all threads, in ms (Linux /proc; clock ticks of 100 Hz). */
function processCpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const SOAP_NS = 'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:gw="urn:acik-entegrator:gateway:1"';

/** A worker-only process (src/worker/main.ts) on the gateway's data; GİB is nowhere (a port nobody listens on). */
function startWorker(dataDir: string): Promise<ChildProcess> {
  const dead = 'http://127.0.0.1:9';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'src', 'worker', 'main.ts')], {
    env: {
      ...process.env,
      GW_DATA_DIR: dataDir,
      GW_SIMULATOR: 'false',
      GW_GIB_EFATURA_URL: `${dead}/EFatura`,
      GW_GIB_EARSIV_URL: `${dead}/EArsiv`,
      GW_GIB_CANCEL_PORTAL_URL: `${dead}/FaturaIptal`,
      GW_GIB_EDEFTER_URL: `${dead}/EDefter`,
      GW_WORKER_CONCURRENCY: '16',
      GW_LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

async function main() {
  const echo = await start('echo-server.ts');
  const gateway = await start('gateway-server.ts', { GW_LOG_LEVEL: 'info', ...(WORKERS > 0 ? { GW_WORKER: 'false' } : {}) });
  const workers = await Promise.all(Array.from({ length: WORKERS }, () => startWorker(gateway.info.dataDir)));
  const { username, password } = gateway.info;
  const echoUrl = `http://127.0.0.1:${echo.info.port}/echo`;
  const gwUrl = `http://127.0.0.1:${gateway.info.port}/soap/gateway`;
  const security = () => buildUsernameTokenHeader(username, password, { nonce: randomBytes(16), created: new Date().toISOString() });

  const echoRequest = () => ({
    body: `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:e="urn:bench:echo"><soap:Body><e:EchoRequest><e:text>merhaba</e:text></e:EchoRequest></soap:Body></soap:Envelope>`,
  });
  const sendRequest = () => {
    const doc = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: '1234567801', lines: 10, number: null, ettn: randomUUID() });
    return {
      body: `<soap:Envelope ${SOAP_NS}><soap:Header>${security()}</soap:Header><soap:Body><gw:SendInvoiceRequest><gw:document>${Buffer.from(doc).toString('base64')}</gw:document><gw:assignNumber>true</gw:assignNumber></gw:SendInvoiceRequest></soap:Body></soap:Envelope>`,
    };
  };

  // A document with history for GetStatus to read.
  const seeded = await runLoad({ url: gwUrl, concurrency: 1, durationMs: 1, makeRequest: sendRequest });
  if (seeded.errors) throw new Error('could not send the seed invoice');
  const probe = sendRequest();
  const ettn = /<cbc:UUID>([^<]+)<\/cbc:UUID>/.exec(Buffer.from(/<gw:document>([^<]+)/.exec(probe.body)![1], 'base64').toString())![1];
  await runLoad({ url: gwUrl, concurrency: 1, durationMs: 1, makeRequest: () => probe });
  const statusRequest = () => ({
    body: `<soap:Envelope ${SOAP_NS}><soap:Header>${security()}</soap:Header><soap:Body><gw:GetStatusRequest><gw:ettn>${ettn}</gw:ettn></gw:GetStatusRequest></soap:Body></soap:Envelope>`,
  });

  const ms = SECONDS * 1000;
  const warm = Math.min(2000, ms / 4);
  /** The server's CPU time per answered request over the measured run (user + system, all threads, /proc). */
  const cpuMs = new Map<string, number>();
  const measure = async (name: string, url: string, makeRequest: () => { body: string }) => {
    if (!ONLY.has(name)) return null;
    await runLoad({ url, concurrency: CONCURRENCY, durationMs: warm, makeRequest });
    const server = name === 'echo' ? echo.child : gateway.child;
    const before = processCpuMs(server.pid!);
    const result = await runLoad({ url, concurrency: CONCURRENCY, durationMs: ms, makeRequest });
    cpuMs.set(name, (processCpuMs(server.pid!) - before) / Math.max(1, result.requests));
    return result;
  };
  const echoResult = (await measure('echo', echoUrl, echoRequest)) ?? { rps: NaN } as LoadResult;
  const statusResult = await measure('status', gwUrl, statusRequest);
  const sendResult = await measure('send', gwUrl, sendRequest);

  echo.child.kill('SIGTERM');
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode === null ? w.once('exit', r) : r(null)))));
  gateway.child.kill('SIGTERM');
  await new Promise((r) => gateway.child.once('exit', r));

  const row = (name: string, key: string, r: LoadResult) =>
    `| ${name} | ${r.rps.toFixed(0)} | ${((r.rps / echoResult.rps) * 100).toFixed(0)} % | ${r.p50.toFixed(1)} | ${r.p90.toFixed(1)} | ${r.p99.toFixed(1)} | ${(cpuMs.get(key) ?? NaN).toFixed(3)} | ${r.requests} | ${r.errors} |`;
  const db = process.env.GW_DATABASE_URL ? 'PostgreSQL' : 'SQLite synchronous=FULL';
  const where = WORKERS > 0 ? `worker in ${WORKERS} process${WORKERS > 1 ? 'es' : ''} of its own` : 'worker in the gateway process';
  console.log(`\n${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}, ${SECONDS} s per scenario, ${CONCURRENCY} connections, ${db}, ${where}\n`);
  console.log('| scenario | req/s | of echo | p50 ms | p90 ms | p99 ms | server CPU ms/req | requests | errors |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  if (ONLY.has('echo')) console.log(row('node-soap Echo (yardstick)', 'echo', echoResult));
  if (statusResult) console.log(row('GetStatus (digest auth, history)', 'status', statusResult));
  if (sendResult) console.log(row('SendInvoice (10-line e-Arşiv, assigned number, durable)', 'send', sendResult));
  writeBenchResult({
    bench: 'soap',
    seconds: SECONDS,
    connections: CONCURRENCY,
    scenarios: [...ONLY],
    database: process.env.GW_DATABASE_URL ? 'postgres' : 'sqlite',
    worker: process.env.GW_WORKER !== 'false',
    workerProcesses: WORKERS,
    serverCpuMsPerRequest: Object.fromEntries(cpuMs),
    echo: ONLY.has('echo') ? echoResult : null,
    status: statusResult,
    send: sendResult,
  });
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * The chaos run: ERP clients send invoices concurrently, retrying each by its ETTN until it is acknowledged, while
 * the gateway process is SIGKILLed at random moments and started again (on PostgreSQL two gateways share one
 * database and either may be the one killed). The GİB simulator runs in its own process and is never killed; it
 * retries its pushes and deliveries while a gateway is down, as GİB does.
 *
 * At the end, with every gateway up again, it checks what "nothing accepted is ever lost or duplicated" means:
 *   - every acknowledged ETTN exists exactly once, with the number it was acknowledged with, and nothing else exists;
 *   - invoice numbers are gapless in every series;
 *   - every invoice reaches its final state (e-Fatura 1300 at the sender and once in the receiver's inbox, e-Arşiv
 *     Başarılı), the backlog draining without a stall longer than a bound set from the worker lease;
 *   - GİB (the simulator) holds every e-Fatura in exactly one envelope and every e-Arşiv invoice in exactly one
 *     successful report; no job failed for good;
 * and returns the figures (acknowledged, retries, kills, recovery times). test/chaos/chaos.test.ts runs a short
 * form in the test suite; bench/chaos.ts runs it at length by hand.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type * as soap from 'soap';
import {
  E2E_DB_KIND,
  asList,
  b64,
  freePorts,
  prepareGateway,
  serviceProcess,
  simulatorProcess,
  sleep,
  tempDir,
  type GatewayProcess,
  type ServiceProcess,
  type SimulatorProcess,
} from '../e2e/harness';
import { makeInvoice } from '../helpers/invoices';

export interface ChaosOptions {
  /** How long the clients send (and the killer kills). */
  seconds: number;
  /** Concurrent ERP clients. */
  clients: number;
  /** A kill every [min, max] ms, at random. */
  killEveryMs: [number, number];
  /** How long a killed gateway stays down, [min, max] ms. */
  downMs: [number, number];
  /** GW_WORKER_LEASE_MS of the gateways. */
  leaseMs: number;
  /** Share of e-Arşiv invoices (the rest are e-Fatura to the second tenant). */
  earsivShare: number;
  log?: (line: string) => void;
}

export interface ChaosFigures {
  database: 'sqlite' | 'postgres';
  gateways: number;
  seconds: number;
  acknowledged: number;
  efatura: number;
  earsiv: number;
  /** Calls that failed (connection refused or reset, a retryable fault) and were sent again with the same ETTN. */
  retries: number;
  /** Acknowledged invoices whose acknowledgement needed at least one retry. */
  retriedInvoices: number;
  kills: number;
  /** From SIGKILL to the restarted gateway answering /health, ms. */
  restartMs: { p50: number; max: number };
  /** From SIGKILL to the next acknowledged SendInvoice on any gateway, ms. */
  firstAckAfterKillMs: { p50: number; max: number };
  /** Invoices not yet final when the load ended. */
  backlogAtLoadEnd: number;
  /** From the end of the load to the last invoice in its final state, ms. */
  drainMs: number;
  /** The longest time during the drain in which no invoice became final, ms. */
  longestStallMs: number;
  /** The bound on that: two leases + 30 s. */
  stallBoundMs: number;
}

/** However the drain goes, a run ends this long after its load. */
const MAX_DRAIN_MS = 15 * 60_000;

interface Sent {
  ettn: string;
  kind: 'EFATURA' | 'EARSIV';
  number: string;
  ackAt: number;
  tries: number;
}

const A_VKN = '1234567801';
const B_VKN = '9876543210';
const alias = (kind: 'gb' | 'pk', vkn: string) => `urn:mail:default${kind}@${vkn}.chaos.test`;
const TENANTS = [
  { vkn: A_VKN, title: 'SATICI TICARET A.S.', gbAlias: alias('gb', A_VKN), pkAlias: alias('pk', A_VKN), users: ['erp-a'] },
  { vkn: B_VKN, title: 'ALICI LIMITED SIRKETI', gbAlias: alias('gb', B_VKN), pkAlias: alias('pk', B_VKN), users: ['erp-b'] },
];

const FINAL = { EFATURA: 'DELIVERED', EARSIV: 'SUCCESS' } as const;

const between = ([min, max]: [number, number]) => min + Math.random() * (max - min);
const quantiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: Math.round(s[Math.floor(s.length / 2)] ?? 0), max: Math.round(s[s.length - 1] ?? 0) };
};

/** A node-soap fault the gateway marked as not worth retrying (anything else — no answer, a reset — is retried). */
function permanentFault(err: unknown): string | null {
  const fault = (err as { root?: { Envelope?: { Body?: { Fault?: { detail?: { GatewayFault?: { code?: string; name?: string; retryable?: string | boolean } } } } } } }).root?.Envelope?.Body?.Fault;
  const detail = fault?.detail?.GatewayFault;
  if (!detail) return null;
  return String(detail.retryable) === 'true' ? null : `${detail.code} ${detail.name}`;
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosFigures> {
  const log = opts.log ?? (() => undefined);
  const two = E2E_DB_KIND === 'postgres';
  const [simPort, port1, port2] = await freePorts(3);
  const simDataDir = tempDir('gib-sim-chaos-');
  // GİB keeps trying: pushes and deliveries are retried long enough to outlast any one downtime.
  const sim: SimulatorProcess = simulatorProcess(simPort!, {
    SIM_DATA_DIR: simDataDir,
    SIM_QUEUE_MS: '10',
    SIM_PROCESS_MS: '10',
    SIM_DELIVER_MS: '10',
    SIM_REPORT_MS: '50',
    SIM_PUSH_RETRY_MS: '250',
    SIM_PUSH_MAX_ATTEMPTS: '400',
    SIM_DELIVERY_RETRY_MS: '250',
    SIM_DELIVERY_RETRIES: '400',
    SIM_PUSH_FINAL_STATES: 'true',
  });
  const timings = {
    GW_WORKER_LEASE_MS: String(opts.leaseMs),
    GW_WORKER_CONCURRENCY: '8',
    GW_WORKER_POLL_MS: '200',
    GW_GIB_TICK_MS: '200',
    GW_GIB_CHECK_EVERY_MS: '300',
    GW_EARSIV_REPORT_EVERY_MS: '500',
    GW_USER_LIST_SYNC_MS: '600000',
    GW_GIB_TIMEOUT_MS: '3000',
    GW_LOG_LEVEL: 'warn',
  };
  await sim.start();
  const gw1: GatewayProcess = await prepareGateway({ name: 'chaos-1', port: port1!, simBaseUrl: sim.baseUrl, tenants: TENANTS, env: timings });
  const gateways: ServiceProcess[] = [gw1];
  if (two) {
    // A second gateway on the same database: another process, another port, the same configuration.
    const env = { ...gw1.env, GW_PORT: String(port2), GW_PUBLIC_URL: `http://127.0.0.1:${port2}` };
    gateways.push(serviceProcess({ name: 'chaos-2', script: 'src/server.ts', port: port2!, env, readyPath: '/health' }));
  }
  const cleanup = async () => {
    await Promise.allSettled(gateways.slice(1).map((g) => g.stop()));
    await Promise.allSettled([gw1.cleanup(), sim.stop()]);
  };

  try {
    await sim.admin('POST', '/users', TENANTS.map((t) => ({ vknTckn: t.vkn, title: t.title, aliases: [{ alias: t.gbAlias, role: 'GB' }, { alias: t.pkAlias, role: 'PK' }] })));
    await sim.admin('POST', '/endpoints', { url: gw1.gibEndpointUrl, vkns: [A_VKN, B_VKN], name: 'chaos gateway' });
    await Promise.all(gateways.map((g) => g.start()));
    const clients: soap.Client[] = [await gw1.client('erp-a')];
    if (two) {
      const c = await gw1.client('erp-a');
      c.setEndpoint(`${gateways[1]!.baseUrl}/soap/gateway`);
      clients.push(c);
    }
    // The receiver must be in A's copy of GİB's user list before e-Fatura can be addressed to it.
    await clients[0]!.CheckUserAsync({ vknTckn: B_VKN, refresh: true });

    const sent: Sent[] = [];
    const kills: Array<{ at: number; ready: number }> = [];
    let retries = 0;
    const problems: string[] = [];
    const loadEnds = Date.now() + opts.seconds * 1000;

    const client = async (n: number) => {
      let turn = n;
      while (Date.now() < loadEnds) {
        const earsiv = Math.random() < opts.earsivShare;
        const ettn = randomUUID();
        const doc = makeInvoice({ profile: earsiv ? 'EARSIVFATURA' : 'TEMELFATURA', supplierVkn: A_VKN, customerVkn: earsiv ? '11111111111' : B_VKN, ettn, lines: 3 });
        // Retried by ETTN until acknowledged — also after the load ends, so nothing is left half-known.
        for (let tries = 1; ; tries++) {
          const c = clients[turn++ % clients.length]!;
          try {
            const [res] = await c.SendInvoiceAsync({ document: b64(doc), assignNumber: true });
            sent.push({ ettn, kind: earsiv ? 'EARSIV' : 'EFATURA', number: String(res.invoice.invoiceNumber), ackAt: Date.now(), tries });
            break;
          } catch (err) {
            const permanent = permanentFault(err);
            if (permanent) {
              problems.push(`SendInvoice ${ettn} refused: ${permanent}`);
              break;
            }
            retries++;
            if (Date.now() > loadEnds + 60_000) {
              problems.push(`SendInvoice ${ettn} never acknowledged: ${(err as Error).message}`);
              break;
            }
            await sleep(100 + Math.random() * 200);
          }
        }
      }
    };

    const killer = async () => {
      while (Date.now() < loadEnds) {
        await sleep(between(opts.killEveryMs));
        if (Date.now() >= loadEnds) break;
        const g = gateways[Math.floor(Math.random() * gateways.length)]!;
        const at = Date.now();
        await g.kill();
        log(`killed ${g.name} (SIGKILL) at +${Math.round((at - (loadEnds - opts.seconds * 1000)) / 1000)} s`);
        await sleep(between(opts.downMs));
        await g.start();
        kills.push({ at, ready: Date.now() });
      }
    };

    await Promise.all([killer(), ...Array.from({ length: opts.clients }, (_, i) => client(i))]);
    const loadEnded = Date.now();
    for (const g of gateways) if (!g.running()) await g.start();

    // Every invoice to its final state. SendInvoice acknowledges far faster than invoices travel to GİB and back, so
    // a long run leaves a backlog that drains at the pipeline's pace; what a crash must never cause is a stall. So the
    // number of invoices not yet final must fall within every window of a bound set from the lease (a claim is freed
    // after ≈ 1¼ leases) plus the time the pipeline itself takes under this load; and it must reach zero.
    const stallBoundMs = 2 * opts.leaseMs + 30_000;
    const db = gw1.db();
    let drainMs = -1;
    let backlog = -1;
    let longestStallMs = 0;
    let lagging: Array<{ ettn: string; state: string; kind: string }> = [];
    for (let fewest = Infinity, progressAt = loadEnded; ; ) {
      const rows = await db('invoices').select('ettn', 'state', 'kind');
      lagging = rows.filter((r) => r.state !== FINAL[r.kind as keyof typeof FINAL]);
      if (backlog < 0) backlog = lagging.length;
      const now = Date.now();
      if (lagging.length < fewest) {
        fewest = lagging.length;
        progressAt = now;
      }
      longestStallMs = Math.max(longestStallMs, now - progressAt);
      if (lagging.length === 0) {
        drainMs = now - loadEnded;
        break;
      }
      if (now - progressAt > stallBoundMs || now - loadEnded > MAX_DRAIN_MS) break;
      await sleep(250);
    }
    if (drainMs < 0) {
      const byState = new Map<string, number>();
      for (const r of lagging) byState.set(`${r.kind} ${r.state}`, (byState.get(`${r.kind} ${r.state}`) ?? 0) + 1);
      const jobs = await db('jobs').select('task', 'attempts', 'last_error', 'locked_by', 'failed_at').limit(20);
      const why = longestStallMs > stallBoundMs ? `none became final for ${stallBoundMs} ms` : `still not final ${MAX_DRAIN_MS} ms after the load`;
      problems.push(`${lagging.length} invoices not final (${why}; ${backlog} when the load ended): ${JSON.stringify([...byState])}; jobs: ${JSON.stringify(jobs)}`);
    }

    problems.push(...(await checkInvariants(gw1, sim, sent)));
    if (problems.length > 0) throw new Error(`chaos run found ${problems.length} problem(s):\n  ${problems.slice(0, 20).join('\n  ')}`);

    const firstAck = kills.map((k) => (sent.filter((s) => s.ackAt > k.at).reduce((m, s) => Math.min(m, s.ackAt), Infinity) - k.at)).filter(Number.isFinite);
    return {
      database: E2E_DB_KIND,
      gateways: gateways.length,
      seconds: opts.seconds,
      acknowledged: sent.length,
      efatura: sent.filter((s) => s.kind === 'EFATURA').length,
      earsiv: sent.filter((s) => s.kind === 'EARSIV').length,
      retries,
      retriedInvoices: sent.filter((s) => s.tries > 1).length,
      kills: kills.length,
      restartMs: quantiles(kills.map((k) => k.ready - k.at)),
      firstAckAfterKillMs: quantiles(firstAck),
      backlogAtLoadEnd: backlog,
      drainMs,
      longestStallMs,
      stallBoundMs,
    };
  } catch (err) {
    for (const p of [sim, ...gateways]) log(`--- last output of ${p.name} ---\n${p.logTail(25)}`);
    throw err;
  } finally {
    await cleanup();
    await import('node:fs').then((fs) => fs.rmSync(path.resolve(simDataDir), { recursive: true, force: true }));
  }
}

/** What must hold after the run, as a list of problems (empty: all good). */
async function checkInvariants(gw: GatewayProcess, sim: SimulatorProcess, sent: Sent[]): Promise<string[]> {
  const problems: string[] = [];
  const db = gw.db();
  const rows = await db('invoices').select('ettn', 'invoice_number', 'kind', 'tenant_id');
  const byEttn = new Map<string, Array<{ invoice_number: string }>>();
  for (const r of rows) byEttn.set(String(r.ettn).toLowerCase(), [...(byEttn.get(String(r.ettn).toLowerCase()) ?? []), r]);
  for (const s of sent) {
    const found = byEttn.get(s.ettn.toLowerCase()) ?? [];
    if (found.length !== 1) problems.push(`ETTN ${s.ettn} stored ${found.length} times`);
    else if (found[0]!.invoice_number !== s.number) problems.push(`ETTN ${s.ettn} acknowledged as ${s.number}, stored as ${found[0]!.invoice_number}`);
  }
  const acked = new Set(sent.map((s) => s.ettn.toLowerCase()));
  for (const e of byEttn.keys()) if (!acked.has(e)) problems.push(`ETTN ${e} stored but never acknowledged (every call was retried until it was)`);

  // Gapless: each series (prefix + year) runs 1..n.
  const series = new Map<string, number[]>();
  for (const r of rows) {
    const n = String(r.invoice_number);
    series.set(n.slice(0, 7), [...(series.get(n.slice(0, 7)) ?? []), Number(n.slice(7))]);
  }
  for (const [prefix, ns] of series) {
    ns.sort((a, b) => a - b);
    const gaps = ns.filter((n, i) => n !== i + 1);
    if (gaps.length > 0) problems.push(`series ${prefix}: not 1..${ns.length} (first wrong: ${gaps[0]})`);
  }

  // The receiver's inbox: each e-Fatura once.
  const inbox = await db('incoming_invoices').select('ettn');
  const inboxCount = new Map<string, number>();
  for (const r of inbox) inboxCount.set(String(r.ettn).toLowerCase(), (inboxCount.get(String(r.ettn).toLowerCase()) ?? 0) + 1);
  for (const s of sent.filter((x) => x.kind === 'EFATURA')) {
    const n = inboxCount.get(s.ettn.toLowerCase()) ?? 0;
    if (n !== 1) problems.push(`e-Fatura ${s.ettn} is ${n} times in the receiver's inbox`);
  }

  // GİB: one envelope per e-Fatura, one successful report per e-Arşiv invoice.
  const envelopes = asList<{ type: string; documentUuids: string[] }>(await sim.admin('GET', `/envelopes?type=SENDERENVELOPE&sender=${A_VKN}`));
  const inEnvelopes = new Map<string, number>();
  for (const e of envelopes) for (const u of e.documentUuids) inEnvelopes.set(u.toLowerCase(), (inEnvelopes.get(u.toLowerCase()) ?? 0) + 1);
  for (const s of sent.filter((x) => x.kind === 'EFATURA')) {
    const n = inEnvelopes.get(s.ettn.toLowerCase()) ?? 0;
    if (n !== 1) problems.push(`e-Fatura ${s.ettn} in ${n} envelopes at GİB`);
  }
  const reports = asList<{ paketId: string; state: number; invoices: Array<{ ettn: string }> }>(await sim.admin('GET', `/earsiv/reports?vkn=${A_VKN}`));
  const reported = new Map<string, Set<string>>();
  for (const r of reports.filter((x) => x.state === 1300)) {
    for (const i of r.invoices) reported.set(i.ettn.toLowerCase(), (reported.get(i.ettn.toLowerCase()) ?? new Set()).add(r.paketId));
  }
  for (const s of sent.filter((x) => x.kind === 'EARSIV')) {
    const n = reported.get(s.ettn.toLowerCase())?.size ?? 0;
    if (n !== 1) problems.push(`e-Arşiv ${s.ettn} in ${n} successful reports at GİB`);
  }

  const failed = await db('jobs').whereNotNull('failed_at').select('task', 'last_error');
  for (const j of failed) problems.push(`job ${j.task} failed for good: ${j.last_error}`);
  return problems;
}

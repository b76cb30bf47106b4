/**
 * The machine-readable summary each benchmark leaves for bench/run.ts (which turns it into BENCHMARKS.md's tables).
 * A benchmark run by hand prints its human tables as before; when BENCH_RESULT_FILE names a file, it also writes
 * its summary there as one JSON object — the numbers, never pre-formatted text.
 */
import fs from 'node:fs';
import type { LoadResult } from './load';

export interface SoapBenchResult {
  bench: 'soap';
  seconds: number;
  connections: number;
  scenarios: string[];
  database: 'sqlite' | 'postgres';
  worker: boolean;
  /** Worker processes of their own beside the gateway (BENCH_WORKERS); 0: the worker runs in the gateway. */
  workerProcesses: number;
  /** The server's CPU time per answered request, by scenario (echo, status, send). */
  serverCpuMsPerRequest: Record<string, number>;
  echo: LoadResult | null;
  status: LoadResult | null;
  send: LoadResult | null;
}

export interface SigningBenchCase {
  name: string;
  /** Median completions per second over the rounds. */
  perSecond: number;
  rounds: number[];
  /** Median CPU time (user + system, all threads) per completed operation. */
  cpuMsPerOp: number;
  /** XAdES cases: XAdES rate / the raw rate of the case before it (same sessions); null for raw cases. */
  xadesOverRaw: number | null;
  /** XAdES cases: raw CPU per signature / XAdES CPU per invoice; null for raw cases. */
  cpuBoundRatio: number | null;
}

export interface SigningBenchResult {
  bench: 'signing';
  seconds: number;
  inFlight: number;
  rounds: number;
  invoiceBytes: number;
  /** One core, a signer that answers at once: ms per signXml, per parse, per C14N of the 10-line invoice. */
  noRsa: { signXmlMs: number; parseMs: number; c14nMs: number };
  cases: SigningBenchCase[];
  bestXades: number;
  bestRaw: number;
  loadAverage: number[];
}

export interface E2eStage {
  label: string;
  n: number;
  p50: number;
  p95: number;
  mean: number;
}

export interface E2eBenchResult {
  bench: 'e2e';
  n: number;
  inFlight: number;
  workerConcurrency: string;
  lines: number;
  simChecks: boolean;
  database: 'sqlite' | 'postgres';
  invoicesPerSecond: number;
  wallSeconds: number;
  /** First SendInvoice → last SendInvoice answered. */
  sendDoneSeconds: number;
  sendLatencyMs: { p50: number; p95: number };
  stages: E2eStage[];
  summary: E2eStage[];
  /** Per process over the measured run: CPU seconds, % of one core, CPU ms per invoice. */
  cpu: Array<{ process: string; seconds: number; ofOneCorePct: number; msPerInvoice: number }>;
  coresBusyPct: number;
}

export type BenchResult = SoapBenchResult | SigningBenchResult | E2eBenchResult;

/** Write the summary where bench/run.ts asked for it (BENCH_RESULT_FILE); nothing when run by hand. */
export function writeBenchResult(result: BenchResult): void {
  const file = process.env.BENCH_RESULT_FILE;
  if (!file) return;
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
}

/**
 * `npm run bench` — runs the benchmarks one after the other and rewrites their tables in BENCHMARKS.md.
 *
 *   npm run bench                          soap, signing and e2e, with the durations BENCHMARKS.md's figures use
 *   npm run bench -- soap e2e              only those
 *   npm run bench -- e2e --runs 3          three e2e runs back to back, one table row each (soap too)
 *   npm run bench -- --quick --output /tmp/B.md   shortest durations, written to a copy: checks the mechanism
 *
 * Options:
 *   --runs N          soap and e2e: N runs, one row each (default 1); signing reports the median of its own rounds
 *   --soap "ARGS"     arguments for bench/soap.bench.ts     (default "8 16": seconds per scenario, connections)
 *   --signing "ARGS"  arguments for bench/signing.bench.ts  (default "2 16 3": seconds per case, in flight, rounds)
 *   --e2e "ARGS"      arguments for bench/e2e.bench.ts      (default "300 16": N invoices, SendInvoice in flight)
 *   --quick           soap "1 16", signing "1 16 1", e2e "30 16"; such figures are not for BENCHMARKS.md, so --quick
 *                     writes only where --output says (or nothing, with a note)
 *   --output FILE     rewrite FILE (created from BENCHMARKS.md if missing) instead of BENCHMARKS.md
 *   --dry-run         print the new sections, write nothing
 *
 * Each benchmark runs as its own process (`node --import tsx bench/<name>.bench.ts ARGS`, its output shown as it
 * goes), with BENCH_RESULT_FILE naming a temporary file where it leaves its results as JSON (bench/lib/result.ts).
 * The tables are made from that JSON, not from the printed text. Each section of BENCHMARKS.md between
 * `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` is replaced by the new tables, headed by the date, the
 * machine (cores, CPU model, Node, load average) and the command; nothing outside the markers changes. A benchmark
 * that fails leaves its section as it was (the others are still written) and makes the exit code 1.
 * Benchmarks run strictly one at a time: on a 2-core machine two at once would measure each other.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchResult, E2eBenchResult, E2eStage, SigningBenchResult, SoapBenchResult } from './lib/result';

const REPO_DIR = path.resolve(__dirname, '..');
const DOC = path.join(REPO_DIR, 'BENCHMARKS.md');
const BENCHES = ['soap', 'signing', 'e2e'] as const;
type BenchName = (typeof BENCHES)[number];

const DEFAULT_ARGS: Record<BenchName, string> = { soap: '8 16', signing: '2 16 3', e2e: '300 16' };
const QUICK_ARGS: Record<BenchName, string> = { soap: '1 16', signing: '1 16 1', e2e: '30 16' };
/** Environment variables that change what a benchmark measures, shown in the section's heading (values of URLs never). */
const KNOBS = ['GW_DATABASE_URL', 'GW_TEST_DB', 'GW_WORKER', 'BENCH_WORKERS', 'BENCH_WORKER_CONCURRENCY', 'BENCH_LINES', 'BENCH_SIM_GIB_DIR', 'BENCH_LOG_LEVEL', 'BENCH_NODE_ARGS', 'E2E_NODE_ARGS'];

interface Options {
  names: BenchName[];
  runs: number;
  args: Record<BenchName, string>;
  quick: boolean;
  output: string | null;
  dryRun: boolean;
}

function usage(message: string): never {
  console.error(`bench/run.ts: ${message}\nusage: npm run bench -- [soap] [signing] [e2e] [--runs N] [--soap "ARGS"] [--signing "ARGS"] [--e2e "ARGS"] [--quick] [--output FILE] [--dry-run]`);
  process.exit(2);
}

export function parseArgs(argv: string[]): Options {
  const o: Options = { names: [], runs: 1, args: { ...DEFAULT_ARGS }, quick: false, output: null, dryRun: false };
  const given: Partial<Record<BenchName, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if ((BENCHES as readonly string[]).includes(a)) {
      if (!o.names.includes(a as BenchName)) o.names.push(a as BenchName);
    } else if (flag === '--runs') {
      o.runs = Number(value());
      if (!Number.isInteger(o.runs) || o.runs < 1 || o.runs > 20) usage('--runs takes 1–20');
    } else if (flag === '--soap' || flag === '--signing' || flag === '--e2e') {
      given[flag.slice(2) as BenchName] = value();
    } else if (flag === '--quick') o.quick = true;
    else if (flag === '--output') o.output = path.resolve(value());
    else if (flag === '--dry-run') o.dryRun = true;
    else usage(`unknown argument ${a}`);
  }
  if (o.quick) o.args = { ...QUICK_ARGS };
  Object.assign(o.args, given);
  if (o.names.length === 0) o.names = [...BENCHES];
  o.names.sort((x, y) => BENCHES.indexOf(x) - BENCHES.indexOf(y));
  return o;
}

// --- running ---------------------------------------------------------------------------------------------------

let interrupted = false;

class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

interface Run<R extends BenchResult> {
  result: R;
  startedAt: Date;
  loadAverage: number[];
}

function splitArgs(s: string): string[] {
  return s.trim() === '' ? [] : s.trim().split(/\s+/);
}

/**
 * The soap benchmark runs twice per round: with the worker in the gateway's process, and with the gateway answering
 * SOAP only and the worker in a process of its own (BENCH_WORKERS=1), as issue 8 asks SendInvoice to be measured.
 */
const VARIANTS: Record<BenchName, Array<Record<string, string>>> = { soap: [{}, { BENCH_WORKERS: '1' }], signing: [{}], e2e: [{}] };

async function runOnce<R extends BenchResult>(name: BenchName, args: string, env: Record<string, string> = {}): Promise<Run<R>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gw-bench-${name}-`));
  const file = path.join(dir, 'result.json');
  const startedAt = new Date();
  const loadAverage = os.loadavg();
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, `${name}.bench.ts`), ...splitArgs(args)], {
      cwd: REPO_DIR,
      env: { ...process.env, ...env, BENCH_RESULT_FILE: file },
      stdio: 'inherit',
    });
    // Ctrl-C reaches the benchmark directly (same process group; it cleans up its servers on SIGINT, once); here it
    // only stops the series. SIGTERM sent to this process alone is passed on.
    const onInt = () => {
      interrupted = true;
    };
    const onTerm = () => {
      interrupted = true;
      child.kill('SIGTERM');
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, signal) => resolve(signal ? null : c));
    }).finally(() => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    });
    if (interrupted) throw new Interrupted();
    if (code !== 0) throw new Error(`bench/${name}.bench.ts ${args} ended with ${code === null ? 'a signal' : `exit code ${code}`}`);
    if (!fs.existsSync(file)) throw new Error(`bench/${name}.bench.ts wrote no results (BENCH_RESULT_FILE)`);
    const result = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResult;
    if (result.bench !== name) throw new Error(`bench/${name}.bench.ts wrote results of '${result.bench}'`);
    return { result: result as R, startedAt, loadAverage };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// --- formatting --------------------------------------------------------------------------------------------------

/** 1,234.5 style; '–' for a missing value (NaN becomes null in JSON). */
function num(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const pctOf = (ratio: number | null | undefined) => (ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '' : `${num(ratio * 100)} %`);

function table(head: string[], align: Array<'l' | 'r'>, rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, ${os.type()} ${os.release()}`;
}

function knobs(): string {
  const set = KNOBS.filter((k) => process.env[k] !== undefined && process.env[k] !== '');
  if (set.length === 0) return '';
  return ` with ${set.map((k) => (k.endsWith('_URL') ? `${k} set` : `${k}=${process.env[k]}`)).join(', ')}`;
}

function heading(name: BenchName, runs: Array<Run<BenchResult>>, args: string, command: string): string {
  const first = runs[0]!;
  const date = first.startedAt.toISOString().slice(0, 16).replace('T', ' ');
  const loads = runs.map((r) => num(r.loadAverage[0], 2)).join(', ');
  return (
    `<!-- Written by bench/run.ts from the JSON of bench/${name}.bench.ts; edit outside the bench:${name} markers. -->\n` +
    `Last written by \`${command}\` on ${date} UTC: \`npx tsx bench/${name}.bench.ts ${args}\`${knobs()}` +
    `${runs.length / VARIANTS[name].length > 1 ? `, ${runs.length / VARIANTS[name].length} rounds back to back` : ''}` +
    `${VARIANTS[name].length > 1 ? ` (${VARIANTS[name].map((v) => Object.entries(v).map(([k, x]) => `${k}=${x}`).join(' ') || 'as is').join(', then ')})` : ''}` +
    `. Machine: ${machine()}; load average ${loads} before ` +
    `${runs.length > 1 ? 'each run' : 'the run'}.`
  );
}

function soapSection(runs: Array<Run<SoapBenchResult>>): string {
  const r0 = runs[0]!.result;
  const db = r0.database === 'postgres' ? 'PostgreSQL (GW_DATABASE_URL)' : 'SQLite synchronous=FULL';
  const where = (r: SoapBenchResult) =>
    r.workerProcesses > 0 ? `worker in ${r.workerProcesses} process${r.workerProcesses > 1 ? 'es' : ''} of its own` : r.worker ? 'worker in the gateway' : 'worker off';
  const intro =
    `${r0.connections} keep-alive connections, ${r0.seconds} s per scenario after a warm-up, ${db}, ${where(r0)}; the load ` +
    'generator shares the cores with the servers. "CPU ms/req" is the server process\'s CPU time (user + system, all ' +
    'threads) per answered request — the figure that does not depend on what else runs on the VM:';
  const base = (r: SoapBenchResult) => `${r.database === 'postgres' ? 'PostgreSQL' : 'SQLite'}, ${where(r)}`;
  const rounds = runs.filter((x) => base(x.result) === base(r0)).length;
  const label = (r: SoapBenchResult, i: number) =>
    `${base(r)}${rounds > 1 ? ` ${runs.slice(0, i + 1).filter((x) => base(x.result) === base(r)).length}` : ''}`;
  const cpu = (r: SoapBenchResult, key: string) => num(r.serverCpuMsPerRequest?.[key], 3);
  const rows = runs.map(({ result: r }, i) => {
    const echo = r.echo?.rps ?? NaN;
    const of = (x: number | undefined) => pctOf(x !== undefined && Number.isFinite(echo) ? x / echo : null);
    const errors = (r.echo?.errors ?? 0) + (r.status?.errors ?? 0) + (r.send?.errors ?? 0);
    return [
      label(r, i),
      num(r.echo?.rps),
      cpu(r, 'echo'),
      num(r.status?.rps),
      of(r.status?.rps),
      r.status ? `${num(r.status.p50, 1)} / ${num(r.status.p99, 1)}` : '',
      cpu(r, 'status'),
      num(r.send?.rps),
      of(r.send?.rps),
      r.send ? `${num(r.send.p50, 1)} / ${num(r.send.p99, 1)}` : '',
      cpu(r, 'send'),
      String(errors),
    ];
  });
  return (
    intro +
    '\n\n' +
    table(
      [
        `run (${r0.seconds} s per scenario)`, 'Echo req/s', 'Echo CPU ms/req', 'GetStatus req/s', 'GetStatus / echo', 'GetStatus p50 / p99 ms', 'GetStatus CPU ms/req',
        'SendInvoice req/s', 'SendInvoice / echo', 'SendInvoice p50 / p99 ms', 'SendInvoice CPU ms/req', 'errors',
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      rows,
    )
  );
}

function signingSection(runs: Array<Run<SigningBenchResult>>): string {
  const r = runs[0]!.result;
  const intro =
    `${r.seconds} s per case, ${r.inFlight} in flight, median of ${r.rounds} round${r.rounds === 1 ? '' : 's'}; ` +
    `10-line invoice ${num(r.invoiceBytes)} bytes; one core, no RSA: signXml ${num(r.noRsa.signXmlMs, 3)} ms ` +
    `(parse ${num(r.noRsa.parseMs, 3)}, C14N ${num(r.noRsa.c14nMs, 3)}):`;
  const rows = r.cases.map((c) => [
    c.name,
    num(c.perSecond),
    c.rounds.map((x) => num(x)).join(' / '),
    num(c.cpuMsPerOp, 3),
    pctOf(c.xadesOverRaw),
    pctOf(c.cpuBoundRatio),
  ]);
  return (
    intro +
    '\n\n' +
    table(['case', 'per second (median)', 'rounds', 'CPU ms per op', 'XAdES / raw', 'CPU-bound ratio'], ['l', 'r', 'l', 'r', 'r', 'r'], rows) +
    `\n\nBest XAdES on the token / best raw token rate: ${num(r.bestXades)} / ${num(r.bestRaw)} = **${pctOf(r.bestXades / r.bestRaw)}**.`
  );
}

function e2eSection(runs: Array<Run<E2eBenchResult>>): string {
  const r0 = runs[0]!.result;
  const intro =
    `N = ${r0.n} TEMELFATURA invoices A→B (${r0.lines} lines), ${r0.inFlight} SendInvoice in flight, ` +
    `GW_WORKER_CONCURRENCY=${r0.workerConcurrency}, ${r0.database === 'postgres' ? 'PostgreSQL' : 'SQLite synchronous=FULL'}` +
    `${r0.simChecks ? ', GİB XSD + schematron at the simulator' : ''}; the load generator shares the cores:`;
  const cpu = (r: E2eBenchResult, name: string) => r.cpu.find((c) => c.process === name);
  const three = (r: E2eBenchResult, pick: (c: E2eBenchResult['cpu'][number] | undefined) => string) =>
    ['gateway A', 'gateway B', 'simulator'].map((n) => pick(cpu(r, n))).join(' / ');
  const whole = (r: E2eBenchResult) => r.summary.find((s) => s.label.startsWith('RECEIVED → DELIVERED'));
  const rows = runs.map(({ result: r }, i) => [
    String(i + 1),
    `**${num(r.invoicesPerSecond, 1)}**`,
    `${num(r.wallSeconds, 1)} s`,
    `${num(r.n / r.sendDoneSeconds)}/s`,
    `${num(r.sendLatencyMs.p50)} / ${num(r.sendLatencyMs.p95)} ms`,
    `${num((whole(r)?.p50 ?? NaN) / 1000, 1)} / ${num((whole(r)?.p95 ?? NaN) / 1000, 1)} s`,
    `${three(r, (c) => num(c?.ofOneCorePct))} %`,
    three(r, (c) => num(c?.msPerInvoice, 1)),
    `${num(r.coresBusyPct)} %`,
  ]);
  const stageRow = (s: E2eStage, bold: boolean) => (bold ? [`**${s.label}**`, `**${num(s.p50)}**`, `**${num(s.p95)}**`] : [s.label, num(s.p50), num(s.p95)]);
  const first = runs[0]!.result;
  const stages = [...first.stages.map((s) => stageRow(s, false)), ...first.summary.map((s) => stageRow(s, !s.label.startsWith('RECEIVED → DELIVERED')))];
  return (
    intro +
    '\n\n' +
    table(
      ['run', 'invoices/s to 1300', 'wall', 'SendInvoice accepted', 'SendInvoice p50 / p95', 'RECEIVED → DELIVERED p50 / p95', 'CPU A / B / simulator (of one core)', 'CPU ms per invoice A / B / sim', 'cores busy'],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      rows,
    ) +
    `\n\nWhere the time goes (run 1${runs.length > 1 ? ' of the above' : ''}), ms per invoice:\n\n` +
    table(['stage', 'p50', 'p95'], ['l', 'r', 'r'], stages)
  );
}

// --- BENCHMARKS.md -----------------------------------------------------------------------------------------------

/** Replace the text between each section's markers; every marker must be there exactly once, start before end. */
export function replaceSections(doc: string, sections: Map<string, string>): string {
  let out = doc;
  for (const [name, body] of sections) {
    const start = `<!-- bench:${name}:start -->`;
    const end = `<!-- bench:${name}:end -->`;
    const i = out.indexOf(start);
    const j = out.indexOf(end);
    if (i < 0 || j < 0 || out.indexOf(start, i + 1) >= 0 || out.indexOf(end, j + 1) >= 0 || j < i) {
      throw new Error(`the document needs exactly one ${start} … ${end} pair`);
    }
    out = `${out.slice(0, i + start.length)}\n\n${body.trim()}\n\n${out.slice(j)}`;
  }
  return out;
}

function writeAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const shown = process.argv.slice(2).map((a) => (/[\s"']/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a));
  const command = ['npm run bench', ...(shown.length ? ['--', ...shown] : [])].join(' ');
  const target = opts.dryRun ? null : (opts.output ?? (opts.quick ? null : DOC));
  if (opts.quick && !opts.output && !opts.dryRun) {
    console.log('bench/run.ts: --quick figures are not written to BENCHMARKS.md; add --output FILE to see the rewritten document.');
  }

  const sections = new Map<string, string>();
  const failures: string[] = [];
  for (const name of opts.names) {
    const runs: Array<Run<BenchResult>> = [];
    const times = name === 'signing' ? 1 : opts.runs;
    try {
      for (let i = 0; i < times; i++) {
        for (const env of VARIANTS[name]) {
          const set = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
          console.log(`\n=== ${set}bench/${name}.bench.ts ${opts.args[name]}${times > 1 ? ` (run ${i + 1} of ${times})` : ''} ===`);
          runs.push(await runOnce(name, opts.args[name], env));
        }
      }
    } catch (err) {
      if (err instanceof Interrupted) {
        console.error('\nbench/run.ts: interrupted; nothing written.');
        process.exit(130);
      }
      failures.push(`${name}: ${(err as Error).message}`);
      console.error(`\nbench/run.ts: ${name} failed, its section stays as it was: ${(err as Error).message}`);
      continue;
    }
    const head = heading(name, runs, opts.args[name], command);
    const body =
      name === 'soap'
        ? soapSection(runs as Array<Run<SoapBenchResult>>)
        : name === 'signing'
          ? signingSection(runs as Array<Run<SigningBenchResult>>)
          : e2eSection(runs as Array<Run<E2eBenchResult>>);
    sections.set(name, `${head}\n${body}`);
  }

  if (sections.size > 0) {
    if (target) {
      const template = fs.existsSync(target) ? target : DOC;
      writeAtomically(target, replaceSections(fs.readFileSync(template, 'utf8'), sections));
      console.log(`\nbench/run.ts: rewrote ${[...sections.keys()].map((n) => `bench:${n}`).join(', ')} in ${path.relative(process.cwd(), target) || target}`);
    } else {
      for (const [name, body] of sections) console.log(`\n<!-- bench:${name}:start -->\n\n${body}\n\n<!-- bench:${name}:end -->`);
    }
  }
  if (failures.length) {
    console.error(`\nbench/run.ts: failed: ${failures.join('; ')}`);
    process.exit(1);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

/**
 * The chaos run at length (test/chaos/chaos.ts; the test suite runs a short form): ERP clients send invoices while
 * the gateway is SIGKILLed at random and started again; prints the figures, or the problems it found.
 *
 * Usage: npx tsx bench/chaos.ts [seconds=100] [clients=8]
 *   GW_TEST_DB=postgres (with GW_TEST_PG_URL): two gateways on one PostgreSQL database, either one killed
 *   CHAOS_KILL_EVERY_MS (3000-8000)   a kill every min-max ms
 *   CHAOS_DOWN_MS (100-3000)          a killed gateway stays down min-max ms
 *   CHAOS_LEASE_MS (5000)             GW_WORKER_LEASE_MS
 *   CHAOS_EARSIV_SHARE (0.3)          share of e-Arşiv invoices
 */
import { runChaos } from '../test/chaos/chaos';

const range = (v: string | undefined, fallback: [number, number]): [number, number] => {
  const m = /^(\d+)-(\d+)$/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2])] : fallback;
};

async function main(): Promise<void> {
  const started = Date.now();
  const figures = await runChaos({
    seconds: Number(process.argv[2] ?? 100),
    clients: Number(process.argv[3] ?? 8),
    killEveryMs: range(process.env.CHAOS_KILL_EVERY_MS, [3000, 8000]),
    downMs: range(process.env.CHAOS_DOWN_MS, [100, 3000]),
    leaseMs: Number(process.env.CHAOS_LEASE_MS ?? 5000),
    earsivShare: Number(process.env.CHAOS_EARSIV_SHARE ?? 0.3),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify({ ...figures, wallSeconds: Math.round((Date.now() - started) / 1000) }, null, 2)}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

import { expect } from 'chai';
import { E2E_DB_KIND } from '../e2e/harness';
import { runChaos } from './chaos';

/**
 * The short form of the chaos run (test/chaos/chaos.ts; at length: `npx tsx bench/chaos.ts`). 18 s of load on SQLite,
 * 22 s on PostgreSQL (where a restart takes up to 5 s), with a SIGKILL 2–3 s after the gateway is back: three kills or
 * more either way; on PostgreSQL either of two gateways on one database is the one killed.
 */
describe(`chaos: gateways SIGKILLed under load, nothing lost or duplicated (${E2E_DB_KIND})`, function () {
  this.timeout(180_000);

  it('every acknowledged invoice exactly once, numbers gapless, all final within the bound, GİB has each once', async () => {
    const figures = await runChaos({
      // CHAOS_SECONDS=25 (or GW_TEST_SCALE=1) gives the longer load this test ran with before: more invoices, more kills.
      seconds: Number(process.env.CHAOS_SECONDS ?? (Number(process.env.GW_TEST_SCALE) >= 1 ? 25 : E2E_DB_KIND === 'postgres' ? 22 : 18)),
      clients: 6,
      killEveryMs: [2000, 3000],
      downMs: [100, 1500],
      leaseMs: 3000,
      earsivShare: 0.3,
      log: (line) => process.env.CHAOS_LOG === '1' && process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`      chaos figures: ${JSON.stringify(figures)}\n`);
    expect(figures.kills, 'kills').to.be.at.least(3);
    expect(figures.acknowledged, 'acknowledged').to.be.at.least(100);
    expect(figures.retries, 'the kills made clients retry').to.be.greaterThan(0);
    // A short run leaves a backlog small enough to drain within the stall bound itself.
    expect(figures.drainMs).to.be.within(0, figures.stallBoundMs);
  });
});

import { composeGateway } from '../composition';
import { createClock } from '../clock';
import { ConfigError, gibUrls, loadConfig } from '../config';
import { createDb, migrate } from '../db/connect';
import { createLogger } from '../log';
import { serveMetrics } from '../soap/metrics-route';

/**
 * A worker-only process: the same composition as the gateway (composition.ts), so the same tasks, GİB's included,
 * and no HTTP. Run one or more beside a gateway started with GW_WORKER=false so signing and the other asynchronous
 * steps use their own cores (several are safe on PostgreSQL, where claims use `for update skip locked`; on SQLite
 * they take turns on the one writer). With the built-in simulator (GW_SIMULATOR), the worker reaches the one its
 * gateway runs on GW_SIMULATOR_HOST:GW_SIMULATOR_PORT.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel).child({ role: 'worker' });
  const db = createDb({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
  await migrate(db);
  const gateway = composeGateway({ config, db, logger, gib: gibUrls(config), clock: createClock(config.clockOffsetFile) });
  await gateway.ensurePeriodicJobs();
  gateway.worker.start();
  const metricsServer = config.worker.metricsPort === null ? null : await serveMetrics(config.worker.metricsPort, config.host, config.http);
  logger.info(
    { workerId: gateway.worker.workerId, database: config.databaseUrl ? 'postgres' : 'sqlite', metrics: metricsServer ? `http://${config.host}:${config.worker.metricsPort}/metrics` : null },
    'worker started',
  );
  process.stdout.write(JSON.stringify({ ready: true, workerId: gateway.worker.workerId }) + '\n');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    metricsServer?.close();
    await gateway.worker.stop();
    gateway.mailer.close();
    await gateway.renderer.close();
    await gateway.signers.close();
    await db.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
});

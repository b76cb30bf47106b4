import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createDb, migrate } from './db/connect';
import { createLogger } from './log';

/** Starts the gateway: read config once, migrate, build the app, listen, start the worker; stop cleanly on signals. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = createDb({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
  await migrate(db);
  const gateway = await createApp({ config, db, logger, publicUrl: process.env.GW_PUBLIC_URL });
  const server = gateway.app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  if (config.worker.enabled) gateway.worker.start();
  logger.info(
    { port: config.port, host: config.host, database: config.databaseUrl ? 'postgres' : 'sqlite', gibDir: config.gibDir },
    `gateway listening: WSDL at http://${config.host}:${config.port}/soap/gateway?wsdl`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await new Promise((resolve) => server.close(resolve));
    await gateway.worker.stop();
    await db.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(`configuration error: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});

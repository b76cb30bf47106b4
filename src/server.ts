import path from 'node:path';
import { createApp, type GatewayApp } from './app';
import { ConfigError, gibUrls, loadConfig, type GatewayConfig, type GibUrls } from './config';
import { createDb, migrate } from './db/connect';
import { listenHttp } from './http/server';
import { GIB_ENDPOINT_PATH } from './soap/gib-endpoint';
import { createLogger } from './log';
import { createSimulator, type Simulator } from './simulator';
import { openDemoServices } from './activation/development-setup';
import { createClock } from './clock';

/**
 * The embedded default: GİB's simulator beside the gateway, on its own port, reached over HTTP like GİB. The
 * gateway's companies are opened at it through service activation (USERENVELOPE) and our EFatura endpoint is their
 * integrator's address, so invoices between them travel the whole protocol.
 */
async function startEmbeddedSimulator(
  config: GatewayConfig,
  logger: ReturnType<typeof createLogger>,
  trustedRoots: () => Promise<Buffer[]>,
  gibDir: () => string | null,
): Promise<{ sim: Simulator; urls: GibUrls }> {
  const sim = createSimulator(
    {
      dataDir: path.join(config.dataDir, 'gib-simulator'),
      // The gateway's active GİB package, followed when gib:package switches it: both refuse the same invoices.
      gibDir,
      // Asked per document: the roots the gateway's seals chain to, development seals included as tenants get their
      // first one, so the simulator verifies every signature as GİB does (1161/1177).
      trustedRoots,
      // Merkez's own 1215/1230/1300 are pushed too, so a demo does not wait for the 24-hour poll.
      pushFinalStates: true,
      http: config.http,
    },
    logger,
  );
  await sim.start(config.gib.simulator.port, config.gib.simulator.host);
  return { sim, urls: { efaturaUrl: sim.soapUrl, earsivUrl: sim.earsivUrl, cancelPortalUrl: sim.cancelPortalUrl, edefterUrl: sim.edefterUrl, sealRoots: async () => [await sim.gibSealRoot()] } };
}

/** Starts the gateway: read config once, migrate, build the app, listen, start the worker; stop cleanly on signals. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = createDb({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
  await migrate(db);
  // The simulator asks the gateway (built below) for its roots and package; before it exists, none and the configured one.
  let built: GatewayApp | null = null;
  const embedded = config.gib.simulator.enabled
    ? await startEmbeddedSimulator(config, logger, async () => (built ? built.signers.trustedRoots() : []), () => (built ? built.gibPackage.current()?.dir ?? null : config.gibDir))
    : null;
  const gib: GibUrls = embedded?.urls ?? gibUrls(config);
  // Where the embedded simulator reaches us: an address bound to every interface is reached on the loopback.
  const selfHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const publicUrl = config.gib.publicUrl ?? `http://${selfHost}:${config.port}`;
  const gateway = await createApp({ config, db, logger, publicUrl: config.gib.publicUrl ?? undefined, gib, clock: createClock(config.clockOffsetFile) });
  built = gateway;
  // /health says "starting" until the embedded set-up below is done (the companies opened at the simulator).
  if (embedded) gateway.setStarting(true);
  const server = await listenHttp(gateway.app, config.port, config.host, config.http);
  const pkg = gateway.gibPackage.current();
  if (pkg) logger.info({ gibPackage: pkg.id, date: pkg.date, origin: pkg.origin }, `GİB package ${pkg.id}: invoices are checked with GİB's XSDs and schematron`);
  else logger.warn("no GİB package: XSD and schematron checks are off, so invoices GİB would refuse are accepted here (install one with npm run cli -- gib:package <folder-or-zip>)");

  if (config.worker.enabled) {
    gateway.worker.start();
    gateway.ledgerDrop.start();
  }
  if (embedded) {
    // The simulator delivers to this gateway what is addressed to the integrator's users (those it opened): its
    // endpoint holds the integrator's VKN, and every company opened since (kept in the simulator's state).
    const endpoint = `${publicUrl.replace(/\/$/, '')}${GIB_ENDPOINT_PATH}`;
    const integrator = (() => {
      try {
        return gateway.services.activation.integrator();
      } catch {
        throw new ConfigError('the built-in GİB simulator opens the companies through service activation: set GW_INTEGRATOR_VKN (with development seals a development integrator stands in)');
      }
    })();
    const known = embedded.sim.store.listEndpoints().find((e) => e.url === endpoint)?.vkns ?? [];
    embedded.sim.store.registerEndpoint({ url: endpoint, aliases: [], vkns: [...new Set([...known, integrator.vkn])], name: 'this gateway' });
    // The demo companies' e-Fatura and e-Arşiv are opened through the activation flow, as a customer's would be.
    const tenants = await gateway.services.tenants.listTenants();
    const started = await openDemoServices({ ...gateway, activation: gateway.services.activation }, tenants);
    await gateway.services.gib?.users.sync({ force: true });
    gateway.setStarting(false);
    logger.info({ simulator: embedded.urls.efaturaUrl, tenants: tenants.length, opened: started }, 'built-in GİB simulator started; companies opened at GİB through service activation');
  }
  logger.info(
    { port: config.port, host: config.host, database: config.databaseUrl ? 'postgres' : 'sqlite', gibDir: config.gibDir, gib: gib.efaturaUrl },
    `gateway listening: WSDL at ${publicUrl.replace(/\/$/, '')}/soap/gateway?wsdl`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await new Promise((resolve) => server.close(resolve));
    await gateway.ledgerDrop.stop();
    await gateway.worker.stop();
    gateway.archive.close?.();
    gateway.mailer.close();
    await gateway.renderer.close(); // the PDF browser
    await embedded?.sim.stop();
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

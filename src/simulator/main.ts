/**
 * The GİB simulator as its own process: `npx tsx src/simulator/main.ts`, configured by SIM_* variables (see
 * optionsFromEnv in ./options.ts). Stops cleanly on SIGINT/SIGTERM.
 */
import fs from 'node:fs';
import { createLogger } from '../log';
import { createSimulator } from './index';
import { optionsFromEnv } from './options';

async function main(): Promise<void> {
  let cfg: ReturnType<typeof optionsFromEnv>;
  try {
    cfg = optionsFromEnv(process.env);
    for (const f of cfg.trustedRootFiles) if (!fs.existsSync(f)) throw new Error(`SIM_TRUSTED_ROOTS: ${f} not found`);
  } catch (err) {
    process.stderr.write(`gib-simulator: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const roots = cfg.trustedRootFiles.map((f) => fs.readFileSync(f));
  const log = createLogger(cfg.options.logLevel ?? 'info');
  const sim = createSimulator({ ...cfg.options, ...(roots.length ? { trustedRoots: roots } : {}) }, log);
  const url = await sim.start(cfg.port, cfg.host);
  log.info({ soap: sim.soapUrl, admin: `${url}/admin` }, 'ready');
  const shutdown = (): void => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

void main();

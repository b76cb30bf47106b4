import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDb, migrate } from '../src/db/connect';
import { listenHttp } from '../src/http/server';

/**
 * The gateway as the benchmark runs it: its own process, embedded defaults (SQLite with synchronous=FULL, blob files
 * fsynced), worker running, logs at the production level written to /dev/null. Prints its port and the test user.
 */
async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-bench-'));
  const config = loadConfig({ ...process.env, GW_DATA_DIR: dataDir, GW_PORT: '0' });
  const db = createDb({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
  await migrate(db);
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const gw = await createApp({ config, db, logger });
  const tenant = await gw.services.tenants.createTenant({ vkn: '1234567801', title: 'BENCH A.S.' });
  await gw.services.tenants.createUser(tenant.id, 'bench', 'bench-password-1');
  if (config.worker.enabled) gw.worker.start();
  const server = await listenHttp(gw.app, 0, '127.0.0.1', config.http);
  const address = server.address();
  process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, username: 'bench', password: 'bench-password-1', dataDir }) + '\n');
  process.on('SIGTERM', async () => {
    server.close();
    await gw.worker.stop();
    await db.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

void main();

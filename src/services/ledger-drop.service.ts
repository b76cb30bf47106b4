/**
 * The e-Defter drop folder (seed 001's FTP/SFTP folder): a directory the gateway watches, one folder per company
 * (`<dir>/<VKN>/`), into which an SFTP server (OpenSSH's internal-sftp, chrooted to the folder, in the tests and in
 * the README's set-up) lets the company put `VKN-YYYYMM.zip`. The gateway takes it as UploadLedger does (same
 * checks, same faults) and moves it out of the way: to `islenen/` when kept, to `hatali/` with a `.hata.txt` beside it
 * saying why when refused — what a company that only has the folder sees.
 *
 * A file is taken only once it is settled (same size and time on two scans in a row): SFTP writes a file as it
 * arrives. It is claimed by renaming it into `.isleniyor/`, which only one process can do, so several gateway
 * processes may watch the same folder.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { listTenants } from '../db/tenants';
import { isGatewayError } from '../faults';
import type { LedgerService } from './ledger.service';

export interface LedgerDropDeps {
  db: Knex;
  dir: string;
  ledgers: Pick<LedgerService, 'receive'>;
  logger: Logger;
  clock: () => Date;
  everyMs: number;
}

const WORKING = '.isleniyor';
const DONE = 'islenen';
const FAILED = 'hatali';

export function createLedgerDropFolder(deps: LedgerDropDeps) {
  const seen = new Map<string, string>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  const stamp = () => deps.clock().toISOString().replace(/[:.]/g, '-');

  async function take(tenant: { id: number; vkn: string }, folder: string, name: string): Promise<'kept' | 'refused' | null> {
    const claimed = path.join(folder, WORKING, name);
    try {
      await fsp.rename(path.join(folder, name), claimed);
    } catch {
      return null; // another process took it
    }
    const caller = { userId: 0, username: 'sftp', tenantId: tenant.id, tenantVkn: tenant.vkn };
    try {
      await deps.ledgers.receive(caller, { fileName: name, data: fs.createReadStream(claimed), via: 'SFTP' });
      await fsp.rename(claimed, path.join(folder, DONE, `${stamp()}-${name}`));
      deps.logger.info({ tenant: tenant.vkn, file: name }, 'e-Defter source taken from the drop folder');
      return 'kept';
    } catch (err) {
      if (!isGatewayError(err) || err.fault === 'INTERNAL') {
        await fsp.rename(claimed, path.join(folder, name)).catch(() => undefined); // tried again on a later scan
        throw err;
      }
      const target = path.join(folder, FAILED, `${stamp()}-${name}`);
      await fsp.rename(claimed, target);
      // Written whole, then named: whoever watches hatali/ (a person, an ERP over SFTP) never reads half a reason.
      await fsp.writeFile(`${target}.hata.tmp`, `${err.spec.code} ${err.message}\n`);
      await fsp.rename(`${target}.hata.tmp`, `${target}.hata.txt`);
      deps.logger.info({ tenant: tenant.vkn, file: name, code: err.spec.code }, 'e-Defter source refused from the drop folder');
      return 'refused';
    }
  }

  /** One look at every company's folder; returns what was taken. */
  async function scan(): Promise<{ kept: number; refused: number }> {
    const out = { kept: 0, refused: 0 };
    for (const tenant of await listTenants(deps.db)) {
      const folder = path.join(deps.dir, tenant.vkn);
      for (const sub of [WORKING, DONE, FAILED]) await fsp.mkdir(path.join(folder, sub), { recursive: true });
      for (const entry of await fsp.readdir(folder, { withFileTypes: true })) {
        if (!entry.isFile() || entry.name.startsWith('.')) continue;
        const file = path.join(folder, entry.name);
        const st = await fsp.stat(file).catch(() => null);
        if (!st) continue;
        const mark = `${st.size}:${st.mtimeMs}`;
        if (seen.get(file) !== mark) {
          seen.set(file, mark); // not settled yet: look again next time
          continue;
        }
        seen.delete(file);
        try {
          const r = await take(tenant, folder, entry.name);
          if (r) out[r]++;
        } catch (err) {
          deps.logger.error({ tenant: tenant.vkn, file: entry.name, err }, 'e-Defter drop folder: file left for the next scan');
        }
      }
    }
    return out;
  }

  return {
    scan: () => (running = running.then(scan, scan)) as Promise<{ kept: number; refused: number }>,
    start(): void {
      if (timer) return;
      const tick = () => {
        running = running.then(scan, scan).catch((err) => deps.logger.error({ err }, 'e-Defter drop folder scan failed'));
        void running.finally(() => {
          if (timer) timer = setTimeout(tick, deps.everyMs);
        });
      };
      timer = setTimeout(tick, deps.everyMs);
    },
    async stop(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = null;
      await running.catch(() => undefined);
    },
  };
}

export type LedgerDropFolder = ReturnType<typeof createLedgerDropFolder>;

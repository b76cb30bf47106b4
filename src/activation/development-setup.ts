/**
 * `npm start`'s demo companies get their e-Fatura and e-Arşiv accounts the way a real customer does (seed 003):
 * ordered and paid, started "Hesap Hemen Açılsın", the contract signed with the company's own seal — here its
 * development seal — and sent to the built-in GİB simulator in a USERENVELOPE, which opens them (1300). Only in the
 * development set-up; billing is not part of it (the demo companies stay without kontör).
 */
import type { Logger } from 'pino';
import { servicesOfTenant } from '../db/tenant-services';
import type { WriteBatcher } from '../db/write-batcher';
import type { MachineStore } from '../db/machine-store';
import type { Knex } from 'knex';
import type { SignerRegistry } from '../services/signer-registry';
import type { ActivationService } from './activation.service';
import type { ServiceCode } from './catalogue';
import { signContract } from './contract';
import { orderServices, payServices } from './service-rows';

const DEMO_SERVICES: ServiceCode[] = ['EFATURA', 'EARSIV'];

export interface DevelopmentSetupDeps {
  db: Knex;
  writer: WriteBatcher;
  store: MachineStore;
  signers: SignerRegistry;
  activation: ActivationService;
  clock: () => Date;
  logger: Logger;
}

/**
 * Opens e-Fatura and e-Arşiv for every tenant that never ordered them, and waits (at most `timeoutMs`) until every
 * tenant's e-Fatura is Aktif. Returns the tenants whose services were started now.
 */
export async function openDemoServices(deps: DevelopmentSetupDeps, tenants: ReadonlyArray<{ id: number; vkn: string }>, timeoutMs = 30_000): Promise<string[]> {
  const started: string[] = [];
  for (const t of tenants) {
    const rows = await servicesOfTenant(deps.db, t.id);
    if (rows.some((r) => r.service === 'EFATURA')) continue;
    const caller = { userId: 0, username: 'gelistirme-kurulumu', tenantId: t.id, tenantVkn: t.vkn };
    const at = deps.clock().toISOString();
    await deps.writer.run(async (trx) => {
      await orderServices(trx, deps.store, t.id, DEMO_SERVICES, at, 'gelistirme-kurulumu');
      await payServices(trx, deps.store, t.id, DEMO_SERVICES, at, 'gelistirme-kurulumu');
    });
    const contract = await deps.activation.start(caller, DEMO_SERVICES.map((service) => ({ service, at: null })));
    if (!contract) continue;
    const signed = await signContract(contract.contract, await deps.signers.signerFor(t.id));
    await deps.activation.submitContract(caller, signed);
    started.push(t.vkn);
  }
  const until = Date.now() + timeoutMs;
  for (;;) {
    const waiting: string[] = [];
    for (const t of tenants) {
      const efatura = (await servicesOfTenant(deps.db, t.id)).find((r) => r.service === 'EFATURA');
      if (efatura && efatura.state !== 'ACTIVE') waiting.push(`${t.vkn} ${efatura.state}`);
    }
    if (waiting.length === 0) return started;
    if (Date.now() > until) {
      deps.logger.warn({ waiting }, 'demo services not Aktif yet; the gateway starts anyway');
      return started;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

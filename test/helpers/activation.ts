/**
 * Service activation in tests: services ordered and paid without going through kontör (the order's own effects,
 * src/activation/service-rows.ts, in one transaction), and a look at a tenant's services as rows.
 */
import type { ServiceCode } from '../../src/activation/catalogue';
import { orderServices, payServices } from '../../src/activation/service-rows';
import { servicesOfTenant, type TenantServiceRow } from '../../src/db/tenant-services';
import type { GatewayApp } from '../../src/app';

/** Orders the services for the tenant and, unless `paid: false`, pays them (Aktivasyon Bekliyor). */
export async function orderedServices(gateway: Pick<GatewayApp, 'writer' | 'store' | 'clock'>, tenantId: number, services: ServiceCode[], opts: { paid?: boolean } = {}): Promise<void> {
  await gateway.writer.run(async (trx) => {
    const at = gateway.clock().toISOString();
    await orderServices(trx, gateway.store, tenantId, services, at, 'test');
    if (opts.paid !== false) await payServices(trx, gateway.store, tenantId, services, at, 'test');
  });
}

export async function serviceRows(gateway: Pick<GatewayApp, 'db'>, tenantId: number): Promise<Record<string, TenantServiceRow>> {
  const out: Record<string, TenantServiceRow> = {};
  for (const r of await servicesOfTenant(gateway.db, tenantId)) out[r.service] = r;
  return out;
}

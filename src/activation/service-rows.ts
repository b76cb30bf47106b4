/**
 * The services an order brings (Onay Bekliyor) and its payment opens (Aktivasyon Bekliyor), inside the order's or
 * the payment's own transaction — used by the kontör module (./credits.ts), whose orders and payments they are.
 */
import type { Knex } from 'knex';
import { entities, type MachineStore } from '../db/machine-store';
import { insertService, serviceOfTenant, setServiceDates } from '../db/tenant-services';
import { GatewayError } from '../faults';
import { activationMachine } from '../machines';
import { serviceContext, type ServiceCode } from './catalogue';

/** States in which a service may be ordered (again): never ordered, or closed. */
export async function orderServices(trx: Knex.Transaction, store: MachineStore, tenantId: number, services: readonly ServiceCode[], at: string, actor: string): Promise<void> {
  for (const service of services) {
    const row = await serviceOfTenant(trx, tenantId, service);
    if (!row) {
      const created = await insertService(trx, { tenantId, service, machine: activationMachine.id, state: activationMachine.initial, context: serviceContext(service), at });
      await store.recordCreated(trx, activationMachine, entities.tenantService(created.id), actor, 'sipariş');
    } else if (row.state === 'CLOSED') {
      await store.apply(entities.tenantService(row.id), { event: 'ORDER', actor, reason: 'yeniden sipariş' }, trx);
      await setServiceDates(trx, row.id, { orderedAt: at, openedAt: null, activationAt: null, envelopeId: null });
    } else {
      throw new GatewayError('ORDER_INVALID', { detail: `${service} zaten sipariş edildi` });
    }
  }
}

/** The order's services are paid: Onay Bekliyor → Aktivasyon Bekliyor, and their Hizmet Açılış Tarihi is now. */
export async function payServices(trx: Knex.Transaction, store: MachineStore, tenantId: number, services: readonly ServiceCode[], at: string, actor: string): Promise<void> {
  for (const service of services) {
    const row = await serviceOfTenant(trx, tenantId, service);
    if (!row || row.state !== 'ORDERED') continue; // ordered again and paid by another order meanwhile
    await store.apply(entities.tenantService(row.id), { event: 'PAY', actor, reason: 'ödeme onaylandı' }, trx);
    await setServiceDates(trx, row.id, { openedAt: at });
  }
}

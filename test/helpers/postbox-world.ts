/**
 * The world of the PostBoxService tests (test/elogo, test/interop/postbox-clients): GİB's simulator in this process
 * over HTTP with fast timings, a gateway using it, a seller (the test tenant) and a buyer registered at GİB with the
 * gateway as their integrator, the worker running.
 */
import { createSimulator, type Simulator } from '../../src/simulator';
import type { Tenant } from '../../src/services/tenant.service';
import { GIB_ENDPOINT_PATH } from '../../src/soap/gib-endpoint';
import { OTHER_VKN, startTestGateway, TEST_VKN, type TestGateway } from './gateway';

export interface PostBoxWorld {
  sim: Simulator;
  gw: TestGateway;
  buyerTenant: Tenant;
  /** http://127.0.0.1:<port> of the gateway. */
  base: string;
  close(): Promise<void>;
}

export async function startPostBoxWorld(opts: { buyer?: string; clock?: () => Date } = {}): Promise<PostBoxWorld> {
  const sim = createSimulator({ timings: { queueMs: 5, processMs: 5, deliverMs: 5, pushRetryMs: 100, deliveryRetryMs: 50 } });
  await sim.start(0);
  const gw = await startTestGateway({
    ...(opts.clock ? { clock: opts.clock } : {}),
    env: { GW_GIB_TICK_MS: '100', GW_GIB_CHECK_EVERY_MS: '100', GW_EARSIV_REPORT_EVERY_MS: '200', GW_GIB_TIMEOUT_MS: '500' },
    deps: { gib: { efaturaUrl: sim.soapUrl, earsivUrl: sim.earsivUrl, cancelPortalUrl: sim.cancelPortalUrl, edefterUrl: sim.edefterUrl } },
  });
  const base = gw.url.replace(/\/soap\/gateway$/, '');
  const buyerTenant = await gw.createTenantUser(OTHER_VKN, opts.buyer ?? 'alici');
  for (const t of [gw.tenant, buyerTenant]) sim.store.upsertUser({ vknTckn: t.vkn, title: t.title, aliases: [{ alias: t.gbAlias, role: 'GB' }, { alias: t.pkAlias, role: 'PK' }] }, new Date());
  sim.store.registerEndpoint({ url: `${base}${GIB_ENDPOINT_PATH}`, aliases: [], vkns: [TEST_VKN, OTHER_VKN] });
  gw.gateway.worker.start();
  return {
    sim,
    gw,
    buyerTenant,
    base,
    async close() {
      await gw.close();
      await sim.stop();
    },
  };
}

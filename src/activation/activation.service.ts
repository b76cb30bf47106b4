/**
 * Service activation (issue 14; seed 003 "Yeni Hizmet Aktivasyon Süreci"): a tenant's paid services are started now
 * or at a future date ("Hesap Hemen Açılsın" / "Hesap İleri Tarihte Açılsın"), the customer signs the electronic
 * contract with its own seal, and each service is opened — at GİB with a USERENVELOPE (HR-XML ProcessUserAccount,
 * sealed by the integrator) for the services GİB keeps accounts for — when its date comes. GİB's system response
 * makes it Aktif (1300) or Hatalı (1182, …); closing sends CancelUserAccount. Every change goes through the
 * activation machine (src/machines/activation.machine.ts); the send waits in the job queue with its date as
 * `run_at`, so it survives restarts and moves when the date is changed.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { enqueueJob, rescheduleWaitingJob } from '../db/jobs';
import { entities, type MachineStore } from '../db/machine-store';
import { tenantById, type TenantRow } from '../db/tenants';
import {
  contractById,
  issueContract,
  markContractSigned,
  openContract,
  serviceById,
  serviceOfTenant,
  servicesOfEnvelope,
  servicesOfTenant,
  setServiceDates,
  type TenantServiceRow,
} from '../db/tenant-services';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError, isGatewayError } from '../faults';
import type { GibCallError } from '../gib/client';
import { buildUserAccount, buildUserEnvelope, gibStatus, GIB_PARTY, USER_SERVICES, userOptionCode, type UserAccountEntry, type UserService } from '../gib/protocol';
import { activationMachine, describeState, type EventOf } from '../machines';
import type { Caller } from '../security/authenticator';
import type { SignerRegistry } from '../services/signer-registry';
import type { Outbox } from '../services/outbox.service';
import { signXml } from '../signing/xades';
import type { BlobStore } from '../storage/blob-store';
import { turkishIsoWithOffset } from '../turkish-time';
import { SERVICES, serviceCode, type ServiceCode } from './catalogue';
import { buildContract, contractIdOf, verifySignedContract, type ContractService } from './contract';
import { activationNotice } from './notices';

/** The job that opens or closes one service when its date comes (payload {id}). */
export const ACTIVATION_SEND_TASK = 'activation.send';
/** The job that mails the tenant about an outcome (payload {table, id, machine}: a machine effect). */
export const ACTIVATION_NOTIFY_TASK = 'activation.notify';

/** States in which a service's account is open at GİB (closing is not closed until GİB says so). */
export const OPEN_STATES: ReadonlySet<string> = new Set(['ACTIVE', 'CLOSE_AWAITING_SEND', 'CLOSE_AWAITING_GIB', 'CLOSE_FAILED']);

/** A date given for "now" may be this far in the past (the caller's clock, the request's travel). */
const NOW_TOLERANCE_MS = 5 * 60_000;

/** The signature of the integrator's user-account documents: inside oa:Signature (Özel Entegrasyon Kılavuzu §5.2). */
const USER_ACCOUNT_SIGNATURE_PLACEMENT = (root: 'ProcessUserAccount' | 'CancelUserAccount') => ({
  parentXPath: `/hr:${root}/oa:ApplicationArea/oa:Signature`,
  namespaces: { hr: 'http://www.hr-xml.org/3', oa: 'http://www.openapplications.org/oagis/9' },
});

export interface ActivationDeps {
  db: Knex;
  writer: WriteBatcher;
  store: MachineStore;
  blobs: BlobStore;
  signers: SignerRegistry;
  clock: () => Date;
  logger: Logger;
  maxAttempts: number;
  /** The integrator as GİB knows it (its VKN, title); null: activation at GİB is not configured (4710). */
  integrator: { vkn: string; title: string } | null;
  /** Roots a customer's seal must chain to (the same as for documents callers sign). */
  trustedRoots: () => Promise<Buffer[]>;
  /** The outbox the USERENVELOPE goes through; null without GİB. */
  outbox: Outbox | null;
  /** Queues an e-mail in the caller's transaction (src/notify); null: notices are only logged. */
  mail: ((trx: Knex.Transaction, m: { key: string; to: string[]; subject: string; text: string }) => Promise<void>) | null;
}

export interface ServiceView {
  service: ServiceCode;
  name: string;
  state: string;
  /** e-Logo's state code (0, 1, 3, 4, 5, 2, -1, 6, -2, -3, -4, -5) and name. */
  code: number;
  description: string;
  /** Hizmet Açılış Tarihi. */
  openedAt: string | null;
  /** Aktivasyon Tarihi: chosen while waiting, reached once Aktif. */
  activationAt: string | null;
  orderedAt: string;
  gibCode: number | null;
  gibDescription: string | null;
  envelopeId: string | null;
}

export interface PlanItem {
  service: ServiceCode;
  /** null: now. */
  at: Date | null;
}

export interface ContractView {
  contractId: string;
  company: { vkn: string; title: string; gbAlias: string; pkAlias: string };
  services: Array<ServiceView & { operation: string; gibXml: string | null }>;
  /** The contract to sign (UTF-8 XML). */
  contract: Buffer;
}

function view(row: TenantServiceRow): ServiceView {
  const d = describeState(activationMachine, row.state, row.context);
  const code = row.service as ServiceCode;
  return {
    service: code,
    name: SERVICES[code]?.name ?? row.service,
    state: row.state,
    code: d.code,
    description: d.description,
    openedAt: row.openedAt,
    activationAt: row.activationAt,
    orderedAt: row.orderedAt,
    gibCode: typeof row.context.gibCode === 'number' ? row.context.gibCode : null,
    gibDescription: typeof row.context.gibDescription === 'string' ? row.context.gibDescription : null,
    envelopeId: row.envelopeId,
  };
}

/** "EFATURA", "EARSIV@2026-12-07T10:00:00+03:00", "EARSIV@hemen": one line of ActivateService's `service`. */
export function parsePlanItem(line: string): PlanItem {
  const [name = '', when] = line.split('@', 2).map((s) => s.trim());
  const service = serviceCode(name);
  if (when === undefined || when === '' || /^(hemen|now)$/i.test(when)) return { service, at: null };
  // A date-time with its offset (xs:dateTime); without one it is Turkish wall-clock time.
  const text = /([+-]\d\d:\d\d|Z)$/.test(when) ? when : `${when}+03:00`;
  const at = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)$/.test(text) ? new Date(text) : new Date(NaN);
  if (Number.isNaN(at.getTime())) throw new GatewayError('REQUEST_FIELD', { field: `service (${service}@tarih: YYYY-AA-GGTSS:DD)` });
  return { service, at };
}

export function createActivationService(deps: ActivationDeps) {
  const { db, store } = deps;
  const now = () => deps.clock();

  function integrator(): { vkn: string; title: string } {
    if (!deps.integrator) throw new GatewayError('ACTIVATION_NOT_CONFIGURED', { detail: 'GW_INTEGRATOR_VKN' });
    return deps.integrator;
  }

  async function tenantOf(tenantId: number): Promise<TenantRow> {
    const tenant = await tenantById(db, tenantId);
    if (!tenant) throw new GatewayError('DOCUMENT_NOT_FOUND');
    return tenant;
  }

  /** The HR-XML document for a service of a tenant (unsigned): the accounts GİB opens or closes. */
  function userAccountDocument(tenant: TenantRow, gib: UserService, action: 'PROCESS' | 'CANCEL', at: Date): Buffer {
    const optionCode = userOptionCode(gib, { publicSector: tenant.publicSector });
    const base = { vknTckn: tenant.vkn, name: tenant.title, optionCode };
    // e-Fatura (and the other services with roles) open the company's GB and PK aliases; the rest no alias at all.
    const accounts: UserAccountEntry[] =
      gib === 'EFATURA' || gib === 'EIRSALIYE'
        ? [
            { ...base, role: 'GB', alias: tenant.gbAlias },
            { ...base, role: 'PK', alias: tenant.pkAlias },
          ]
        : [base];
    return buildUserAccount({ action, integratorVkn: integrator().vkn, createdAt: at, accounts });
  }

  function operation(code: ServiceCode): string {
    return SERVICES[code].opening;
  }

  /** Applies an event to a service; the machine refuses what its state does not allow (SERVICE_STATE here). */
  async function apply(trx: Knex.Transaction, row: TenantServiceRow, event: EventOf<typeof activationMachine>, actor: string, reason: string, extra: { code?: number; codeDescription?: string; contextPatch?: Record<string, unknown> } = {}) {
    try {
      return await store.apply(entities.tenantService(row.id), { event, actor, reason, ...extra }, trx);
    } catch (err) {
      if (isGatewayError(err) && err.fault === 'ILLEGAL_TRANSITION') {
        throw new GatewayError('SERVICE_STATE', { service: SERVICES[row.service as ServiceCode]?.name ?? row.service, state: describeState(activationMachine, row.state, row.context).description }, err);
      }
      throw err;
    }
  }

  async function scheduleSend(trx: Knex.Transaction, row: TenantServiceRow, runAt: Date): Promise<void> {
    const key = `${ACTIVATION_SEND_TASK}:${row.id}:`;
    // One waiting job per service: a changed date moves it; a job already running or done makes way for a new one.
    if (await rescheduleWaitingJob(trx, key, runAt.toISOString())) return;
    await enqueueJob(trx, { task: ACTIVATION_SEND_TASK, key: `${key}${randomUUID()}`, payload: { id: row.id }, runAt: runAt.toISOString(), maxAttempts: deps.maxAttempts, createdAt: now().toISOString() });
  }

  /** The e-Fatura rule of seed 003: its date may not be later than any other service's. */
  function checkEfaturaFirst(dates: Map<ServiceCode, Date | null>): void {
    if (!dates.has('EFATURA')) return;
    const at = (d: Date | null) => (d ?? now()).getTime();
    const efatura = at(dates.get('EFATURA')!);
    for (const [service, d] of dates) {
      if (service !== 'EFATURA' && at(d) < efatura) {
        throw new GatewayError('ACTIVATION_EFATURA_DATE', { detail: `e-Fatura ${turkishIsoWithOffset(new Date(efatura))}, ${SERVICES[service].name} ${turkishIsoWithOffset(new Date(at(d)))}` });
      }
    }
  }

  /** Dates of the services still waiting to open (signature or GİB), as the rule needs them, with `plan` on top. */
  function plannedDates(rows: TenantServiceRow[], plan: readonly PlanItem[]): Map<ServiceCode, Date | null> {
    const dates = new Map<ServiceCode, Date | null>();
    for (const r of rows) {
      if (r.state === 'AWAITING_SIGNATURE' || r.state === 'AWAITING_SEND') dates.set(r.service as ServiceCode, r.activationAt ? new Date(r.activationAt) : null);
    }
    for (const p of plan) dates.set(p.service, p.at);
    return dates;
  }

  function checkDate(at: Date | null): void {
    if (at && at.getTime() < now().getTime() - NOW_TOLERANCE_MS) throw new GatewayError('ACTIVATION_DATE_PAST', { date: turkishIsoWithOffset(at) });
  }

  /** Issues a new contract for every service of the tenant waiting for its signature (superseding the last one). */
  async function issue(trx: Knex.Transaction, tenant: TenantRow): Promise<void> {
    const waiting = (await servicesOfTenant(trx, tenant.id)).filter((r) => r.state === 'AWAITING_SIGNATURE');
    if (waiting.length === 0) return;
    const contractId = randomUUID();
    const at = now();
    const services: ContractService[] = waiting.map((r) => {
      const code = r.service as ServiceCode;
      const gib = SERVICES[code].gib;
      return {
        code,
        name: SERVICES[code].name,
        operation: operation(code),
        activationAt: r.activationAt ? new Date(r.activationAt) : null,
        ...(gib ? { gibDocument: userAccountDocument(tenant, gib, 'PROCESS', at) } : {}),
      };
    });
    const xml = buildContract({ contractId, issuedAt: at, integrator: integrator(), company: { vkn: tenant.vkn, title: tenant.title, gbAlias: tenant.gbAlias, pkAlias: tenant.pkAlias }, services });
    const sha = await deps.blobs.put(xml, trx);
    await issueContract(trx, { tenantId: tenant.id, contractId, services: waiting.map((r) => ({ service: r.service, activationAt: r.activationAt })), xmlSha256: sha, at: at.toISOString() });
  }

  async function contractView(tenantId: number): Promise<ContractView> {
    const tenant = await tenantOf(tenantId);
    const contract = await openContract(db, tenantId);
    if (!contract) throw new GatewayError('CONTRACT_NOT_FOUND');
    const xml = await deps.blobs.get(contract.xmlSha256);
    const rows = await servicesOfTenant(db, tenantId);
    const services = contract.services.map((c) => {
      const row = rows.find((r) => r.service === c.service)!;
      const code = c.service as ServiceCode;
      const gib = SERVICES[code].gib;
      return { ...view(row), operation: operation(code), gibXml: gib ? userAccountDocument(tenant, gib, 'PROCESS', new Date(contract.createdAt)).toString('utf8') : null };
    });
    return { contractId: contract.contractId, company: { vkn: tenant.vkn, title: tenant.title, gbAlias: tenant.gbAlias, pkAlias: tenant.pkAlias }, services, contract: xml };
  }

  const service = {
    /**
     * SendInvoice's gate: a service ordered through activation is used only while it is open (Aktif, or closing but
     * still open at GİB) — an e-Fatura ordered and not yet Aktif, or closed, is refused. A service the tenant never
     * ordered here (a company the operator set up by hand, as before activation existed) is not gated.
     */
    async requireService(tenantId: number, kind: 'EFATURA' | 'EARSIV'): Promise<void> {
      const row = await serviceOfTenant(db, tenantId, kind);
      if (!row || OPEN_STATES.has(row.state)) return;
      throw new GatewayError('SERVICE_NOT_ACTIVE', { service: SERVICES[kind].name, state: describeState(activationMachine, row.state, row.context).description });
    },

    /** The integrator as GİB knows it (ACTIVATION_NOT_CONFIGURED without one). */
    integrator,

    /** The company as GİB will know it (ActivateService's "Firma Bilgileri"). */
    async company(caller: Caller): Promise<ContractView['company']> {
      const t = await tenantOf(caller.tenantId);
      return { vkn: t.vkn, title: t.title, gbAlias: t.gbAlias, pkAlias: t.pkAlias };
    },

    /** Hizmetlerim: every service of the tenant with its state and dates. */
    async list(caller: Caller): Promise<ServiceView[]> {
      return (await servicesOfTenant(db, caller.tenantId)).map(view);
    },

    /**
     * "Aktivasyonu Başlat": each service now or at its date. Services with no contract open at once; the others
     * wait for the customer's signature on the contract issued here (every service then waiting is in it). A
     * failed opening (Hatalı, Hizmet Açılışı Başarısız) may be started again. All or nothing.
     */
    async start(caller: Caller, plan: readonly PlanItem[]): Promise<ContractView | null> {
      if (plan.length === 0) throw new GatewayError('REQUEST_FIELD', { field: 'service' });
      if (new Set(plan.map((p) => p.service)).size !== plan.length) throw new GatewayError('REQUEST_FIELD', { field: 'service (birden fazla)' });
      for (const p of plan) checkDate(p.at);
      const tenant = await tenantOf(caller.tenantId);
      const actor = `user:${caller.username}`;
      let contract = false;
      await deps.writer.run(async (trx) => {
        const rows = await servicesOfTenant(trx, tenant.id);
        checkEfaturaFirst(plannedDates(rows, plan));
        for (const p of plan) {
          let row = rows.find((r) => r.service === p.service);
          const name = SERVICES[p.service].name;
          if (!row || row.state === 'ORDERED' || row.state === 'CLOSED') throw new GatewayError('SERVICE_NOT_PAID', { service: name });
          if (row.state === 'ERROR' || row.state === 'OPEN_FAILED') {
            await apply(trx, row, 'RESTART', actor, 'aktivasyon yeniden başlatıldı');
            await setServiceDates(trx, row.id, { envelopeId: null }); // the failed envelope is history
            row = (await serviceById(trx, row.id))!;
          }
          const when = p.at ? `${turkishIsoWithOffset(p.at)} tarihinde` : 'hemen';
          if (!SERVICES[p.service].contract) {
            await apply(trx, row, 'OPEN', actor, `${name} açıldı (GİB hesabı ve sözleşme gerekmez)`);
            await setServiceDates(trx, row.id, { activationAt: now().toISOString() });
            continue;
          }
          if (row.state === 'AWAITING_SIGNATURE') await apply(trx, row, 'CHANGE_DATE', actor, `hesap ${when} açılsın`);
          else await apply(trx, row, 'START', actor, `hesap ${when} açılsın`);
          await setServiceDates(trx, row.id, { activationAt: p.at ? p.at.toISOString() : null });
          contract = true;
        }
        if (contract) await issue(trx, tenant);
      });
      return contract ? contractView(tenant.id) : null;
    },

    /**
     * "Değiştir": a new date (or now) for a service still waiting — for its signature (a new contract is issued,
     * its dates are in it) or for its date to come (the send job moves).
     */
    async changeDate(caller: Caller, item: PlanItem): Promise<ServiceView> {
      checkDate(item.at);
      const tenant = await tenantOf(caller.tenantId);
      const actor = `user:${caller.username}`;
      const id = await deps.writer.run(async (trx) => {
        const rows = await servicesOfTenant(trx, tenant.id);
        const row = rows.find((r) => r.service === item.service);
        if (!row) throw new GatewayError('SERVICE_NOT_PAID', { service: SERVICES[item.service].name });
        // Once its envelope is made the service is on its way to GİB: too late to change.
        if (row.envelopeId && row.state === 'AWAITING_SEND') throw new GatewayError('SERVICE_STATE', { service: SERVICES[item.service].name, state: "GİB'e gönderiliyor" });
        checkEfaturaFirst(plannedDates(rows, [item]));
        const when = item.at ? `${turkishIsoWithOffset(item.at)} tarihinde` : 'hemen';
        await apply(trx, row, 'CHANGE_DATE', actor, `tarih değişti: hesap ${when} açılsın`);
        await setServiceDates(trx, row.id, { activationAt: item.at ? item.at.toISOString() : null });
        if (row.state === 'AWAITING_SIGNATURE') await issue(trx, tenant);
        else await scheduleSend(trx, row, item.at ?? now());
        return row.id;
      });
      return view((await serviceById(db, id))!);
    },

    /** The contract waiting for the customer's signature, with the company details and each service's GİB XML. */
    async contract(caller: Caller): Promise<ContractView> {
      return contractView(caller.tenantId);
    },

    /**
     * The contract signed with the customer's seal: verified (signature, trusted root, the tenant's own VKN/TCKN,
     * content as issued), then each of its services waits for its date (sent at once when it is now). Answers one
     * line per service, as the seed's activation tool does.
     */
    async submitContract(caller: Caller, signed: Buffer): Promise<{ contractId: string; results: string[]; services: ServiceView[] }> {
      const contractId = contractIdOf(signed);
      const row = await contractById(db, caller.tenantId, contractId);
      if (!row) throw new GatewayError('CONTRACT_CHANGED', { detail: `${contractId} bu firmaya düzenlenmedi` });
      if (row.state !== 'ISSUED') throw new GatewayError('CONTRACT_NOT_FOUND');
      const issued = await deps.blobs.get(row.xmlSha256);
      const verified = await verifySignedContract(signed, issued, { trustedRoots: await deps.trustedRoots(), tenantVkn: caller.tenantVkn, now: now() });
      const actor = `user:${caller.username}`;
      const signer = `${verified.signerId ?? ''} ${createHash('sha256').update(verified.certificate).digest('hex').slice(0, 16)}`;
      const ids: number[] = [];
      await deps.writer.run(async (trx) => {
        const sha = await deps.blobs.put(signed, trx);
        if (!(await markContractSigned(trx, row.id, { signedSha256: sha, signer, at: now().toISOString() }))) throw new GatewayError('CONTRACT_NOT_FOUND');
        for (const c of row.services) {
          const s = await serviceOfTenant(trx, caller.tenantId, c.service);
          if (!s || s.state !== 'AWAITING_SIGNATURE') continue;
          await apply(trx, s, 'SIGN', actor, `sözleşme ${contractId} mali mühürle imzalandı (${verified.signerId})`, { contextPatch: { contractId } });
          await scheduleSend(trx, s, s.activationAt ? new Date(s.activationAt) : now());
          ids.push(s.id);
        }
      });
      const services = await Promise.all(ids.map(async (id) => view((await serviceById(db, id))!)));
      return { contractId, results: services.map((s) => `${operation(s.service)}. Sonuç: Başarılı`), services };
    },

    /** "Hizmeti Kapat": closing at GİB (CancelUserAccount) or, for a service without a GİB account, at once. */
    async close(caller: Caller, code: ServiceCode): Promise<ServiceView> {
      const actor = `user:${caller.username}`;
      const id = await deps.writer.run(async (trx) => {
        const row = await serviceOfTenant(trx, caller.tenantId, code);
        if (!row) throw new GatewayError('SERVICE_NOT_PAID', { service: SERVICES[code].name });
        await apply(trx, row, 'CLOSE', actor, 'hizmetin kapatılması istendi');
        await setServiceDates(trx, row.id, { envelopeId: null });
        await scheduleSend(trx, row, now());
        return row.id;
      });
      return view((await serviceById(db, id))!);
    },

    /**
     * activation.send: a service whose date has come. Without a GİB account it opens (or closes) here; otherwise
     * its user-account document is sealed by the integrator and goes to GİB in a USERENVELOPE through the outbox
     * (retried there while GİB is away: the service stays "GİB'e Gönderimi Bekliyor" until GİB has it).
     */
    async send(id: number): Promise<void> {
      const row = await serviceById(db, id);
      if (!row || (row.state !== 'AWAITING_SEND' && row.state !== 'CLOSE_AWAITING_SEND')) return;
      if (row.envelopeId) return; // made already; the outbox sends it
      const closing = row.state === 'CLOSE_AWAITING_SEND';
      if (!closing && row.activationAt && new Date(row.activationAt).getTime() > now().getTime()) return; // moved later
      const code = row.service as ServiceCode;
      const gib = SERVICES[code].gib;
      if (!gib) {
        await deps.writer.run(async (trx) => {
          await apply(trx, row, 'OPEN', 'worker', closing ? 'hizmet kapatıldı' : 'hizmet açıldı (GİB hesabı gerekmez)');
          await setServiceDates(trx, row.id, { activationAt: now().toISOString() });
        });
        return;
      }
      const outbox = deps.outbox;
      if (!outbox) throw new GatewayError('ACTIVATION_NOT_CONFIGURED', { detail: 'GİB bağlantısı yok' });
      const tenant = await tenantOf(row.tenantId);
      const at = now();
      const action = closing ? 'CANCEL' : 'PROCESS';
      const unsigned = userAccountDocument(tenant, gib, action, at);
      const me = integrator();
      const signed = await signXml(unsigned, await deps.signers.integratorSigner(me), {
        placement: USER_ACCOUNT_SIGNATURE_PLACEMENT(closing ? 'CancelUserAccount' : 'ProcessUserAccount'),
        claimedRole: null,
      });
      const envelopeId = randomUUID().toUpperCase();
      const sender = { alias: USER_SERVICES[gib].alias, vknTckn: me.vkn, title: me.title };
      const xml = buildUserEnvelope({ envelopeId, createdAt: at, service: gib, integrator: { vknTckn: me.vkn, title: me.title }, action, documents: [signed] });
      const prepared = await outbox.prepare({
        id: envelopeId,
        tenantId: row.tenantId,
        type: 'USERENVELOPE',
        elementType: closing ? 'CANCELUSERACCOUNT' : 'PROCESSUSERACCOUNT',
        sender,
        receiver: { ...GIB_PARTY },
        xml,
      });
      await deps.writer.run(async (trx) => {
        const again = await serviceById(trx, id);
        if (!again || again.version !== row.version || again.envelopeId) return; // changed meanwhile: its own job follows
        await outbox.record(trx, prepared);
        await setServiceDates(trx, id, { envelopeId });
      });
    },

    /** The outbox's hooks for USERENVELOPEs: GİB has it (→ waiting for GİB's answer), or GİB refused it outright. */
    envelopeHooks: {
      async onSent(trx: Knex.Transaction, envelope: { id: string }): Promise<void> {
        for (const row of await servicesOfEnvelope(trx, envelope.id)) {
          await apply(trx, row, 'SEND', 'worker', `USERENVELOPE ${envelope.id} GİB'e gönderildi`);
        }
      },
      async onRefused(trx: Knex.Transaction, envelope: { id: string }, err: GibCallError): Promise<void> {
        for (const row of await servicesOfEnvelope(trx, envelope.id)) {
          await apply(trx, row, 'SEND_REFUSED', 'gib', `GİB zarfı reddetti: ${err.message}`.slice(0, 1000), {
            contextPatch: { gibCode: err.gibCode ?? null, gibDescription: err.message.slice(0, 500) },
          });
        }
      },
    },

    /**
     * GİB's system response about a USERENVELOPE (pushed or polled; src/services/gib-status.service.ts): 1300 opens
     * (or closes) the services sent in it, an error makes them Hatalı (or Hizmet Kapanışı Başarısız) with GİB's text.
     * Intermediate codes and repeated answers change nothing.
     */
    async applyGibResponse(trx: Knex.Transaction, envelopeId: string, code: number, description: string): Promise<void> {
      const ok = code === 1300;
      if (!ok && gibStatus(code).outcome !== 'error') return;
      for (const row of await servicesOfEnvelope(trx, envelopeId)) {
        if (row.state !== 'AWAITING_GIB' && row.state !== 'CLOSE_AWAITING_GIB') continue; // late or repeated
        const reason = `GİB sistem yanıtı: (${code}) ${description}`.slice(0, 1000);
        await apply(trx, row, ok ? 'GIB_OK' : 'GIB_ERROR', 'gib', reason, { contextPatch: { gibCode: code, gibDescription: description.slice(0, 500) } });
        if (ok && row.state === 'AWAITING_GIB') await setServiceDates(trx, row.id, { activationAt: now().toISOString() });
      }
    },

    /** activation.notify: the tenant's e-mail about the service's outcome (queued; SMTP being away blocks nothing). */
    async notify(id: number): Promise<void> {
      const row = await serviceById(db, id);
      if (!row) return;
      const tenant = await tenantOf(row.tenantId);
      const notice = activationNotice({ tenant, service: row.service as ServiceCode, state: row.state, context: row.context, at: now() });
      if (!notice) return;
      if (!tenant.email || !deps.mail) {
        deps.logger.info({ tenant: tenant.vkn, service: row.service, state: row.state }, tenant.email ? 'activation notice not mailed: no mailer' : 'activation notice not mailed: the tenant has no e-mail address');
        return;
      }
      const mail = deps.mail;
      await deps.writer.run((trx) => mail(trx, { key: `activation:${row.id}:${row.version}`, to: [tenant.email!], subject: notice.subject, text: notice.text }));
    },
  };
  return service;
}

export type ActivationService = ReturnType<typeof createActivationService>;

/** Development set-up: the integrator when GW_INTEGRATOR_VKN is not set and the seals are development seals. */
export const DEVELOPMENT_INTEGRATOR = { vkn: '4840847211', title: 'AÇIK ENTEGRATÖR (GELİŞTİRME)' } as const;


/**
 * The GİB simulator: GİB's EFatura web service (../shared/gib/e-fatura-paketi/wsdl/EFatura_Test.wsdl, SOAP 1.2
 * document/literal) and Merkez's machine behind it, with its own store, an admin JSON API for tests and fault
 * injection. HTTP only: the gateway reaches it like it reaches GİB. `createSimulator` builds it without listening;
 * `start(port)` listens (main.ts runs it as its own process).
 *
 *   POST /EFatura (also /EFaturaMerkez/services/EFatura, GİB's path)   sendDocument, getApplicationResponse
 *   GET  /EFatura?wsdl                                                 GİB's WSDL with this address in it
 *   /admin/…                                                           see adminRoutes below
 *   /FaturaIptal/…                                                     e-Fatura İptal Portalı, see cancel-portal.ts
 *   POST /EArsiv, GET /EArsiv?wsdl, /admin/earsiv/…                    GİB's e-Arşiv service, see earsiv.ts
 *   POST /EDefter, /admin/edefter/…                                    GİB's e-Defter service, see edefter.ts
 */
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { isGatewayError } from '../faults';
import {
  GibProtocolError,
  buildEFaturaFault,
  buildGetApplicationResponseResponse,
  buildSendDocumentResponse,
  parseSoapMessage,
  soapContentType,
  EFATURA_FAULT_KIND,
} from '../gib/protocol';
import { createLogger } from '../log';
import { GibMerkez, MAX_XML_BYTES } from './engine';
import { simulatorPackage } from './gib-package';
import { CANCEL_PORTAL_PATH, createCancelPortal } from './cancel-portal';
import { EARSIV_PATHS, createEarsivService } from './earsiv';
import { EDEFTER_PATHS, createEdefterService } from './edefter';
import { simulatorSeal } from './seal';
import { DEFAULT_TIMINGS, noFaults, type FaultInjection, type SimulatorOptions, type SimulatorTimings } from './options';
import { SimulatorStore, type AliasRole, type SimEnvelope } from './store';
import { HeldRequests, OutgoingHttp, Scheduler } from './transport';
import { listenHttp } from '../http/server';
import { SOAP_REQUEST_LIMITS } from '../xml/parse';

export { optionsFromEnv, DEFAULT_TIMINGS, type SimulatorOptions, type SimulatorTimings, type FaultInjection } from './options';
export type { SimEnvelope, SimUser, SimEndpoint, PushRecord } from './store';

export const SOAP_PATHS = ['/EFatura', '/EFaturaMerkez/services/EFatura'];
const MAX_REQUEST_BYTES = 150 * 1024 * 1024;

export interface Simulator {
  app: express.Express;
  store: SimulatorStore;
  faults: FaultInjection;
  timings: SimulatorTimings;
  /** Listens on `port` (0: any free port) and returns the base URL, e.g. http://127.0.0.1:8090. */
  start(port?: number, host?: string): Promise<string>;
  /** The sendDocument/getApplicationResponse URL once started. */
  readonly soapUrl: string;
  /** The e-Fatura cancellation portal's base URL once started (…/FaturaIptal, see cancel-portal.ts). */
  readonly cancelPortalUrl: string;
  /** The e-Arşiv service's URL once started (…/EArsiv: sendDocumentFile, getBatchStatus, getUserList; earsiv.ts). */
  readonly earsivUrl: string;
  /** The e-Defter service's URL once started (…/EDefter: sendDocumentFile, getBatchStatus, receiveDocumentFile). */
  readonly edefterUrl: string;
  /** The root certificate (PEM) of the seal GİB's e-Defter approvals are made with. */
  gibSealRoot(): Promise<string>;
  /** Waits until no step is pending (pushes that keep failing keep it busy until they are given up). */
  idle(timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
}

/** An envelope as the admin API shows it: no bytes. */
export function envelopeView(e: SimEnvelope): Omit<SimEnvelope, 'zip'> & { zipBytes: number } {
  const { zip, ...rest } = e;
  return { ...rest, zipBytes: zip.length };
}

export function createSimulator(opts: SimulatorOptions = {}, logger?: Logger): Simulator {
  const log = (logger ?? createLogger(opts.logLevel ?? 'silent')).child({ component: 'gib-simulator' });
  const timings: SimulatorTimings = { ...DEFAULT_TIMINGS, ...opts.timings };
  const faults: FaultInjection = { ...noFaults(), ...opts.faults, failDeliveries: { ...opts.faults?.failDeliveries } };
  const clock = opts.clock ?? (() => new Date());
  const store = new SimulatorStore(opts.dataDir);
  const outgoing = new OutgoingHttp(timings.requestTimeoutMs);
  const scheduler = new Scheduler((err) => log.error({ err }, 'simulator step failed'));
  const trustedRoots = async () => (typeof opts.trustedRoots === 'function' ? await opts.trustedRoots() : opts.trustedRoots ?? []);
  const gibPackage = simulatorPackage(opts.gibDir, { maxXmlBytes: MAX_XML_BYTES, clock });
  const merkez = new GibMerkez({
    store,
    http: outgoing,
    scheduler,
    log,
    timings,
    faults,
    clock,
    pushFinalStates: opts.pushFinalStates ?? false,
    requireApplication: opts.requireApplication ?? false,
    gibPackage,
    trustedRoots,
  });
  for (const u of opts.users ?? []) store.upsertUser(u, clock());
  for (const v of opts.applications ?? []) store.addApplication(v);
  for (const e of opts.endpoints ?? []) store.registerEndpoint({ url: e.url, aliases: e.aliases ?? [], vkns: e.vkns ?? [], ...(e.name ? { name: e.name } : {}) });

  const held = new HeldRequests();
  let server: http.Server | null = null;
  let baseUrl = '';

  const app = express();
  app.disable('x-powered-by');
  const cancelPortal = createCancelPortal({ store, clock, log, trustedRoots });
  app.use(CANCEL_PORTAL_PATH, cancelPortal.router);
  // GİB's e-Arşiv service and its admin views (earsiv.ts)
  const earsiv = createEarsivService({ store, scheduler, log, timings, faults, clock, gibPackage, trustedRoots, ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}) });
  app.use(earsiv.router);
  // GİB's e-Defter service (edefter.ts), whose approvals carry the simulator's own seal (seal.ts)
  const seal = simulatorSeal(opts.dataDir);
  const edefter = createEdefterService({ scheduler, log, timings, faults, clock, gibPackage, trustedRoots, seal, ...(opts.edefterSenders ? { senders: opts.edefterSenders } : {}) });
  app.use(edefter.router);

  // --- GİB's EFatura service ------------------------------------------------------------------------------------

  const sendSoap = (res: Response, status: number, body: Buffer): void => {
    res.status(status).type(soapContentType()).send(body);
  };
  const sendFault = (res: Response, code: number, msg?: string): void => {
    // SOAP 1.2 HTTP binding: a Sender fault is 400, a Receiver fault 500.
    sendSoap(res, EFATURA_FAULT_KIND[code]?.soap === 'Sender' ? 400 : 500, buildEFaturaFault(code, msg));
  };

  for (const p of SOAP_PATHS) {
    app.get(p, (req: Request, res: Response) => {
      const file = 'wsdl' in req.query ? gibPackage.wsdl('efaturaWsdl') : null;
      if (!file) {
        res.status(404).type('text/plain').send('WSDL: GİB paketi (gibDir) yapılandırılmadı veya ?wsdl eksik');
        return;
      }
      const here = opts.publicUrl ? `${opts.publicUrl.replace(/\/$/, '')}${p}` : `${req.protocol}://${req.get('host')}${p}`;
      const wsdl = file.replace(/(<soap12:address\s+location=")[^"]*(")/, `$1${here}$2`);
      res.type('text/xml').send(wsdl);
    });

    app.post(p, express.raw({ type: () => true, limit: MAX_REQUEST_BYTES }), async (req: Request, res: Response) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let msg;
      try {
        msg = parseSoapMessage(body, SOAP_REQUEST_LIMITS);
      } catch (err) {
        log.info({ err: isGatewayError(err) ? err.message : String(err) }, 'unreadable SOAP request');
        sendFault(res, 2005, 'SISTEM HATASI');
        return;
      }
      try {
        if (msg.kind === 'sendDocument') {
          if (!msg.binaryData) throw new GibProtocolError(2005, 'MTOM eki desteklenmiyor');
          const hold = faults.sendDocumentTimeouts > 0;
          if (hold) faults.sendDocumentTimeouts--;
          if (hold && !faults.acceptHeld) {
            holdRequest(res);
            return;
          }
          const { md5 } = merkez.receive(msg.fileName, msg.binaryData, msg.hash);
          if (hold) {
            holdRequest(res);
            return;
          }
          // Ek-3 §7.2.1: the answer carries the hash Merkez computed itself.
          sendSoap(res, 200, buildSendDocumentResponse({ msg: 'ZARF KUYRUGA EKLENDI', hash: md5 }));
          return;
        }
        if (msg.kind === 'getApplicationResponse') {
          const env = store.getEnvelope(msg.instanceIdentifier);
          if (!env || env.type === 'SYSTEMENVELOPE') throw new GibProtocolError(2004, msg.instanceIdentifier);
          sendSoap(res, 200, buildGetApplicationResponseResponse(merkez.systemEnvelopeFor(env)));
          return;
        }
        sendFault(res, 2005, 'SISTEM HATASI');
      } catch (err) {
        if (err instanceof GibProtocolError && err.synchronous) {
          sendFault(res, err.gibCode);
          return;
        }
        log.error({ err }, 'sendDocument failed');
        sendFault(res, 2005);
      }
    });
  }

  /** A "timeout": no answer (see HeldRequests). */
  const holdRequest = (res: Response): void => held.hold(res, faults.holdMs);

  // --- admin API (JSON) -----------------------------------------------------------------------------------------

  const admin = express.Router();
  admin.use(express.json({ limit: '1mb' }));

  admin.get('/envelopes', (req: Request, res: Response) => {
    let list = [...store.envelopes.values()];
    const { type, sender, receiver } = req.query as Record<string, string | undefined>;
    if (type) list = list.filter((e) => e.type === type);
    if (sender) list = list.filter((e) => e.sender?.vknTckn === sender || e.sender?.alias === sender);
    if (receiver) list = list.filter((e) => e.receiver?.vknTckn === receiver || e.receiver?.alias === receiver);
    res.json(list.map(envelopeView));
  });
  admin.get('/envelopes/:id', (req: Request, res: Response) => {
    const e = store.getEnvelope(String(req.params.id));
    if (!e) {
      res.status(404).json({ error: 'ZARF ID BULUNAMADI' });
      return;
    }
    res.json({ ...envelopeView(e), pushes: store.pushes.filter((p) => p.aboutEnvelopeId.toLowerCase() === e.id.toLowerCase() || p.systemEnvelopeId === e.id) });
  });
  admin.get('/cancel-requests', cancelPortal.adminList);
  admin.get('/pushes', (_req: Request, res: Response) => {
    res.json(store.pushes);
  });

  admin.get('/users', (_req: Request, res: Response) => {
    res.json(store.listUsers());
  });
  admin.post('/users', (req: Request, res: Response) => {
    const list = (Array.isArray(req.body) ? req.body : [req.body]) as Array<Record<string, unknown>>;
    try {
      const out = list.map((u) => {
        const vknTckn = String(u.vknTckn ?? '');
        if (!/^[0-9]{10,11}$/.test(vknTckn)) throw new Error(`vknTckn 10 veya 11 haneli olmalı: ${vknTckn}`);
        const aliases = ((u.aliases ?? []) as Array<{ alias?: unknown; role?: unknown }>).map((a) => {
          if (typeof a.alias !== 'string' || !a.alias || (a.role !== 'GB' && a.role !== 'PK')) throw new Error('aliases: {alias, role: GB|PK}');
          return { alias: a.alias, role: a.role as AliasRole };
        });
        return store.upsertUser({ vknTckn, ...(typeof u.title === 'string' ? { title: u.title } : {}), aliases }, clock());
      });
      res.status(201).json(out);
    } catch (err) {
      res.status(400).json({ error: (err as Error).message });
    }
  });
  admin.delete('/users/:vkn', (req: Request, res: Response) => {
    const alias = typeof req.query.alias === 'string' ? req.query.alias : undefined;
    res.status(store.removeUser(String(req.params.vkn), alias) ? 204 : 404).end();
  });

  // Taxpayers that applied to GİB for e-Fatura (what requireApplication asks for before opening one).
  admin.get('/applications', (_req: Request, res: Response) => {
    res.json(store.listApplications());
  });
  admin.post('/applications', (req: Request, res: Response) => {
    const vkn = String((req.body as { vknTckn?: unknown })?.vknTckn ?? '');
    if (!/^[0-9]{10,11}$/.test(vkn)) {
      res.status(400).json({ error: `vknTckn 10 veya 11 haneli olmalı: ${vkn}` });
      return;
    }
    store.addApplication(vkn);
    res.status(201).json({ vknTckn: vkn });
  });
  admin.delete('/applications/:vkn', (req: Request, res: Response) => {
    res.status(store.removeApplication(String(req.params.vkn)) ? 204 : 404).end();
  });

  admin.get('/endpoints', (_req: Request, res: Response) => {
    res.json(store.listEndpoints());
  });
  admin.post('/endpoints', (req: Request, res: Response) => {
    const b = req.body as { url?: unknown; aliases?: unknown; vkns?: unknown; name?: unknown };
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url)) {
      res.status(400).json({ error: 'url http(s) adresi olmalı' });
      return;
    }
    const e = { url: b.url, aliases: strings(b.aliases), vkns: strings(b.vkns), ...(typeof b.name === 'string' ? { name: b.name } : {}) };
    store.registerEndpoint(e);
    res.status(201).json(e);
  });
  admin.delete('/endpoints', (req: Request, res: Response) => {
    res.status(store.removeEndpoint(String(req.query.url ?? '')) ? 204 : 404).end();
  });

  admin.get('/faults', (_req: Request, res: Response) => {
    res.json(faults);
  });
  admin.post('/faults', (req: Request, res: Response) => {
    const b = req.body as Partial<FaultInjection>;
    for (const k of ['sendDocumentTimeouts', 'holdMs', 'losePushes', 'duplicatePushes', 'rejectReports', 'earsivTimeouts', 'rejectLedgers', 'edefterTimeouts'] as const) {
      if (b[k] !== undefined) {
        if (!Number.isInteger(b[k]) || (b[k] as number) < 0) {
          res.status(400).json({ error: `${k} sıfır veya pozitif tam sayı olmalı` });
          return;
        }
        faults[k] = b[k] as number;
      }
    }
    if (b.acceptHeld !== undefined) faults.acceptHeld = Boolean(b.acceptHeld);
    if (b.failDeliveries && typeof b.failDeliveries === 'object') {
      for (const [key, n] of Object.entries(b.failDeliveries)) faults.failDeliveries[key] = Math.max(0, Math.trunc(Number(n) || 0));
    }
    res.json(faults);
  });
  admin.delete('/faults', (_req: Request, res: Response) => {
    Object.assign(faults, noFaults());
    res.json(faults);
  });

  admin.post('/reset', (req: Request, res: Response) => {
    const b = (req.body ?? {}) as { users?: boolean; endpoints?: boolean };
    store.reset({ ...(b.users !== undefined ? { users: b.users } : {}), ...(b.endpoints !== undefined ? { endpoints: b.endpoints } : {}) });
    Object.assign(faults, noFaults());
    res.status(204).end();
  });
  admin.get('/health', (_req: Request, res: Response) => {
    res.json({ ok: true, envelopes: store.envelopes.size, users: store.listUsers().length, timings });
  });
  app.use('/admin', admin);

  return {
    app,
    store,
    faults,
    timings,
    get soapUrl() {
      return `${baseUrl}${SOAP_PATHS[0]}`;
    },
    get cancelPortalUrl() {
      return `${baseUrl}${CANCEL_PORTAL_PATH}`;
    },
    get earsivUrl() {
      return `${baseUrl}${EARSIV_PATHS[0]}`;
    },
    get edefterUrl() {
      return `${baseUrl}${EDEFTER_PATHS[0]}`;
    },
    gibSealRoot: async () => (await seal()).rootPem,
    async start(port = 0, host = '127.0.0.1') {
      if (server) throw new Error('simulator already started');
      const s = await listenHttp(app, port, host, opts.http);
      server = s;
      const addr = s.address() as AddressInfo;
      baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
      log.info({ url: baseUrl }, 'GİB simulator listening');
      return baseUrl;
    },
    idle: (timeoutMs) => scheduler.idle(timeoutMs),
    async stop() {
      held.stop();
      earsiv.stop();
      edefter.stop();
      outgoing.close();
      await scheduler.stop();
      if (server) {
        const s = server;
        server = null;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}

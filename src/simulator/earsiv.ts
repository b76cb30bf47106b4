/**
 * GİB's e-Arşiv web service in the simulator (../shared/gib/earsiv/EArsivWs.wsdl, SOAP 1.2 document/literal; the
 * codec is src/gib/protocol/earsiv-ws.ts, whose file comment gives the sources of every code used here):
 *
 *   POST /EArsiv (also /earsiv/services/EArsivWsPort, GİB's path)   sendDocumentFile, getBatchStatus, getUserList
 *   GET  /EArsiv?wsdl                                                GİB's WSDL with this address in it (gibDir)
 *   GET  /admin/earsiv/reports[?vkn=…]                               reports received (no bytes), oldest first
 *   GET  /admin/earsiv/reports/:paketId                              the latest upload of a package, all uploads
 *
 * sendDocumentFile takes `<raporNo>.zip` holding one `<raporNo>.xml`, the signed eArsivRaporu. Checked at once,
 * each answered with an EArsivFault: Attachment present (103), a name (104) of the form `<UUID>.zip` (108), content
 * (105) under the size limit (106), a ZIP (1110) that opens (1130, CRC-32 included — the WSDL's attachment carries
 * no hash, so the ZIP's own checksum is the integrity check), holding exactly one file (1131) named `*.xml` (1132)
 * without a path (1133), and that file `<raporNo>.xml` (1133); a package ID already pending or accepted: 111
 * (a rejected one may be sent again, and getBatchStatus then reports the latest upload, as e-Defter's does, Web
 * Servis Kılavuzu §2.3). The answer's `return` is the package ID, the raporNo.
 *
 * After `timings.reportMs` the report is checked (durumKodu 1000 → 1100 → verdict), in GİB's order:
 *   parse (1132/1140/1160 from parseEarsivReport) → raporNo = package name (1142) → EArsiv.xsd with libxml2 when
 *   gibDir is set, else the codec-level checks of the schema's simple types below (1160) → signature: present
 *   (1161), and with trustedRoots verified (1177) by a certificate with a VKN/TCKN (1161) that is the report's
 *   preparer (hazirlayan, normally the integrator) or its taxpayer (mukellef) (1176) → no ETTN twice in the report
 *   (1150; EArsiv.xsd makes only faturaNo unique) → no ETTN or invoice number
 *   that an earlier accepted report of the same taxpayer already carried, and no second cancellation of a number
 *   (1163; the cancellation of an invoice reported earlier is what a cancellation is) → 1300.
 * FaultInjection.rejectReports rejects the next N reports with 1150; earsivTimeouts holds the next N calls.
 */
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { isGatewayError } from '../faults';
import {
  EARSIV_FAULTS,
  EarsivFaultError,
  GibProtocolError,
  buildEArsivFault,
  buildGetBatchStatusResponse,
  buildGetUserListResponse,
  buildSendDocumentFileResponse,
  buildUserList,
  earsivBatchOutcome,
  earsivBatchText,
  earsivContentType,
  earsivSchematronFailures,
  gibErrorFromArchive,
  parseEarsivReport,
  parseEarsivSoapMessage,
  reportIdFromFileName,
  soap12Fault,
  turkishTime,
  type GibUser,
  type ParsedEarsivReport,
  type UserListRole,
} from '../gib/protocol';
import { UUID_RE } from '../gib/protocol/markup';
import { verifyXml } from '../signing/verify';
import type { SimulatorPackage } from './gib-package';
import { unpackDocument } from '../zip/read';
import { zipOne } from '../zip/write';
import { SOAP_REQUEST_LIMITS, parseXml } from '../xml/parse';
import type { FaultInjection, SimulatorTimings } from './options';
import type { SimulatorStore, StateEntry } from './store';
import { HeldRequests, type Scheduler } from './transport';

export const EARSIV_PATHS = ['/EArsiv', '/earsiv/services/EArsivWsPort'];

/** Largest package taken (106 above it) and largest report once unzipped (1130). */
const MAX_PACKAGE_BYTES = 100 * 1024 * 1024;
const MAX_REPORT_BYTES = 200 * 1024 * 1024;

/** One upload of a report package. */
export interface SimEarsivReport {
  /** The package ID: the raporNo the file is named after. */
  paketId: string;
  /** 1 for the first upload of this package ID, 2 for a resend after a rejection, … */
  attempt: number;
  fileName: string;
  zip: Buffer;
  /** The report file inside the ZIP. */
  xml: Buffer;
  receivedAt: string;
  /** durumKodu: 1000, 1100, then 1300 or an 11xx error. */
  state: number;
  history: StateEntry[];
  /** From the report once parsed (null before, or when it could not be read). */
  taxpayer: string | null;
  integrator: string | null;
  /** VKN/TCKN of the verified signer (trustedRoots configured), else null. */
  signerId: string | null;
  invoices: Array<{ ettn: string; number: string }>;
  /** faturaIptal/faturaNo of each cancellation. */
  cancellations: string[];
}

/** A report as the admin API shows it: no bytes. */
export function earsivReportView(r: SimEarsivReport): Omit<SimEarsivReport, 'zip' | 'xml'> & { zipBytes: number; outcome: string } {
  const { zip, xml: _xml, ...rest } = r;
  return { ...rest, zipBytes: zip.length, outcome: earsivBatchOutcome(r.state) };
}

export interface EarsivServiceDeps {
  store: SimulatorStore;
  scheduler: Scheduler;
  log: Logger;
  timings: SimulatorTimings;
  faults: FaultInjection;
  clock: () => Date;
  gibPackage: SimulatorPackage;
  /** Roots signatures must chain to (asked per document: the embedded simulator follows the gateway's); none: presence only. */
  trustedRoots: () => Promise<Array<Buffer | string>>;
  publicUrl?: string;
}

export interface EarsivService {
  /** Mount at the app's root: it holds the service paths and /admin/earsiv/…. */
  router: express.Router;
  /** Drops held calls (FaultInjection.earsivTimeouts). */
  stop(): void;
}

/** A check's verdict: the durumKodu and what exactly failed. */
class Verdict extends Error {
  constructor(readonly code: number, readonly detail = '') {
    super(detail ? `${code} ${detail}` : String(code));
  }
}

export function createEarsivService(d: EarsivServiceDeps): EarsivService {
  const held = new HeldRequests();
  const router = express.Router();
  const now = (): string => d.clock().toISOString();

  // --- SOAP ---------------------------------------------------------------------------------------------------

  const sendSoap = (res: Response, status: number, body: Buffer): void => {
    res.status(status).type(earsivContentType()).send(body);
  };
  const sendFault = (res: Response, code: number, detail = ''): void => {
    const known = EARSIV_FAULTS[code];
    const message = detail ? `${known?.text ?? ''} ${detail}`.trim() : undefined;
    // SOAP 1.2 HTTP binding: a Sender fault is 400, a Receiver fault 500.
    sendSoap(res, known?.soap === 'Sender' ? 400 : 500, buildEArsivFault(code, message));
  };

  for (const p of EARSIV_PATHS) {
    router.get(p, (req: Request, res: Response) => {
      const file = 'wsdl' in req.query ? d.gibPackage.wsdl('earsivWsdl') : null;
      if (!file) {
        res.status(404).type('text/plain').send('WSDL: GİB paketi (gibDir) yapılandırılmadı veya ?wsdl eksik');
        return;
      }
      const here = d.publicUrl ? `${d.publicUrl.replace(/\/$/, '')}${p}` : `${req.protocol}://${req.get('host')}${p}`;
      const wsdl = file.replace(/(<soap12:address\s+location=")[^"]*(")/, `$1${here}$2`);
      res.type('text/xml').send(wsdl);
    });

    router.post(p, express.raw({ type: () => true, limit: MAX_PACKAGE_BYTES + 50 * 1024 * 1024 }), async (req: Request, res: Response) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let msg;
      try {
        msg = parseEarsivSoapMessage(body, SOAP_REQUEST_LIMITS);
      } catch (err) {
        // What no operation can be read from gets a plain SOAP fault, as a SOAP stack answers it (no EArsivFault).
        const why = isGatewayError(err) ? err.message : String(err);
        d.log.info({ err: why }, 'unreadable e-Arşiv SOAP request');
        sendSoap(res, 400, soap12Fault('Sender', `İstek okunamadı: ${why}`, ''));
        return;
      }
      const hold = d.faults.earsivTimeouts > 0;
      if (hold) d.faults.earsivTimeouts--;
      try {
        switch (msg.kind) {
          case 'sendDocumentFile': {
            if (hold && !(d.faults.acceptHeld && msg.attachment)) {
              holdRequest(res);
              return;
            }
            const paketId = await receive(msg.attachment);
            if (hold) holdRequest(res);
            else sendSoap(res, 200, buildSendDocumentFileResponse(paketId));
            return;
          }
          case 'getBatchStatus':
            if (hold) return holdRequest(res);
            sendSoap(res, 200, batchStatus(msg.paketId));
            return;
          case 'getUserList':
            if (hold) return holdRequest(res);
            sendSoap(res, 200, await userList(msg.type));
            return;
          default:
            sendSoap(res, 400, soap12Fault('Sender', `${msg.kind} bir istek değil`, ''));
        }
      } catch (err) {
        if (hold && !res.headersSent) {
          holdRequest(res);
          return;
        }
        if (err instanceof EarsivFaultError) {
          sendFault(res, err.code, err.detail);
          return;
        }
        d.log.error({ err }, 'e-Arşiv call failed');
        sendFault(res, 1195);
      }
    });
  }

  /** A "timeout": no answer (see HeldRequests). */
  const holdRequest = (res: Response): void => held.hold(res, d.faults.holdMs);

  // --- sendDocumentFile: the synchronous part ----------------------------------------------------------------------

  async function receive(a: { fileName: string; binaryData: Buffer } | null): Promise<string> {
    if (!a) throw new EarsivFaultError(103);
    const paketId = reportIdFromFileName(a.fileName); // 104, 108
    if (a.binaryData.length === 0) throw new EarsivFaultError(105);
    if (a.binaryData.length > MAX_PACKAGE_BYTES) throw new EarsivFaultError(106, `${a.binaryData.length} bayt, en çok ${MAX_PACKAGE_BYTES}`);
    let entry: string | null;
    let xml: Buffer;
    try {
      ({ fileName: entry, xml } = await unpackDocument(a.binaryData, { container: 'zip', maxUnzippedBytes: MAX_REPORT_BYTES }));
    } catch (err) {
      const g = gibErrorFromArchive(err);
      if (g instanceof GibProtocolError && EARSIV_FAULTS[g.gibCode]) throw new EarsivFaultError(g.gibCode, g.detail, err);
      throw err;
    }
    if (entry !== `${paketId}.xml`) throw new EarsivFaultError(1133, `ZIP içindeki dosya ${JSON.stringify(String(entry).slice(0, 100))}, ${paketId}.xml olmalı`);
    const latest = latestUpload(paketId);
    if (latest && earsivBatchOutcome(latest.state) !== 'rejected') throw new EarsivFaultError(111, paketId);
    const report: SimEarsivReport = {
      paketId,
      attempt: (latest?.attempt ?? 0) + 1,
      fileName: a.fileName,
      zip: a.binaryData,
      xml,
      receivedAt: now(),
      state: 0,
      history: [],
      taxpayer: null,
      integrator: null,
      signerId: null,
      invoices: [],
      cancellations: [],
    };
    d.store.earsivReports.push(report);
    d.store.addEarsivReport(report);
    setState(report, 1000);
    d.scheduler.after(d.timings.reportMs, () => check(report));
    return paketId;
  }

  function latestUpload(paketId: string): SimEarsivReport | undefined {
    const id = paketId.toLowerCase();
    for (let i = d.store.earsivReports.length - 1; i >= 0; i--) if (d.store.earsivReports[i]!.paketId.toLowerCase() === id) return d.store.earsivReports[i];
    return undefined;
  }

  function setState(r: SimEarsivReport, code: number, detail = ''): void {
    r.state = code;
    r.history.push({ code, text: earsivBatchText(code), at: now(), ...(detail ? { detail } : {}) });
    d.log.debug({ report: r.paketId, code, detail }, 'e-Arşiv report state');
  }

  // --- the asynchronous checks -------------------------------------------------------------------------------------

  async function check(r: SimEarsivReport): Promise<void> {
    setState(r, 1100);
    try {
      if (d.faults.rejectReports > 0) {
        d.faults.rejectReports--;
        throw new Verdict(1150, 'simülatör: hata enjeksiyonu (rejectReports)');
      }
      const parsed = parseEarsivReport(r.xml);
      r.taxpayer = parsed.taxpayer;
      r.integrator = parsed.integrator;
      r.invoices = parsed.invoices.map((i) => ({ ettn: i.ettn, number: i.number }));
      r.cancellations = parsed.cancellations.map((c) => c.number);
      if (parsed.reportId.toLowerCase() !== r.paketId.toLowerCase()) throw new Verdict(1142, `raporNo ${parsed.reportId}, paket adı ${r.paketId}`);
      checkSchema(r.xml, parsed);
      // GİB's report schematron after its schema (earsiv_schematron.xsl): every failure in GİB's words.
      const failed = earsivSchematronFailures(parseXml(r.xml).root);
      if (failed.length > 0) throw new Verdict(1150, failed.join(' '));
      await checkSignature(r, parsed);
      checkNotReported(r, parsed);
    } catch (err) {
      const v = verdictOf(err);
      setState(r, v.code, v.detail);
      return;
    }
    setState(r, 1300);
  }

  function checkSchema(xml: Buffer, parsed: ParsedEarsivReport): void {
    const validator = d.gibPackage.earsivXsd();
    if (validator) {
      try {
        validator.validate(parseXml(xml));
      } catch (err) {
        if (isGatewayError(err) && err.fault === 'XSD_INVALID') throw new Verdict(1160, String(err.params.detail ?? err.message));
        throw err;
      }
      return;
    }
    const problem = schemaProblems(parsed)[0];
    if (problem) throw new Verdict(1160, problem);
  }

  async function checkSignature(r: SimEarsivReport, parsed: ParsedEarsivReport): Promise<void> {
    if (!parsed.signed) throw new Verdict(1161, 'baslik/ds:Signature bulunamadı');
    const roots = await d.trustedRoots();
    if (roots.length === 0) return;
    let signerId: string | null;
    try {
      ({ signerId } = await verifyXml(r.xml, { trustedRoots: roots, now: d.clock() }));
    } catch (err) {
      if (!isGatewayError(err)) throw err;
      throw new Verdict(err.fault === 'SIGNATURE_MISSING' ? 1161 : 1177, err.message);
    }
    if (!signerId) throw new Verdict(1161, 'imza sertifikasında VKN/TCKN yok');
    r.signerId = signerId;
    if (signerId !== parsed.integrator && signerId !== parsed.taxpayer) {
      throw new Verdict(1176, `imzalayan ${signerId}; raporu hazırlayan ${parsed.integrator}, mükellef ${parsed.taxpayer}`);
    }
  }

  /**
   * 1150: an ETTN twice in the report. 1163: what earlier accepted reports of the same taxpayer already carried
   * (DOMAIN.md: no duplicate ETTN or invoice number in reports).
   */
  function checkNotReported(r: SimEarsivReport, parsed: ParsedEarsivReport): void {
    const ettns = new Map<string, string>();
    const issued = new Map<string, string>();
    const cancelled = new Map<string, string>();
    for (const o of d.store.earsivReports) {
      if (o === r || o.state !== 1300 || o.taxpayer !== parsed.taxpayer) continue;
      for (const i of o.invoices) {
        ettns.set(i.ettn.toLowerCase(), o.paketId);
        issued.set(i.number, o.paketId);
      }
      for (const n of o.cancellations) cancelled.set(n, o.paketId);
    }
    const inReport = new Set<string>();
    for (const i of parsed.invoices) {
      // Not a schema constraint (EArsiv.xsd makes only faturaNo unique), but an ETTN is unique forever.
      if (inReport.has(i.ettn.toLowerCase())) throw new Verdict(1150, `ETTN ${i.ettn} raporda birden çok kez geçiyor`);
      inReport.add(i.ettn.toLowerCase());
      const byEttn = ettns.get(i.ettn.toLowerCase());
      if (byEttn) throw new Verdict(1163, `ETTN ${i.ettn} (${i.number}) ${byEttn} paketinde bildirildi`);
      const byNumber = issued.get(i.number) ?? cancelled.get(i.number);
      if (byNumber) throw new Verdict(1163, `fatura numarası ${i.number} ${byNumber} paketinde bildirildi`);
    }
    for (const c of parsed.cancellations) {
      const before = cancelled.get(c.number);
      if (before) throw new Verdict(1163, `${c.number} numaralı faturanın iptali ${before} paketinde bildirildi`);
    }
  }

  // --- getBatchStatus, getUserList ------------------------------------------------------------------------------

  function batchStatus(paketId: string): Buffer {
    const r = paketId ? latestUpload(paketId) : undefined;
    if (!r) throw new EarsivFaultError(304, paketId);
    const last = r.history[r.history.length - 1];
    const text = earsivBatchText(r.state);
    const who = r.taxpayer ? (r.taxpayer.length === 10 ? { vergiKimlikNo: r.taxpayer } : { tcKimlikNo: r.taxpayer }) : {};
    return buildGetBatchStatusResponse({
      durumKodu: r.state,
      durumAciklama: last?.detail ? `${text}: ${last.detail}` : text,
      paketId: r.paketId,
      ...who,
    });
  }

  async function userList(type: string | undefined): Promise<Buffer> {
    const t = (type ?? '').trim().toUpperCase();
    const role: UserListRole | null = t === '' || t === 'PK' ? 'PK' : t === 'GB' ? 'GB' : null;
    if (!role) throw new EarsivFaultError(400, JSON.stringify((type ?? '').slice(0, 40)));
    const users: GibUser[] = d.store.listUsers().map((u) => ({
      vknTckn: u.vknTckn,
      title: u.title,
      aliases: u.aliases.map((a) => ({ alias: a.alias, role: a.role, documentType: 'Invoice', creationTime: turkishTime(new Date(a.createdAt)).dateTime })),
    }));
    const name = `USERLIST_${role}`;
    const zip = await zipOne(`${name}.xml`, buildUserList(users, { role }));
    return buildGetUserListResponse({ fileName: `${name}.zip`, binaryData: zip });
  }

  // --- admin views ------------------------------------------------------------------------------------------------

  router.get('/admin/earsiv/reports', (req: Request, res: Response) => {
    const vkn = typeof req.query.vkn === 'string' ? req.query.vkn : undefined;
    const list = d.store.earsivReports.filter((r) => !vkn || r.taxpayer === vkn || r.integrator === vkn);
    res.json(list.map(earsivReportView));
  });
  router.get('/admin/earsiv/reports/:paketId', (req: Request, res: Response) => {
    const id = String(req.params.paketId).toLowerCase();
    const uploads = d.store.earsivReports.filter((r) => r.paketId.toLowerCase() === id);
    if (uploads.length === 0) {
      res.status(404).json({ error: EARSIV_FAULTS[304]!.text });
      return;
    }
    res.json({ ...earsivReportView(uploads[uploads.length - 1]!), uploads: uploads.map(earsivReportView) });
  });

  return {
    router,
    stop() {
      held.stop();
    },
  };
}

/** A check's error as a verdict: GİB's code when it carries one (the codec's GibProtocolError), else 1195. */
function verdictOf(err: unknown): Verdict {
  if (err instanceof Verdict) return err;
  if (err instanceof GibProtocolError) return new Verdict(err.gibCode, err.detail);
  return new Verdict(1195, err instanceof Error ? err.message : String(err));
}

const VKN_TCKN = /^[0-9]{10,11}$/;
const INVOICE_NO = /^[A-Za-z0-9]{3}20[0-9]{2}[0-9]{9}$/; // EArsiv.xsd idType
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/**
 * Without GİB's package: the simple types and identity constraints of EArsiv.xsd that matter here (the parser has
 * already checked that every required element is present). In the schema's words where it has some.
 */
export function schemaProblems(p: ParsedEarsivReport): string[] {
  const out: string[] = [];
  if (!VKN_TCKN.test(p.taxpayer)) out.push(`baslik/mukellef ${p.taxpayer}: VKN (10) veya TCKN (11) olmalı`);
  if (!VKN_TCKN.test(p.integrator)) out.push(`baslik/hazirlayan ${p.integrator}: VKN (10) veya TCKN (11) olmalı`);
  if (!UUID_RE.test(p.reportId)) out.push(`baslik/raporNo ${p.reportId}: UUID olmalı`);
  for (const [k, v] of [
    ['donemBaslangicTarihi', p.period.start],
    ['donemBitisTarihi', p.period.end],
    ['bolumBaslangicTarihi', p.part.start],
    ['bolumBitisTarihi', p.part.end],
  ] as const) {
    if (!DATE.test(v)) out.push(`baslik/${k} ${v}: xs:date olmalı`);
  }
  if (!Number.isInteger(p.part.number) || p.part.number < 1) out.push('baslik/bolumNo: pozitif tam sayı olmalı');
  if (p.invoices.length + p.cancellations.length + p.otherEntries.length === 0) out.push('raporda en az bir kayıt olmalı');
  const numbers = new Set<string>();
  for (const i of p.invoices) {
    if (!UUID_RE.test(i.ettn)) out.push(`fatura/faturaUUID ${i.ettn}: UUID olmalı`);
    if (!INVOICE_NO.test(i.number)) out.push(`fatura/faturaNo ${i.number}: 16 karakter (3 harf/rakam, yıl, 9 haneli sıra) olmalı`);
    if (numbers.has(i.number)) out.push(`fatura/faturaNo ${i.number}: raporda birden çok kez (xs:unique faturaNo)`);
    numbers.add(i.number);
    if (!DATE.test(i.issueDate)) out.push(`fatura/duzenlenmeTarihi ${i.issueDate}: xs:date olmalı`);
    if (!VKN_TCKN.test(i.receiver.vknTckn)) out.push(`fatura ${i.number} aliciBilgileri: VKN veya TCKN olmalı`);
  }
  const cancelled = new Set<string>();
  for (const c of p.cancellations) {
    if (!INVOICE_NO.test(c.number)) out.push(`faturaIptal/faturaNo ${c.number}: 16 karakter olmalı`);
    if (cancelled.has(c.number)) out.push(`faturaIptal/faturaNo ${c.number}: raporda birden çok kez (xs:unique faturaIptalNo)`);
    cancelled.add(c.number);
    if (!DATE.test(c.cancelledOn)) out.push(`faturaIptal/iptalTarihi ${c.cancelledOn}: xs:date olmalı`);
  }
  return out;
}


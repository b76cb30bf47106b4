/**
 * GİB's e-Defter web service in the simulator (EDefterWsPort, Web Servis Kılavuzu V1.7; the codec is
 * src/gib/protocol/edefter-ws.ts, WS-Security wsse-x509.ts, GİB's approval edefter-approval.ts):
 *
 *   POST /EDefter (also /edefter/services/EDefterWsPort, GİB's path)   sendDocumentFile, getBatchStatus, receiveDocumentFile
 *   GET  /admin/edefter/packages[?vkn=…]                              packages received (no bytes), oldest first
 *   GET  /admin/edefter/seal.pem                                      the root GİB's approval seal chains to
 *
 * Every request must be signed (WS-Security, Timestamp + Body) by a certificate chaining to trustedRoots (none
 * configured: the message's own chain is taken, so only integrity is checked); one that is not gets a plain SOAP
 * Sender fault, as GİB's WSS layer answers before the service does. The signer is who the guide's permission
 * checks talk about: the package's owner (the VKN in its name) or a sender listed in `senders` (an integrator).
 *
 * sendDocumentFile, checked at once (EDefterFault with the guide's code): Attachment present (103), a name (104) of
 * the form VKN-YYYYMM-YB|KB-NNNNNN.zip (108), content (105) under the size limit (106), a signer allowed to send it
 * (109), no package of that ID pending or approved (111), and the order GİB keeps (114, "Bu mükellef şu anda paket
 * yükleyemez", with why): the Büyük Defter's berat only after the same part's Yevmiye berat is approved, a month
 * only right after the last approved one, never one before it.
 * After `timings.ledgerMs` the package is checked (getBatchStatus durumKodu 0 → 1 approved / 2 refused, with the
 * reason): exactly the part's book and berat (`VKN-YYYYMM-Y-NNNNNN.xml`, `…-YB-…`); both signed by the owner
 * (XAdES verified with trustedRoots); the berat carries the book's SignatureValue; with GİB's package (gibDir),
 * both valid against edefter.xsd (libxml2); the Yevmiye's entries balanced (debit = credit in each and in total, the
 * totals as written), numbered consecutively, dated within the book's period; the Büyük Defter balanced in total.
 * An approved berat is countersigned with the simulator's seal (GİB's approval), which receiveDocumentFile returns
 * as `GIB-<paketID>.zip` holding `GIB-<paketID>.xml`.
 * The month's Defter Raporu Beratı (`VKN-YYYYMM-DR-000000.zip`, ours: see parsePackageName) is taken once a Büyük
 * Defter berat of the month is (114 before); it is checked alone in its package (sealed by the owner, the XSD) and
 * is not sealed again by GİB (Teknik Kılavuz §2.6), so receiveDocumentFile has nothing for it (204).
 * FaultInjection.rejectLedgers refuses the next N packages; edefterTimeouts holds the next N calls (acceptHeld: a
 * held sendDocumentFile's package is still taken in).
 */
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { isGatewayError } from '../faults';
import { counterSignBerat } from '../gib/protocol/edefter-approval';
import {
  EDEFTER_BATCH_STATUSES,
  EDEFTER_RETRYABLE,
  EdefterFaultError,
  edefterResponse,
  parsePackageName,
  readEdefterBody,
  type EdefterAttachment,
  type EdefterBatchCode,
} from '../gib/protocol/edefter-ws';
import { soap12Fault } from '../gib/protocol';
import { verifySoap12, WsSecurityError } from '../gib/protocol/wsse-x509';
import { certificatesFrom } from '../signing/cert';
import type { Signer } from '../signing/signer';
import { verifyXml } from '../signing/verify';
import { NS } from '../xml/namespaces';
import { parseXml, type XmlDocument, type XmlElement } from '../xml/parse';
import { textContent } from '../xml/query';
import { unpackFiles } from '../zip/read';
import { zipOne } from '../zip/write';
import type { SimulatorPackage } from './gib-package';
import type { FaultInjection, SimulatorTimings } from './options';
import { HeldRequests, type Scheduler } from './transport';

export const EDEFTER_PATHS = ['/EDefter', '/edefter/services/EDefterWsPort'];

/** Largest package taken (106 above it) and largest book + berat once unzipped. */
const MAX_PACKAGE_BYTES = 100 * 1024 * 1024;
const MAX_UNZIPPED_BYTES = 512 * 1024 * 1024;

/** One upload of a package. */
export interface SimLedgerPackage {
  /** `VKN-YYYYMM-YB-NNNNNN` */
  paketId: string;
  vkn: string;
  /** YYYY-MM */
  period: string;
  kind: 'YB' | 'KB' | 'DR';
  part: number;
  /** 1 for the first upload of this ID, 2 for a resend after a refusal, … */
  attempt: number;
  fileName: string;
  zipBytes: number;
  /** VKN/TCKN of the WS-Security signer. */
  sender: string | null;
  receivedAt: string;
  state: EdefterBatchCode;
  /** Why it was refused. */
  reason: string;
  history: Array<{ state: EdefterBatchCode; at: string; detail?: string }>;
}

interface Held {
  pkg: SimLedgerPackage;
  zip: Buffer;
  /** GİB's approved berat, once approved. */
  approved: Buffer | null;
}

export interface EdefterServiceDeps {
  scheduler: Scheduler;
  log: Logger;
  timings: SimulatorTimings;
  faults: FaultInjection;
  clock: () => Date;
  gibPackage: SimulatorPackage;
  trustedRoots: () => Promise<Array<Buffer | string>>;
  /** GİB's seal, which approves berats (see seal.ts). */
  seal: () => Promise<{ signer: Signer; rootPem: string }>;
  /** VKN/TCKN of integrators allowed to send (and query) any taxpayer's packages. */
  senders?: string[];
}

export interface EdefterService {
  router: express.Router;
  packages: () => SimLedgerPackage[];
  stop(): void;
}

/** A check's refusal. */
class Refusal extends Error {}

const nextMonth = (p: string) => {
  const [y, m] = p.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
};

export function createEdefterService(d: EdefterServiceDeps): EdefterService {
  const router = express.Router();
  const uploads: Held[] = [];
  const held = new HeldRequests();
  const now = () => d.clock().toISOString();
  const senders = new Set(d.senders ?? []);

  const sendSoap = (res: Response, status: number, body: Buffer) => res.status(status).type('application/soap+xml; charset=utf-8').send(body);
  // SOAP 1.2 HTTP binding: GİB's own failures (a Receiver fault) are 500, the caller's (Sender) 400.
  const sendFault = (res: Response, err: EdefterFaultError) => sendSoap(res, EDEFTER_RETRYABLE.has(err.code) ? 500 : 400, edefterResponse.fault(err.code, err.message));

  /** The ID's packages, the latest last; `…-Y-…` and `…-YB-…` name the same package (getBatchStatus, §2.3). */
  const byId = (id: string) => {
    const key = id.trim().replace(/-(Y|K)-(\d{6})$/, '-$1B-$2');
    return uploads.filter((u) => u.pkg.paketId === key);
  };
  const mayRead = (pkg: SimLedgerPackage, signer: string) => signer === pkg.vkn || signer === pkg.sender || senders.has(signer);

  for (const p of EDEFTER_PATHS) {
    router.post(p, express.raw({ type: () => true, limit: MAX_PACKAGE_BYTES * 1.4 + 1024 * 1024 }), async (req: Request, res: Response) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let signer: string;
      let msg;
      try {
        const roots = (await d.trustedRoots()).flatMap((r) => certificatesFrom(r));
        const verified = verifySoap12(body, { trustedRoots: roots.length ? roots : null, now: d.clock() });
        signer = verified.signer.vknTckn ?? '';
        msg = readEdefterBody(verified.body.children[0] ?? verified.body, NS.soap12);
      } catch (err) {
        const why = err instanceof WsSecurityError || isGatewayError(err) ? err.message : String(err);
        d.log.info({ err: why }, 'e-Defter request refused before the service');
        sendSoap(res, 400, soap12Fault('Sender', `WS-Security: ${why}`, ''));
        return;
      }
      const hold = d.faults.edefterTimeouts > 0;
      if (hold) d.faults.edefterTimeouts--;
      try {
        if (hold && !(d.faults.acceptHeld && msg.kind === 'sendDocumentFile')) return holdRequest(res);
        let answer: Buffer;
        if (msg.kind === 'sendDocumentFile') answer = edefterResponse.sendDocumentFile(receive(msg.attachment, signer));
        else if (msg.kind === 'getBatchStatus') answer = batchStatus(msg.paketID, signer);
        else if (msg.kind === 'receiveDocumentFile') answer = await approvedBerat(msg.paketID, signer);
        else return void sendSoap(res, 400, soap12Fault('Sender', `${msg.kind} bir istek değil`, ''));
        if (hold) holdRequest(res);
        else sendSoap(res, 200, answer);
      } catch (err) {
        if (hold && !res.headersSent) return holdRequest(res);
        if (err instanceof EdefterFaultError) return sendFault(res, err);
        d.log.error({ err }, 'e-Defter call failed');
        sendFault(res, new EdefterFaultError(msg.kind === 'sendDocumentFile' ? 110 : msg.kind === 'getBatchStatus' ? 303 : 203));
      }
    });
  }

  const holdRequest = (res: Response): void => held.hold(res, d.faults.holdMs);

  // --- sendDocumentFile: the synchronous part ------------------------------------------------------------------

  function receive(a: EdefterAttachment | null, signer: string): string {
    if (!a) throw new EdefterFaultError(103);
    const name = parsePackageName(a.fileName); // 104, 108
    if (a.binaryData.length === 0) throw new EdefterFaultError(105);
    if (a.binaryData.length > MAX_PACKAGE_BYTES) throw new EdefterFaultError(106, `${a.binaryData.length} bayt, en çok ${MAX_PACKAGE_BYTES}`);
    if (signer !== name.vkn && !senders.has(signer)) throw new EdefterFaultError(109, `imzalayan ${signer || '(VKN/TCKN yok)'}, paket ${name.vkn}`);
    const same = byId(name.id);
    const latest = same[same.length - 1];
    if (latest && latest.pkg.state !== 2) throw new EdefterFaultError(111, name.id);
    const approved = (kind: 'YB' | 'KB', period: string, part?: number) =>
      uploads.some((u) => u.pkg.vkn === name.vkn && u.pkg.kind === kind && u.pkg.period === period && (part === undefined || u.pkg.part === part) && u.pkg.state === 1);
    if (name.kind === 'DR' && !uploads.some((u) => u.pkg.vkn === name.vkn && u.pkg.kind === 'KB' && u.pkg.period === name.period && u.pkg.state !== 2)) {
      throw new EdefterFaultError(114, `${name.period} döneminin beratları yüklenmeden Defter Raporu Beratı yüklenemez`);
    }
    if (name.kind === 'KB' && !approved('YB', name.period, name.part)) {
      throw new EdefterFaultError(114, `${name.period} dönemi ${String(name.part).padStart(6, '0')} parçasının Yevmiye Defteri beratı onaylanmadan Büyük Defter beratı yüklenemez`);
    }
    if (name.kind === 'YB') {
      const months = uploads.filter((u) => u.pkg.vkn === name.vkn && u.pkg.kind === 'YB' && u.pkg.state === 1).map((u) => u.pkg.period).sort();
      const last = months[months.length - 1];
      if (last && name.period < last) throw new EdefterFaultError(114, `${last} dönemi onaylanmış; ondan önceki ${name.period} dönemi yüklenemez`);
      if (last && name.period !== last && name.period !== nextMonth(last)) throw new EdefterFaultError(114, `son onaylanan dönem ${last}; ${nextMonth(last)} dönemi yüklenmeden ${name.period} yüklenemez`);
    }
    const pkg: SimLedgerPackage = {
      paketId: name.id,
      vkn: name.vkn,
      period: name.period,
      kind: name.kind,
      part: name.part,
      attempt: same.length + 1,
      fileName: a.fileName,
      zipBytes: a.binaryData.length,
      sender: signer,
      receivedAt: now(),
      state: 0,
      reason: '',
      history: [{ state: 0, at: now() }],
    };
    const upload: Held = { pkg, zip: a.binaryData, approved: null };
    uploads.push(upload);
    d.scheduler.after(d.timings.ledgerMs, () => check(upload));
    return a.fileName;
  }

  // --- the asynchronous checks -----------------------------------------------------------------------------------

  async function check(h: Held): Promise<void> {
    const { pkg } = h;
    const verdict = (state: EdefterBatchCode, detail = '') => {
      pkg.state = state;
      pkg.reason = detail;
      pkg.history.push({ state, at: now(), ...(detail ? { detail } : {}) });
      d.log.debug({ paket: pkg.paketId, state, detail }, 'e-Defter package state');
    };
    try {
      if (d.faults.rejectLedgers > 0) {
        d.faults.rejectLedgers--;
        throw new Refusal('simülatör: hata enjeksiyonu (rejectLedgers)');
      }
      const files = await unpackFiles(h.zip, { maxEntries: 2, maxUnzippedBytes: MAX_UNZIPPED_BYTES }).catch((err: unknown) => {
        throw new Refusal(`paket açılamadı: ${err instanceof Error ? err.message : String(err)}`);
      });
      const stem = `${pkg.vkn}-${pkg.period.replace('-', '')}`;
      const part = String(pkg.part).padStart(6, '0');
      if (pkg.kind === 'DR') {
        await checkRapor(files, `${stem}-DR-000000.xml`, pkg.vkn);
        verdict(1);
        return;
      }
      const bookKind = pkg.kind === 'YB' ? 'Y' : 'K';
      const bookName = `${stem}-${bookKind}-${part}.xml`;
      const beratName = `${stem}-${pkg.kind}-${part}.xml`;
      const book = files.find((f) => f.name === bookName)?.bytes;
      const berat = files.find((f) => f.name === beratName)?.bytes;
      if (files.length !== 2 || !book || !berat) throw new Refusal(`pakette ${bookName} ve ${beratName} olmalı; bulunan: ${files.map((f) => f.name).join(', ') || 'hiçbiri'}`);
      const bookDoc = await ownersDocument('defter', book, pkg.vkn);
      const beratDoc = await ownersDocument('berat', berat, pkg.vkn);
      const bookValue = signatureValue(bookDoc, true);
      const beratCarries = signatureValue(beratDoc, false);
      if (!bookValue || bookValue !== beratCarries) throw new Refusal('beratın taşıdığı imza değeri defterin imza değeriyle aynı değil');
      const problem = bookProblem(bookDoc, bookKind);
      if (problem) throw new Refusal(problem);
      h.approved = await counterSignBerat(berat, (await d.seal()).signer);
    } catch (err) {
      if (!(err instanceof Refusal)) d.log.error({ err }, 'e-Defter package check failed');
      verdict(2, err instanceof Error ? err.message : String(err));
      return;
    }
    verdict(1);
  }

  /** The Defter Raporu Beratı: alone in its package, sealed by the owner, valid; GİB does not seal it again (§2.6). */
  async function checkRapor(files: Array<{ name: string; bytes: Buffer }>, name: string, vkn: string): Promise<void> {
    const rapor = files.length === 1 && files[0]!.name === name ? files[0]!.bytes : null;
    if (!rapor) throw new Refusal(`pakette yalnız ${name} olmalı; bulunan: ${files.map((f) => f.name).join(', ') || 'hiçbiri'}`);
    await ownersDocument('defter raporu', rapor, vkn);
  }

  /**
   * A document of the package: sealed by its owner (XAdES verified with trustedRoots, when there are any) and, with
   * GİB's package, valid against edefter.xsd; parsed, for the checks that follow.
   */
  async function ownersDocument(what: string, xml: Buffer, vkn: string): Promise<XmlDocument> {
    const roots = await d.trustedRoots();
    if (roots.length) {
      try {
        await verifyXml(xml, { trustedRoots: roots, expectedSignerId: vkn, now: d.clock() });
      } catch (err) {
        throw new Refusal(`${what} imzası geçersiz: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const doc = parseXml(xml, { maxNodes: 50_000_000 });
    try {
      d.gibPackage.edefterXsd()?.validate(doc);
    } catch (err) {
      throw new Refusal(`${what} şemaya uygun değil: ${isGatewayError(err) ? String(err.params.detail ?? err.message) : String(err)}`);
    }
    return doc;
  }

  // --- getBatchStatus, receiveDocumentFile -------------------------------------------------------------------------

  function batchStatus(paketID: string, signer: string): Buffer {
    const all = byId(paketID);
    const h = all[all.length - 1];
    if (!h) throw new EdefterFaultError(304, paketID);
    if (!mayRead(h.pkg, signer)) throw new EdefterFaultError(305);
    const text = EDEFTER_BATCH_STATUSES[h.pkg.state].text;
    return edefterResponse.getBatchStatus({ paketID: h.pkg.paketId, durumKodu: h.pkg.state, durumAciklama: h.pkg.reason ? `${text} ${h.pkg.reason}` : text });
  }

  async function approvedBerat(paketID: string, signer: string): Promise<Buffer> {
    const h = byId(paketID).find((u) => u.pkg.state === 1 && u.approved);
    if (!h) throw new EdefterFaultError(204, paketID);
    if (!mayRead(h.pkg, signer)) throw new EdefterFaultError(205);
    const name = `GIB-${h.pkg.paketId}`;
    return edefterResponse.receiveDocumentFile({ fileName: `${name}.zip`, binaryData: await zipOne(`${name}.xml`, h.approved!) });
  }

  // --- admin views -------------------------------------------------------------------------------------------------

  router.get('/admin/edefter/packages', (req: Request, res: Response) => {
    const vkn = typeof req.query.vkn === 'string' ? req.query.vkn : undefined;
    res.json(uploads.filter((u) => !vkn || u.pkg.vkn === vkn).map((u) => u.pkg));
  });
  router.get('/admin/edefter/seal.pem', async (_req: Request, res: Response) => {
    res.type('application/x-pem-file').send((await d.seal()).rootPem);
  });

  return {
    router,
    packages: () => uploads.map((u) => u.pkg),
    stop: () => held.stop(),
  };
}

/** A book's own ds:Signature/ds:SignatureValue (`ofSignature`), or the one a berat carries as its root's child. */
function signatureValue(doc: XmlDocument, ofSignature: boolean): string | null {
  const DS = NS.ds;
  const holder = ofSignature ? doc.root.children.find((c) => c.ns === DS && c.local === 'Signature') : doc.root;
  const sv = holder?.children.find((c) => c.ns === DS && c.local === 'SignatureValue');
  return sv ? textContent(doc, sv).replace(/\s+/g, '') : null;
}

const GL_COR = 'http://www.xbrl.org/int/gl/cor/2006-10-25';
const GL_BUS = 'http://www.xbrl.org/int/gl/bus/2006-10-25';

function* descendants(el: XmlElement, ns: string, local: string): Generator<XmlElement> {
  for (const c of el.children) {
    if (c.ns === ns && c.local === local) yield c;
    else yield* descendants(c, ns, local);
  }
}
const childText = (el: XmlElement, ns: string, local: string) => el.children.find((c) => c.ns === ns && c.local === local)?.text.trim() ?? '';
/** An amount as kuruş; NaN when it is not one. */
const kurus = (s: string) => (/^-?\d+(\.\d{1,2})?$/.test(s) ? Math.round(Number(s) * 100) : NaN);

/**
 * GİB's arithmetic and order checks on a book (DOMAIN.md: debit = credit, entries müteselsil, dates within the
 * period), with the reason in GİB's words; null when it passes.
 */
function bookProblem(doc: XmlDocument, kind: 'Y' | 'K'): string | null {
  const info = descendants(doc.root, GL_COR, 'documentInfo').next().value as XmlElement | undefined;
  const start = info ? childText(info, GL_COR, 'periodCoveredStart') : '';
  const end = info ? childText(info, GL_COR, 'periodCoveredEnd') : '';
  let debit = 0;
  let credit = 0;
  let previous: number | null = null;
  for (const header of descendants(doc.root, GL_COR, 'entryHeader')) {
    let d = 0;
    let c = 0;
    for (const line of header.children.filter((x) => x.ns === GL_COR && x.local === 'entryDetail')) {
      const amount = kurus(childText(line, GL_COR, 'amount'));
      const side = childText(line, GL_COR, 'debitCreditCode');
      if (Number.isNaN(amount) || (side !== 'D' && side !== 'C')) return `geçersiz tutar veya borç/alacak kodu (${childText(line, GL_COR, 'lineNumber')} numaralı satır)`;
      if (side === 'D') d += amount;
      else c += amount;
      const date = childText(line, GL_COR, 'postingDate');
      if (kind === 'Y' && date && (date < start || date > end)) return `${date} tarihli kayıt defterin dönemi (${start} – ${end}) dışında`;
    }
    debit += d;
    credit += c;
    if (kind !== 'Y') continue;
    const number = Number(childText(header, GL_COR, 'entryNumberCounter'));
    if (d !== c) return `${number} numaralı yevmiye maddesinde borç (${d / 100}) ve alacak (${c / 100}) toplamları eşit değil`;
    if (kurus(childText(header, GL_BUS, 'totalDebit')) !== d || kurus(childText(header, GL_BUS, 'totalCredit')) !== c) return `${number} numaralı yevmiye maddesinin toplamları satırlarıyla uyuşmuyor`;
    if (previous !== null && number !== previous + 1) return `yevmiye madde numaraları müteselsil değil: ${previous} numaradan sonra ${number}`;
    previous = number;
  }
  if (debit !== credit) return `defterin borç (${debit / 100}) ve alacak (${credit / 100}) toplamları eşit değil`;
  return null;
}


/**
 * GİB's Merkez as a machine per envelope (Ek-2 §4.1 "Merkez Birimde Durum Kodları"):
 *
 *   1000 ZARF KUYRUGA EKLENDI → 1100 ZARF ISLENIYOR → an 11xx error (final; system response to the sender)
 *                                                   → 1200 ZARF BASARIYLA ISLENDI (system response to the sender)
 *   1200 → delivered to the receiver's postbox → 1220 HEDEFTEN SISTEM YANITI GELMEDI
 *        → delivery failed → 1210, retried four times two hours apart → 1215 (final)
 *   1220 → the receiver's system response says 1200 → 1300 BASARIYLA TAMAMLANDI; any error → 1230 (final)
 *
 * Checks after 1100, in the order GİB's guides give them (Entegrasyon Kılavuzu v1.10 §4.3: schema, schematron,
 * signature, then sender/receiver address checks): ZIP and parse (1110–1142 via the codec's openEnvelope), the
 * envelope rules (1150, envelopeRuleErrors), each invoice's XSD and schematron (1143/1160/1150, when GİB's package
 * is configured), its signature (1161/1176/1177), the sender's GB alias (1171), the receiver's PK alias (1181 when
 * the address is in no user's list, 1172 when it is not a postbox of that VKN), and an invoice already accepted
 * whose envelope did not end in 1215/1230 (1163, Ek-2 §4.1).
 *
 * The receiving side (Ek-2 §4.2) answers with its own SYSTEMENVELOPE; Merkez updates the envelope and passes the
 * answer on to the sender unchanged. POSTBOXENVELOPEs (KABUL/RED) travel the same way in the other direction.
 * USERENVELOPEs (Özel Entegrasyon Kılavuzu §5) open or close aliases in the user list.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isGatewayError } from '../faults';
import {
  GIB_PARTY,
  GibProtocolError,
  USER_ENVELOPE_ALIASES,
  buildSystemEnvelope,
  envelopeIdFromFileName,
  envelopeRuleErrors,
  gibStatus,
  gibText,
  md5Hex,
  openEnvelope,
  packEnvelope,
  readSystemResponse,
  readUserAccount,
  type AnsweredEnvelopeType,
  type EnvelopeParty,
  type ParsedEnvelope,
} from '../gib/protocol';
import { NS } from '../gib/protocol/markup';
import { verifyXml } from '../signing/verify';
import { applicationResponseFailures } from '../validation';
import type { SimulatorPackage } from './gib-package';
import type { FaultInjection, SimulatorTimings } from './options';
import type { PartyRecord, PushRecord, SimDocumentDetail, SimEnvelope, SimulatorStore } from './store';
import { attrValue } from '../xml/query';
import type { XmlElement } from '../xml/parse';
import type { OutgoingHttp, Scheduler } from './transport';

const MERKEZ_UBL_PARTY = { vknTckn: GIB_PARTY.vknTckn, name: GIB_PARTY.title! };
export const MAX_XML_BYTES = 100 * 1024 * 1024;

/** The few fields of a parsed element the checks read (the codec's XmlElement, structurally). */
interface El {
  readonly ns: string;
  readonly local: string;
  readonly text: string;
  readonly children: readonly El[];
}

function childOf(el: El, ns: string, local: string): El | undefined {
  return el.children.find((c) => c.ns === ns && c.local === local);
}

function party(p: { alias: string; vknTckn: string; title?: string }): PartyRecord {
  return { alias: p.alias, vknTckn: p.vknTckn, ...(p.title !== undefined ? { title: p.title } : {}) };
}

/** A check's verdict: GİB's code and what exactly failed. */
class Verdict extends Error {
  constructor(readonly code: number, readonly detail = '') {
    super(detail ? `${code} ${detail}` : String(code));
  }
}

export interface EngineDeps {
  store: SimulatorStore;
  http: OutgoingHttp;
  scheduler: Scheduler;
  log: Logger;
  timings: SimulatorTimings;
  faults: FaultInjection;
  clock: () => Date;
  /** GİB's package (invoice checks, code lists); without one only the codec's checks run. */
  gibPackage: SimulatorPackage;
  /** Roots signatures must chain to (asked per document: the embedded simulator follows the gateway's); none: presence only. */
  trustedRoots: () => Promise<Array<Buffer | string>>;
  pushFinalStates: boolean;
  /** An e-Fatura account opens only for a taxpayer that applied to GİB first (store.addApplication). */
  requireApplication: boolean;
}

export class GibMerkez {
  constructor(private readonly d: EngineDeps) {
    d.gibPackage.invoiceChecks(); // compiled now rather than on the first envelope
  }

  private now(): string {
    return this.d.clock().toISOString();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // sendDocument: the synchronous part (Ek-3 §7.2.1, §8)

  /**
   * Takes an envelope in or throws GibProtocolError with a 2xxx code for the SOAP fault. Answers at once; the
   * checks run later (Ek-2 §4: "Merkeze gelen zarfların işlenmesi kuyruk veri yapısı ile sağlanmaktadır").
   */
  receive(fileName: string, zip: Buffer, hash: string): { id: string; md5: string } {
    const md5 = md5Hex(zip);
    if (hash.trim().toLowerCase() !== md5) throw new GibProtocolError(2000, `gelen özet ${hash.slice(0, 40)}, hesaplanan ${md5}`);
    let id: string;
    try {
      id = envelopeIdFromFileName(fileName);
    } catch (err) {
      // 1111 (a name of the wrong length) is answered here as 2006 too: no envelope ID means nothing to queue.
      if (err instanceof GibProtocolError) throw new GibProtocolError(2006, err.detail || err.message, err);
      throw err;
    }
    if (this.d.store.hasEnvelope(id)) throw new GibProtocolError(2001, id);
    const env: SimEnvelope = {
      id,
      fileName,
      md5,
      zip,
      receivedAt: this.now(),
      type: '',
      elementType: '',
      elementCount: 0,
      sender: null,
      receiver: null,
      documentUuids: [],
      documentIds: [],
      documentDetails: [],
      state: 0,
      history: [],
      delivery: { attempts: 0 },
      receiverResponses: [],
    };
    this.d.store.addEnvelope(env);
    this.setState(env, 1000);
    this.d.scheduler.after(this.d.timings.queueMs, () => this.process(env));
    return { id, md5 };
  }

  private setState(env: SimEnvelope, code: number, detail = ''): void {
    env.state = code;
    env.history.push({ code, text: gibText(code), at: this.now(), ...(detail ? { detail } : {}) });
    this.d.log.debug({ envelope: env.id, code, detail }, 'envelope state');
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The asynchronous checks

  private process(env: SimEnvelope): void {
    this.setState(env, 1100);
    this.d.scheduler.after(this.d.timings.processMs, () => this.check(env));
  }

  private async check(env: SimEnvelope): Promise<void> {
    let parsed: ParsedEnvelope;
    try {
      ({ envelope: parsed } = await openEnvelope(env.fileName, env.zip, env.md5, { maxXmlBytes: MAX_XML_BYTES }));
    } catch (err) {
      const v = verdictOf(err);
      this.setState(env, v.code, v.detail);
      // Nothing could be read: no sender to tell; getApplicationResponse still answers.
      return;
    }
    env.type = parsed.type;
    env.elementType = parsed.elementType;
    env.elementCount = parsed.elements.length;
    env.sender = party(parsed.sender);
    env.receiver = party(parsed.receiver);
    for (const e of parsed.elements) {
      const el = e.element as El;
      env.documentUuids.push(childOf(el, NS.cbc, 'UUID')?.text.trim() ?? '');
      env.documentIds.push(childOf(el, NS.cbc, 'ID')?.text.trim() ?? '');
      env.documentDetails.push(documentDetailOf(e.element));
    }

    try {
      const rules = envelopeRuleErrors(parsed);
      if (rules.length > 0) throw new Verdict(1150, rules[0]);
      switch (parsed.type) {
        case 'SENDERENVELOPE':
          await this.checkSenderEnvelope(env, parsed);
          break;
        case 'POSTBOXENVELOPE':
          this.checkPostboxEnvelope(parsed);
          break;
        case 'SYSTEMENVELOPE':
          this.takeSystemEnvelope(env, parsed);
          return;
        case 'USERENVELOPE':
          await this.takeUserEnvelope(env, parsed);
          return;
        default:
          throw new Verdict(1150, `zarf türü ${parsed.type}`);
      }
    } catch (err) {
      const v = verdictOf(err);
      this.setState(env, v.code, v.detail);
      this.pushMerkezResponse(env);
      return;
    }
    this.setState(env, 1200);
    this.pushMerkezResponse(env);
    this.d.scheduler.after(this.d.timings.deliverMs, () => this.deliver(env));
  }

  private async checkSenderEnvelope(env: SimEnvelope, parsed: ParsedEnvelope): Promise<void> {
    for (const [i, e] of parsed.elements.entries()) {
      if (parsed.elementType !== 'INVOICE') break;
      const where = `${i + 1}. belge (${env.documentIds[i] || env.documentUuids[i]})`;
      const checks = this.d.gibPackage.invoiceChecks();
      if (checks) {
        try {
          // The arithmetic is the gateway's own check (GİB's schematron has none): GİB lets it pass.
          await checks.validate(e.document, { container: 'xml', numberWillBeAssigned: false, arithmetic: 'warn' });
        } catch (err) {
          const v = verdictOf(err, 1150);
          throw new Verdict(v.code, `${where}: ${v.detail}`);
        }
      }
      await this.checkSignature(e.document, e.element as El, parsed.sender.vknTckn, where);
    }
    this.checkAliases(parsed, 'GB', 'PK');
    // Ek-2 §4.1: an invoice of an envelope still on its way (not ended in 1215 or 1230) cannot come again.
    for (const [i, uuid] of env.documentUuids.entries()) {
      if (!uuid) continue;
      const earlier = [...this.d.store.envelopes.values()].find(
        (o) =>
          o !== env &&
          o.type === 'SENDERENVELOPE' &&
          o.history.some((h) => h.code === 1200) &&
          o.state !== 1215 &&
          o.state !== 1230 &&
          o.documentUuids.some((u) => u.toLowerCase() === uuid.toLowerCase()),
      );
      if (earlier) throw new Verdict(1163, `${env.documentIds[i] || uuid} (ETTN ${uuid}) ${earlier.id} zarfında`);
    }
  }

  private async checkSignature(document: Buffer, root: El, senderVkn: string, where: string): Promise<void> {
    const roots = await this.d.trustedRoots();
    if (roots.length > 0) {
      await this.verifySigner(document, roots, senderVkn, where);
      return;
    }
    // Presence only: ds:Signature in ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent of the root.
    const exts = childOf(root, NS.ext, 'UBLExtensions');
    const signed = exts?.children.some((x) => {
      const content = x.ns === NS.ext && x.local === 'UBLExtension' ? childOf(x, NS.ext, 'ExtensionContent') : undefined;
      return content?.children.some((s) => s.ns === 'http://www.w3.org/2000/09/xmldsig#' && s.local === 'Signature') ?? false;
    });
    if (!signed) throw new Verdict(1161, `${where}: imza bulunamadı`);
  }

  /**
   * The address checks against the user list: the sender must hold `senderRole` under the alias it used (1171
   * for a GB alias; 1172 for a postbox answering), the receiver `receiverRole` (1181 ADRES BULUNAMADI when no user
   * has the alias at all, else 1172 for a PK / 1171 for a GB alias that is not the receiver's).
   */
  private checkAliases(parsed: ParsedEnvelope, senderRole: 'GB' | 'PK', receiverRole: 'GB' | 'PK'): void {
    const s = parsed.sender;
    const sOk = this.d.store.findAlias(s.alias).some((r) => r.user.vknTckn === s.vknTckn && r.alias.role === senderRole);
    if (!sOk) throw new Verdict(senderRole === 'GB' ? 1171 : 1172, `gönderici ${s.vknTckn} ${s.alias}`);
    const r = parsed.receiver;
    const regs = this.d.store.findAlias(r.alias);
    if (regs.length === 0) throw new Verdict(1181, `alıcı ${r.alias}`);
    if (!regs.some((x) => x.user.vknTckn === r.vknTckn && x.alias.role === receiverRole)) {
      throw new Verdict(receiverRole === 'PK' ? 1172 : 1171, `alıcı ${r.vknTckn} ${r.alias}`);
    }
  }

  private checkPostboxEnvelope(parsed: ParsedEnvelope): void {
    // GİB's schematron for each KABUL/RED/IADE (pattern "applicationresponse"), with the envelope's type and parties.
    const codeLists = this.d.gibPackage.codeLists();
    if (codeLists) {
      const envelope = { type: parsed.type, senderId: parsed.sender.vknTckn, receiverId: parsed.receiver.vknTckn };
      for (const [i, e] of parsed.elements.entries()) {
        const failed = applicationResponseFailures(e.element, codeLists, { envelope, now: this.d.clock });
        if (failed.length > 0) throw new Verdict(1150, `${i + 1}. belge: ${failed.map((f) => `${f.rule}: ${f.message}`).join(' ')}`);
      }
    }
    // An application response goes from the invoice receiver's postbox back to the sender's GB alias.
    this.checkAliases(parsed, 'PK', 'GB');
  }

  /** The receiving side's system response (Ek-2 §4.2): update the envelope it answers, pass it on to the sender. */
  private takeSystemEnvelope(env: SimEnvelope, parsed: ParsedEnvelope): void {
    env.answers = [];
    const targets = new Set<SimEnvelope>();
    for (const e of parsed.elements) {
      let r;
      try {
        r = readSystemResponse(e.element);
      } catch (err) {
        const v = verdictOf(err);
        this.setState(env, v.code, v.detail);
        return;
      }
      env.answers.push({ envelopeId: r.envelopeId, code: r.code, description: r.description });
      const about = this.d.store.getEnvelope(r.envelopeId);
      if (!about || about.receiver?.vknTckn !== parsed.sender.vknTckn) {
        this.d.log.warn({ systemEnvelope: env.id, about: r.envelopeId }, 'system response about an envelope not delivered to its sender');
        continue;
      }
      about.receiverResponses.push({ systemEnvelopeId: env.id, code: r.code, description: r.description, at: this.now() });
      targets.add(about);
      // 1200 from the postbox completes the envelope; any error ends it in 1230; 1000/1100 change nothing.
      if (![1200, 1210, 1220].includes(about.state)) continue;
      if (r.code === 1200) this.finish(about, 1300);
      else if (r.status.outcome === 'error') this.finish(about, 1230, `${r.code} ${r.description}`);
    }
    this.setState(env, 1200);
    for (const about of targets) {
      if (!about.sender) continue;
      const code = env.answers.find((a) => a.envelopeId.toLowerCase() === about.id.toLowerCase())?.code ?? 0;
      this.push({
        systemEnvelopeId: env.id,
        aboutEnvelopeId: about.id,
        code,
        origin: 'forwarded',
        to: about.sender,
        fileName: env.fileName,
        zip: env.zip,
        md5: env.md5,
      });
    }
  }

  /**
   * ProcessUserAccount opens, CancelUserAccount closes aliases (Özel Entegrasyon Kılavuzu §5); 1300 or 1182/1183.
   * Every document is checked before anything changes: the integrator's seal (when roots are configured) and, with
   * `requireApplication`, an e-Fatura opening only for a taxpayer that applied to GİB first (seed 003: "Başvuru
   * yapılmadığı durumlarda aktivasyon işlemi hata alacaktır"). An opened user's documents go to the integrator that
   * opened it (its endpoint).
   */
  private async takeUserEnvelope(env: SimEnvelope, parsed: ParsedEnvelope): Promise<void> {
    if (!USER_ENVELOPE_ALIASES.has(parsed.sender.alias.trim())) throw new Verdict(1150, 'USERENVELOPE gönderici etiketi');
    const integratorVkn = parsed.sender.vknTckn;
    let action: 'PROCESS' | 'CANCEL' = 'PROCESS';
    try {
      const docs = parsed.elements.map((e) => ({ e, ua: readUserAccount(e.element) }));
      const roots = await this.d.trustedRoots();
      for (const [i, { e, ua }] of docs.entries()) {
        action = ua.action;
        // The integrator's seal on a user-account document (in oa:Signature), when roots are configured.
        if (roots.length > 0) await this.verifySigner(e.document, roots, integratorVkn, `${i + 1}. belge`);
        for (const a of ua.accounts) {
          if (ua.action === 'PROCESS' && a.service === 'EFATURA' && this.d.requireApplication && !this.d.store.hasApplication(a.vknTckn)) {
            throw new Verdict(1182, `KULLANICI EKLENEMEDI: ${a.vknTckn} için e-Fatura uygulamasına GİB'e başvuru yapılmamış`);
          }
        }
      }
      for (const { ua } of docs) {
        for (const a of ua.accounts) {
          for (const [i, role] of a.roles.entries()) {
            const alias = a.aliases[i]?.code;
            if (!alias || (role.code !== 'GB' && role.code !== 'PK')) continue;
            if (ua.action === 'PROCESS') {
              this.d.store.upsertUser({ vknTckn: a.vknTckn, title: a.name, aliases: [{ alias, role: role.code }] }, this.d.clock());
              this.d.store.assignToIntegrator(a.vknTckn, integratorVkn);
            } else this.d.store.removeUser(a.vknTckn, alias);
          }
        }
      }
    } catch (err) {
      const v = verdictOf(err, action === 'PROCESS' ? 1182 : 1183);
      this.setState(env, v.code, v.detail);
      this.pushMerkezResponse(env);
      return;
    }
    this.setState(env, 1300);
    this.pushMerkezResponse(env);
  }

  /** A signature verified against the roots, by `signerVkn`'s certificate: 1161 / 1176 / 1177 with GİB's reason. */
  private async verifySigner(document: Buffer, roots: Array<Buffer | string>, signerVkn: string, where: string): Promise<void> {
    try {
      await verifyXml(document, { trustedRoots: roots, expectedSignerId: signerVkn, now: this.d.clock() });
    } catch (err) {
      if (!isGatewayError(err)) throw err;
      const code = err.fault === 'SIGNATURE_MISSING' || err.fault === 'SIGNATURE_OWNER_UNKNOWN' ? 1161 : err.fault === 'SIGNER_NOT_AUTHORISED' ? 1176 : 1177;
      throw new Verdict(code, `${where}: ${err.message}`);
    }
  }


  // ---------------------------------------------------------------------------------------------------------------
  // Delivery to the receiver's postbox

  private async deliver(env: SimEnvelope): Promise<void> {
    if (!env.receiver || this.d.scheduler.isStopped) return;
    env.delivery.attempts++;
    const endpoint = this.d.store.endpointFor(env.receiver);
    const result = endpoint
      ? await this.send(endpoint.url, env.receiver, env.fileName, env.zip, env.md5)
      : { ok: false, error: `${env.receiver.alias} için kayıtlı adres yok` };
    if (endpoint) env.delivery.url = endpoint.url;
    if (result.ok) {
      env.delivery.deliveredAt = this.now();
      delete env.delivery.lastError;
      // The receiver may have answered already (its system response can overtake our HTTP answer).
      if (env.state === 1200 || env.state === 1210) this.setState(env, 1220);
      return;
    }
    env.delivery.lastError = result.error ?? 'bilinmeyen hata';
    if (env.state !== 1210) this.setState(env, 1210, env.delivery.lastError);
    // The first attempt plus `deliveryRetries` retries (GİB: four, two hours apart), then 1215.
    if (env.delivery.attempts > this.d.timings.deliveryRetries) {
      this.finish(env, 1215, env.delivery.lastError);
      return;
    }
    this.d.scheduler.after(this.d.timings.deliveryRetryMs, () => this.deliver(env));
  }

  private finish(env: SimEnvelope, code: 1215 | 1230 | 1300, detail = ''): void {
    this.setState(env, code, detail);
    if (this.d.pushFinalStates) this.pushMerkezResponse(env);
  }

  /** One sendDocument to an integrator, with the "fail N times" injection keyed by URL, VKN or alias. */
  private async send(url: string, to: PartyRecord, fileName: string, zip: Buffer, md5: string): Promise<{ ok: boolean; error?: string }> {
    const f = this.d.faults.failDeliveries;
    for (const key of [url, to.vknTckn, to.alias]) {
      if ((f[key] ?? 0) > 0) {
        f[key]!--;
        return { ok: false, error: 'hata enjeksiyonu: gönderim başarısız' };
      }
    }
    return this.d.http.sendDocument(url, fileName, zip, md5);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // System responses to the sender

  /** The system response Merkez gives for an envelope's current state, in a SYSTEMENVELOPE from GİB (Ek-2 §1). */
  systemEnvelopeFor(env: SimEnvelope, systemEnvelopeId = randomUUID()): Buffer {
    const to: EnvelopeParty = env.sender ? { alias: env.sender.alias, vknTckn: env.sender.vknTckn, ...(env.sender.title ? { title: env.sender.title } : {}) } : GIB_PARTY;
    const type: AnsweredEnvelopeType = env.type === 'POSTBOXENVELOPE' || env.type === 'USERENVELOPE' ? env.type : 'SENDERENVELOPE';
    const last = env.history[env.history.length - 1];
    const text = gibStatus(env.state).text || gibText(env.state);
    const now = this.d.clock();
    return buildSystemEnvelope({
      envelopeId: systemEnvelopeId,
      createdAt: now,
      sender: GIB_PARTY,
      receiver: to,
      responses: [
        {
          uuid: randomUUID(),
          issuedAt: now,
          sender: MERKEZ_UBL_PARTY,
          receiver: { vknTckn: to.vknTckn, ...(to.title ? { name: to.title } : {}) },
          envelopeId: env.id,
          envelopeType: type,
          envelopeDate: env.receivedAt.slice(0, 10),
          code: env.state,
          // GİB appends the detail after its text (e.g. the schematron message).
          description: last?.detail ? `${text}: ${last.detail}`.slice(0, 1000) : text,
        },
      ],
    });
  }

  private pushMerkezResponse(env: SimEnvelope): void {
    if (!env.sender) return;
    const id = randomUUID();
    const xml = this.systemEnvelopeFor(env, id);
    const sender = env.sender;
    const code = env.state;
    this.d.scheduler.after(0, async () => {
      const packed = await packEnvelope(xml, id);
      this.push({ systemEnvelopeId: id, aboutEnvelopeId: env.id, code, origin: 'merkez', to: sender, ...packed });
    });
  }

  private push(p: {
    systemEnvelopeId: string;
    aboutEnvelopeId: string;
    code: number;
    origin: 'merkez' | 'forwarded';
    to: PartyRecord;
    fileName: string;
    zip: Buffer;
    md5: string;
  }): void {
    const rec: PushRecord = {
      systemEnvelopeId: p.systemEnvelopeId,
      aboutEnvelopeId: p.aboutEnvelopeId,
      code: p.code,
      origin: p.origin,
      to: p.to,
      attempts: 0,
      sent: 0,
      status: 'pending',
      createdAt: this.now(),
    };
    this.d.store.pushes.push(rec);
    const attempt = async (): Promise<void> => {
      if (rec.status !== 'pending') return;
      rec.attempts++;
      if (this.d.faults.losePushes > 0) {
        this.d.faults.losePushes--;
        rec.status = 'lost';
        return;
      }
      const endpoint = this.d.store.endpointFor(p.to);
      let result: { ok: boolean; error?: string };
      if (!endpoint) result = { ok: false, error: `${p.to.alias} / ${p.to.vknTckn} için kayıtlı adres yok` };
      else {
        rec.url = endpoint.url;
        result = await this.send(endpoint.url, p.to, p.fileName, p.zip, p.md5);
        if (result.ok) {
          rec.sent++;
          if (this.d.faults.duplicatePushes > 0) {
            this.d.faults.duplicatePushes--;
            const again = await this.d.http.sendDocument(endpoint.url, p.fileName, p.zip, p.md5);
            if (again.ok) rec.sent++;
          }
        }
      }
      if (result.ok) {
        rec.status = 'delivered';
        delete rec.lastError;
        return;
      }
      rec.lastError = result.error ?? 'bilinmeyen hata';
      const max = this.d.timings.pushMaxAttempts;
      if (max > 0 && rec.attempts >= max) {
        rec.status = 'abandoned';
        return;
      }
      this.d.scheduler.after(this.d.timings.pushRetryMs, attempt);
    };
    this.d.scheduler.after(0, attempt);
  }
}

/** Any error of the checks as GİB's code: the codec's and the validator's carry one; anything else is 1195. */
function verdictOf(err: unknown, fallback = 1195): Verdict {
  if (err instanceof Verdict) return err;
  if (err instanceof GibProtocolError) return new Verdict(err.gibCode, err.detail);
  if (isGatewayError(err)) {
    const code = err.code > 1100 && err.code < 1200 ? err.code : fallback;
    return new Verdict(code, err.message);
  }
  return new Verdict(fallback, err instanceof Error ? err.message : String(err));
}

/** For the cancellation portal (cancel-portal.ts): an invoice's IssueDate, ProfileID and PayableAmount (+ currencyID). */
function documentDetailOf(root: XmlElement): SimDocumentDetail {
  const text = (el: XmlElement | undefined, local: string): string => (el ? childOf(el, NS.cbc, local)?.text.trim() ?? '' : '');
  const total = childOf(root, NS.cac, 'LegalMonetaryTotal') as XmlElement | undefined;
  const payable = total ? (childOf(total, NS.cbc, 'PayableAmount') as XmlElement | undefined) : undefined;
  return {
    issueDate: text(root, 'IssueDate'),
    profileId: text(root, 'ProfileID'),
    payableAmount: payable?.text.trim() ?? '',
    currency: payable ? attrValue(payable, 'currencyID') ?? '' : '',
  };
}

/**
 * The simulator's own store: what GİB's Merkez keeps about envelopes, its user list (kullanıcı listesi) and where
 * each integrator receives pushes. It never touches the gateway's database (ARCHITECTURE.md: "The simulator reuses
 * the codec, never the gateway's services or database").
 *
 * Kept in memory: the simulator is a test double whose runs last seconds to hours, tests reset it between cases
 * through the admin API, and a shared SQLite file would add a schema and migrations for data nobody keeps. With a
 * data directory (SIM_DATA_DIR) the user list and endpoints are written to `state.json` on every change and read
 * back at start, and every envelope received is written as `<id>.zip` for inspection, so a restarted simulator
 * still knows its users; envelopes in flight are not resumed after a restart (a simplification).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SimEarsivReport } from './earsiv';
import { CancelRequestStore } from './cancel-portal';

export type AliasRole = 'GB' | 'PK';

export interface SimAlias {
  /** `urn:mail:…` as registered. */
  alias: string;
  /** GB gönderici birim, PK posta kutusu (UserList guide: "Gönderici Birim" / "Posta Kutusu" roles). */
  role: AliasRole;
  createdAt: string;
}

export interface SimUser {
  vknTckn: string;
  title: string;
  aliases: SimAlias[];
}

/** Where an integrator receives GİB's sendDocument calls, for which aliases and/or VKNs. */
export interface SimEndpoint {
  url: string;
  /** Matched first, exactly. */
  aliases: string[];
  /** Fallback when no alias matched. */
  vkns: string[];
  name?: string;
}

export interface StateEntry {
  code: number;
  text: string;
  at: string;
  detail?: string;
}

export interface PartyRecord {
  alias: string;
  vknTckn: string;
  title?: string;
}

export interface DeliveryRecord {
  attempts: number;
  deliveredAt?: string;
  lastError?: string;
  url?: string;
}

/** A system response pushed (or being pushed) to an integrator. */
export interface PushRecord {
  /** The SYSTEMENVELOPE's InstanceIdentifier. */
  systemEnvelopeId: string;
  /** The envelope the system response is about. */
  aboutEnvelopeId: string;
  code: number;
  /** `merkez`: built by the simulator; `forwarded`: the receiver's own SYSTEMENVELOPE passed on unchanged. */
  origin: 'merkez' | 'forwarded';
  to: PartyRecord;
  url?: string;
  attempts: number;
  /** Times the document actually reached the endpoint (2 after a duplicate injection). */
  sent: number;
  status: 'pending' | 'delivered' | 'lost' | 'abandoned';
  lastError?: string;
  createdAt: string;
}

export interface SimEnvelope {
  id: string;
  fileName: string;
  md5: string;
  zip: Buffer;
  receivedAt: string;
  /** sh:Type once parsed ('' before, or when the envelope could not be read). */
  type: string;
  elementType: string;
  elementCount: number;
  sender: PartyRecord | null;
  receiver: PartyRecord | null;
  /** cbc:UUID (ETTN) of each invoice carried, for the 1163 check. */
  documentUuids: string[];
  /** cbc:ID of each document carried. */
  documentIds: string[];
  /** What the cancellation portal checks a request against, per document (cancel-portal.ts). */
  documentDetails: SimDocumentDetail[];
  /** SYSTEMENVELOPE: the envelopes its system responses are about. */
  answers?: Array<{ envelopeId: string; code: number; description: string }>;
  state: number;
  history: StateEntry[];
  delivery: DeliveryRecord;
  /** System responses that arrived from the receiving side about this envelope. */
  receiverResponses: Array<{ systemEnvelopeId: string; code: number; description: string; at: string }>;
}

/** An invoice's cbc:IssueDate, cbc:ProfileID and LegalMonetaryTotal/PayableAmount (+ currencyID), '' when absent. */
export interface SimDocumentDetail {
  issueDate: string;
  profileId: string;
  payableAmount: string;
  currency: string;
}

export interface PersistedState {
  users: SimUser[];
  endpoints: SimEndpoint[];
  /** VKN/TCKNs that applied to GİB for e-Fatura (the prior application seed 003 warns about). */
  applications?: string[];
}

export class SimulatorStore {
  readonly envelopes = new Map<string, SimEnvelope>();
  readonly pushes: PushRecord[] = [];
  /** e-Arşiv reports received at /EArsiv, oldest first, every upload of a package ID (earsiv.ts). */
  readonly earsivReports: SimEarsivReport[] = [];
  /** The e-Fatura cancellation portal's requests (cancel-portal.ts). */
  readonly cancelRequests = new CancelRequestStore();
  private users = new Map<string, SimUser>();
  private endpoints: SimEndpoint[] = [];
  private applications = new Set<string>();

  constructor(private readonly dataDir?: string) {
    if (dataDir) {
      fs.mkdirSync(path.join(dataDir, 'envelopes'), { recursive: true });
      fs.mkdirSync(path.join(dataDir, 'earsiv'), { recursive: true });
      const file = path.join(dataDir, 'state.json');
      if (fs.existsSync(file)) {
        const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as PersistedState;
        for (const u of saved.users ?? []) this.users.set(u.vknTckn, u);
        this.endpoints = saved.endpoints ?? [];
        for (const v of saved.applications ?? []) this.applications.add(v);
      }
    }
  }

  // --- envelopes -------------------------------------------------------------------------------------------

  addEnvelope(e: SimEnvelope): void {
    this.envelopes.set(e.id, e);
    if (this.dataDir) fs.writeFileSync(path.join(this.dataDir, 'envelopes', e.fileName), e.zip);
  }

  /** An e-Arşiv report upload, kept as `<dataDir>/earsiv/<attempt>-<file name>` too (every upload of a package). */
  addEarsivReport(r: { attempt: number; fileName: string; zip: Buffer }): void {
    if (this.dataDir) fs.writeFileSync(path.join(this.dataDir, 'earsiv', `${r.attempt}-${path.basename(r.fileName)}`), r.zip);
  }

  getEnvelope(id: string): SimEnvelope | undefined {
    return this.envelopes.get(id) ?? this.envelopes.get(id.toLowerCase()) ?? this.envelopes.get(id.toUpperCase());
  }

  /** Case-insensitive, as a UUID is: GİB would not take the same envelope ID twice in another case (2001). */
  hasEnvelope(id: string): boolean {
    const lower = id.toLowerCase();
    for (const k of this.envelopes.keys()) if (k.toLowerCase() === lower) return true;
    return false;
  }

  // --- user list -----------------------------------------------------------------------------------------------

  listUsers(): SimUser[] {
    return [...this.users.values()];
  }

  getUser(vknTckn: string): SimUser | undefined {
    return this.users.get(vknTckn);
  }

  /** Adds the user or merges new aliases into it; the title is replaced when given. */
  upsertUser(u: { vknTckn: string; title?: string; aliases?: Array<{ alias: string; role: AliasRole }> }, now: Date): SimUser {
    const existing = this.users.get(u.vknTckn) ?? { vknTckn: u.vknTckn, title: u.title ?? u.vknTckn, aliases: [] };
    if (u.title) existing.title = u.title;
    for (const a of u.aliases ?? []) {
      if (!existing.aliases.some((x) => x.alias === a.alias && x.role === a.role)) {
        existing.aliases.push({ alias: a.alias, role: a.role, createdAt: now.toISOString() });
      }
    }
    this.users.set(u.vknTckn, existing);
    this.save();
    return existing;
  }

  /** Removes one alias, or the whole user when no alias is named. True when something was removed. */
  removeUser(vknTckn: string, alias?: string): boolean {
    const u = this.users.get(vknTckn);
    if (!u) return false;
    if (alias === undefined) this.users.delete(vknTckn);
    else {
      const before = u.aliases.length;
      u.aliases = u.aliases.filter((a) => a.alias !== alias);
      if (u.aliases.length === before) return false;
    }
    this.save();
    return true;
  }

  /** Every registration of an alias (normally one). */
  findAlias(alias: string): Array<{ user: SimUser; alias: SimAlias }> {
    const out: Array<{ user: SimUser; alias: SimAlias }> = [];
    for (const user of this.users.values()) for (const a of user.aliases) if (a.alias === alias) out.push({ user, alias: a });
    return out;
  }

  // --- e-Fatura applications (başvuru) ---------------------------------------------------------------------------

  /** Records that a taxpayer applied to GİB for e-Fatura (on GİB's own site, before its integrator opens it). */
  addApplication(vknTckn: string): void {
    this.applications.add(vknTckn);
    this.save();
  }

  removeApplication(vknTckn: string): boolean {
    const had = this.applications.delete(vknTckn);
    this.save();
    return had;
  }

  hasApplication(vknTckn: string): boolean {
    return this.applications.has(vknTckn);
  }

  listApplications(): string[] {
    return [...this.applications];
  }

  /**
   * A taxpayer an integrator opened: its documents go where that integrator's own are delivered (the endpoint that
   * holds the integrator's VKN), as GİB routes to the integrator a user belongs to.
   */
  assignToIntegrator(vknTckn: string, integratorVkn: string): void {
    const endpoint = this.endpoints.find((e) => e.vkns.includes(integratorVkn));
    if (!endpoint || endpoint.vkns.includes(vknTckn)) return;
    endpoint.vkns = [...endpoint.vkns, vknTckn];
    this.save();
  }

  // --- integrator endpoints --------------------------------------------------------------------------------------

  listEndpoints(): SimEndpoint[] {
    return this.endpoints;
  }

  /** Registers an endpoint; one already registered for the same URL is replaced. */
  registerEndpoint(e: SimEndpoint): void {
    this.endpoints = this.endpoints.filter((x) => x.url !== e.url).concat([e]);
    this.save();
  }

  removeEndpoint(url: string): boolean {
    const before = this.endpoints.length;
    this.endpoints = this.endpoints.filter((x) => x.url !== url);
    this.save();
    return this.endpoints.length !== before;
  }

  /** The endpoint receiving documents for a party: by its alias first, then by its VKN/TCKN. */
  endpointFor(party: { alias: string; vknTckn: string }): SimEndpoint | undefined {
    return this.endpoints.find((e) => e.aliases.includes(party.alias)) ?? this.endpoints.find((e) => e.vkns.includes(party.vknTckn));
  }

  // --- reset -------------------------------------------------------------------------------------------------------

  reset(opts: { users?: boolean; endpoints?: boolean } = {}): void {
    this.envelopes.clear();
    this.pushes.length = 0;
    this.earsivReports.length = 0;
    this.cancelRequests.clear();
    if (opts.users !== false) this.users.clear();
    if (opts.endpoints !== false) this.endpoints = [];
    if (opts.users !== false) this.applications.clear();
    this.save();
  }

  private save(): void {
    if (!this.dataDir) return;
    const state: PersistedState = { users: this.listUsers(), endpoints: this.endpoints, applications: this.listApplications() };
    const file = path.join(this.dataDir, 'state.json');
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
    fs.renameSync(`${file}.tmp`, file);
  }
}

/**
 * Opening and closing a taxpayer's accounts at GİB: HR-XML ProcessUserAccount / CancelUserAccount documents, sent
 * in a USERENVELOPE to GİB (Özel Entegrasyon Kılavuzu v1.13 §5, ../shared/gib/docs/efatura-e-Fatura_Uygulamasi_
 * Ozel_Entegrasyon_Kilavuzu_v1.13.txt; samples 4_KULLANICI_ACMA*.xml, 5_KULLANICI_SILME*.xml,
 * 8_/9_FATURA_SAKLAMA_KULLANICI_*.xml). GİB answers with a system response: 1300, or 1182 KULLANICI EKLENEMEDİ /
 * 1183 KULLANICI SİLENEMEDİ.
 *
 * The document is built unsigned with an empty oa:Signature: it must carry the integrator's seal and, in it, the
 * customer's serial signature (§5.2 item 1.4; ApplicationAreaCheck wants exactly one oa:Signature). The signer puts
 * ds:Signature into that element (src/signing/xades.ts, placement by parentXPath).
 */
import type { XmlElement } from '../../xml/parse';
import { buildEnvelope, GIB_PARTY } from './envelope';
import { invalidField } from './errors';
import {
  child,
  children,
  childText,
  dateTimeValue,
  is,
  leaf,
  nameOf,
  NS,
  parseGibXml,
  required,
  requiredText,
  requireText,
  requireVknTckn,
  schemaError,
  XML_DECLARATION,
} from './markup';

/**
 * GİB's services: the sender alias of the USERENVELOPE (§5.1 item 2.1) and the first of the service's four
 * UserOptionCodes (§5.2 item 2.2.6.1: KAMU, ÖZEL, VUK 507 KAMU, VUK 507 ÖZEL = base+1 … base+4; the last five
 * services have no VUK 507 codes).
 */
export const USER_SERVICES = {
  EFATURA: { alias: 'usergb', base: 0, vuk507: true },
  FATURA_SAKLAMA: { alias: 'archive', base: 10, vuk507: true },
  EARSIV: { alias: 'earchive', base: 20, vuk507: true },
  EARSIV_ARSIV: { alias: 'archive_earchive', base: 30, vuk507: true },
  EBILET: { alias: 'eticket', base: 40, vuk507: true },
  EIRSALIYE: { alias: 'edespatch', base: 50, vuk507: true },
  EIRSALIYE_ARSIV: { alias: 'archive_edespatch', base: 60, vuk507: true },
  ESMM: { alias: 'esevoucher', base: 70, vuk507: true },
  EMM: { alias: 'epreceipt', base: 80, vuk507: true },
  ESMM_ARSIV: { alias: 'esevoucher_archive', base: 90, vuk507: true },
  EMM_ARSIV: { alias: 'epreceipt_archive', base: 100, vuk507: true },
  MALI_RAPOR_ESKI: { alias: 'erevenue', base: 110, vuk507: false },
  MALI_RAPOR_YENI: { alias: 'erevenue', base: 120, vuk507: false },
  EDEKONT: { alias: 'ebreceipt', base: 130, vuk507: false },
  EDOVIZ: { alias: 'eexchangecert', base: 140, vuk507: false },
  EADISYON: { alias: 'echeck', base: 150, vuk507: false },
  ESIGORTA_KOMISYON: { alias: 'einsurancecomm', base: 160, vuk507: false },
} as const;

export type UserService = keyof typeof USER_SERVICES;

/**
 * Services whose messages carry no UserRole (§5.2 item 2.2.3: "Saklama, e-Arşiv, e-Arşiv arşiv, e-Bilet,
 * e-İrsaliye arşiv") and, for storage, no AuthorizedWorkScope either (item 2.2.4; the 8_ sample).
 */
const NO_ROLE: ReadonlySet<UserService> = new Set(['FATURA_SAKLAMA', 'EARSIV', 'EARSIV_ARSIV', 'EBILET', 'EIRSALIYE_ARSIV']);
const NO_WORK_SCOPE: ReadonlySet<UserService> = new Set(['FATURA_SAKLAMA']);

/** The UserOptionCode for a service, a public (kamu) or private (özel) taxpayer, within VUK 507 or not. */
export function userOptionCode(service: UserService, opts: { publicSector?: boolean; vuk507?: boolean } = {}): number {
  const s = USER_SERVICES[service];
  if (!s) throw invalidField('service', `bilinmeyen hizmet ${String(service)}`);
  if (opts.vuk507 && !s.vuk507) throw invalidField('vuk507', `${service} için VUK 507 kodu yok`);
  return s.base + (opts.publicSector ? 1 : 2) + (opts.vuk507 ? 2 : 0);
}

/** The service a UserOptionCode belongs to (MALI_RAPOR_* share the alias erevenue). */
export function serviceOfOptionCode(code: number): UserService | undefined {
  for (const [name, s] of Object.entries(USER_SERVICES) as Array<[UserService, (typeof USER_SERVICES)[UserService]]>) {
    if (code > s.base && code <= s.base + (s.vuk507 ? 4 : 2)) return name;
  }
  return undefined;
}

export type UserAccountAction = 'PROCESS' | 'CANCEL';

export interface UserAccountEntry {
  /** UserID: the customer's VKN/TCKN. */
  vknTckn: string;
  /** PersonName/FormattedName: the registered title, or a person's name and surname. */
  name: string;
  /** For a person (TCKN): given, middle and family name (§5.2 items 2.2.2.2–2.2.2.4). */
  givenName?: string;
  middleName?: string;
  familyName?: string;
  /** UserRole: GB (Gönderici Birim) or PK (Posta Kutusu). */
  role?: 'GB' | 'PK';
  /** AuthorizedWorkScope/WorkScopeCode: the alias, e.g. `urn:mail:defaultgb@firma.com.tr`. */
  alias?: string;
  /** WorkScopeName: the alias's description; default the alias itself (§5.2 item 2.2.5.1 allows that). */
  aliasName?: string;
  /** AccountConfiguration/UserOptionCode (see userOptionCode). */
  optionCode: number;
}

export interface UserAccountSpec {
  action: UserAccountAction;
  /** oa:Sender/oa:LogicalID: the integrator's VKN (§5.2 item 1.1.1). */
  integratorVkn: string;
  /** oa:CreationDateTime. */
  createdAt: Date | string;
  accounts: readonly UserAccountEntry[];
}

const ROLE_NAMES = { GB: 'Gönderici Birim', PK: 'Posta Kutusu' } as const;

/** The unsigned ProcessUserAccount / CancelUserAccount document (UTF-8, with an XML declaration). */
export function buildUserAccount(spec: UserAccountSpec): Buffer {
  const f = 'userAccount';
  if (spec.action !== 'PROCESS' && spec.action !== 'CANCEL') throw invalidField(`${f}.action`, 'PROCESS veya CANCEL olmalı');
  requireVknTckn(spec.integratorVkn, `${f}.integratorVkn`);
  if (spec.accounts.length === 0) throw invalidField(`${f}.accounts`, 'en az bir kullanıcı olmalı');
  const rootName = spec.action === 'PROCESS' ? 'ProcessUserAccount' : 'CancelUserAccount';
  const verb = spec.action === 'PROCESS' ? '<oa:Process/>' : '<oa:Cancel/>';
  const accounts = spec.accounts.map((a, i) => userAccount(a, `${f}.accounts[${i}]`)).join('');
  const xml =
    `${XML_DECLARATION}\n` +
    // releaseID is required by OAGIS' BusinessObjectDocumentType; GİB's samples carry an editor's placeholder.
    `<${rootName} xmlns="${NS.hr}" xmlns:oa="${NS.oa}" releaseID="1.0">` +
    '<oa:ApplicationArea>' +
    `<oa:Sender>${leaf('oa:LogicalID', spec.integratorVkn)}</oa:Sender>` +
    // §5.2 item 1.2: "Receiver: İçi boş bırakılmalıdır."
    '<oa:Receiver/>' +
    leaf('oa:CreationDateTime', dateTimeValue(spec.createdAt, `${f}.createdAt`)) +
    '<oa:Signature/>' +
    '</oa:ApplicationArea>' +
    `<DataArea>${verb}${accounts}</DataArea>` +
    `</${rootName}>\n`;
  return Buffer.from(xml, 'utf8');
}

function userAccount(a: UserAccountEntry, field: string): string {
  requireVknTckn(a.vknTckn, `${field}.vknTckn`);
  requireText(a.name, `${field}.name`);
  if (!Number.isInteger(a.optionCode)) throw invalidField(`${field}.optionCode`, 'tam sayı olmalı');
  const service = serviceOfOptionCode(a.optionCode);
  if (!service) throw invalidField(`${field}.optionCode`, `${a.optionCode} GİB'in UserOptionCode tablosunda yok`);
  if (a.role !== undefined && a.role !== 'GB' && a.role !== 'PK') throw invalidField(`${field}.role`, 'GB veya PK olmalı');
  if (a.role !== undefined && NO_ROLE.has(service)) throw invalidField(`${field}.role`, `${service} mesajında UserRole kullanılmaz`);
  if (a.alias !== undefined && NO_WORK_SCOPE.has(service)) throw invalidField(`${field}.alias`, `${service} mesajında AuthorizedWorkScope kullanılmaz`);
  if (a.alias !== undefined) requireText(a.alias, `${field}.alias`);
  return (
    '<UserAccount>' +
    leaf('UserID', a.vknTckn) +
    // PersonName as in the samples: FormattedName, oa:GivenName, MiddleName, FamilyName (the samples write the
    // three empty for a company; they are left out here, which the schema allows).
    '<PersonName>' +
    leaf('FormattedName', a.name, `${field}.name`) +
    (a.givenName !== undefined ? leaf('oa:GivenName', a.givenName, `${field}.givenName`) : '') +
    (a.middleName !== undefined ? leaf('MiddleName', a.middleName, `${field}.middleName`) : '') +
    (a.familyName !== undefined ? leaf('FamilyName', a.familyName, `${field}.familyName`) : '') +
    '</PersonName>' +
    (a.role !== undefined ? `<UserRole>${leaf('RoleCode', a.role)}${leaf('RoleName', ROLE_NAMES[a.role])}</UserRole>` : '') +
    (a.alias !== undefined
      ? `<AuthorizedWorkScope>${leaf('WorkScopeCode', a.alias, `${field}.alias`)}${leaf('WorkScopeName', a.aliasName ?? a.alias, `${field}.aliasName`)}</AuthorizedWorkScope>`
      : '') +
    `<AccountConfiguration>${leaf('UserOptionCode', String(a.optionCode))}</AccountConfiguration>` +
    '</UserAccount>'
  );
}

export interface UserEnvelopeSpec {
  envelopeId: string;
  createdAt: Date | string;
  service: UserService;
  /** The integrator as the envelope's sender: its VKN (§5.1 item 2.2.1) and title. */
  integrator: { vknTckn: string; title?: string };
  action: UserAccountAction;
  /** Signed ProcessUserAccount / CancelUserAccount documents, all of the same action (§5.1 item 1.3). */
  documents: readonly Buffer[];
}

/** The USERENVELOPE: from the service's fixed alias (§5.1 item 2.1) to GİB (items 3.1–3.2). */
export function buildUserEnvelope(spec: UserEnvelopeSpec): Buffer {
  const s = USER_SERVICES[spec.service];
  if (!s) throw invalidField('userEnvelope.service', `bilinmeyen hizmet ${String(spec.service)}`);
  return buildEnvelope({
    id: spec.envelopeId,
    type: 'USERENVELOPE',
    createdAt: spec.createdAt,
    sender: { alias: s.alias, vknTckn: spec.integrator.vknTckn, ...(spec.integrator.title !== undefined ? { title: spec.integrator.title } : {}) },
    receiver: { ...GIB_PARTY },
    elementType: spec.action === 'PROCESS' ? 'PROCESSUSERACCOUNT' : 'CANCELUSERACCOUNT',
    elements: spec.documents,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

export interface ParsedUserAccount {
  action: UserAccountAction;
  integratorVkn: string;
  createdAt: string;
  /** Whether oa:Signature holds a ds:Signature. */
  signed: boolean;
  accounts: Array<{
    vknTckn: string;
    name: string;
    givenName?: string;
    middleName?: string;
    familyName?: string;
    roles: Array<{ code: string; name: string }>;
    aliases: Array<{ code: string; name: string }>;
    optionCodes: number[];
    /** The service of the first option code, when GİB's table knows it. */
    service?: UserService;
  }>;
}

export function parseUserAccount(xml: Buffer): ParsedUserAccount {
  const doc = parseGibXml(xml);
  return readUserAccount(doc.root);
}

/** From the element (e.g. in a parsed USERENVELOPE). Throws GibProtocolError 1160 for a missing part. */
export function readUserAccount(root: XmlElement): ParsedUserAccount {
  const action: UserAccountAction | null = is(root, NS.hr, 'ProcessUserAccount') ? 'PROCESS' : is(root, NS.hr, 'CancelUserAccount') ? 'CANCEL' : null;
  if (!action) throw schemaError(`ProcessUserAccount veya CancelUserAccount bekleniyordu, ${nameOf(root)} bulundu`);
  const area = required(root, NS.oa, 'ApplicationArea', root.local);
  const sender = required(area, NS.oa, 'Sender', 'oa:ApplicationArea');
  const signature = child(area, NS.oa, 'Signature');
  const data = required(root, NS.hr, 'DataArea', root.local);
  const accounts = children(data, NS.hr, 'UserAccount').map((ua) => {
    const pn = child(ua, NS.hr, 'PersonName');
    const opt = (local: string, ns: string = NS.hr): Record<string, string> => {
      const c = pn && child(pn, ns, local);
      return c && c.text.trim() !== '' ? { [local.charAt(0).toLowerCase() + local.slice(1)]: c.text.trim() } : {};
    };
    const config = child(ua, NS.hr, 'AccountConfiguration');
    const optionCodes = (config ? children(config, NS.hr, 'UserOptionCode') : []).map((c) => Number(c.text.trim()));
    const service = optionCodes.length > 0 ? serviceOfOptionCode(optionCodes[0]!) : undefined;
    return {
      vknTckn: childText(ua, NS.hr, 'UserID'),
      name: (pn && childText(pn, NS.hr, 'FormattedName')) || '',
      ...opt('GivenName', NS.oa),
      ...opt('MiddleName'),
      ...opt('FamilyName'),
      roles: children(ua, NS.hr, 'UserRole').map((r) => ({ code: childText(r, NS.hr, 'RoleCode'), name: childText(r, NS.hr, 'RoleName') })),
      aliases: children(ua, NS.hr, 'AuthorizedWorkScope').map((w) => ({ code: childText(w, NS.hr, 'WorkScopeCode'), name: childText(w, NS.hr, 'WorkScopeName') })),
      optionCodes,
      ...(service ? { service } : {}),
    };
  });
  return {
    action,
    integratorVkn: requiredText(sender, NS.oa, 'LogicalID', 'oa:ApplicationArea/oa:Sender'),
    createdAt: requiredText(area, NS.oa, 'CreationDateTime', 'oa:ApplicationArea'),
    signed: !!signature && signature.children.some((c) => c.ns === 'http://www.w3.org/2000/09/xmldsig#' && c.local === 'Signature'),
    accounts,
  };
}

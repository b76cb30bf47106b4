/**
 * GİB's user list (kullanıcı listesi) of registered e-Fatura / e-İrsaliye users, as a pure codec, following
 * ../shared/gib/docs/efatura-UserList_Kullanici_Listeleri_Kilavuzu_V.1.0.txt §2 (and its schema,
 * ../shared/gib/e-fatura-paketi/xsd/Userlist/NewUserList.xsd; no namespace):
 *
 *   <UserList>
 *     <User>                                       1..n
 *       <Identifier>VKN (10) or TCKN (11)</Identifier>
 *       <Title>unvan / ad soyad</Title>
 *       <Type>KAMU | OZEL</Type>
 *       <FirstCreationTime>2014-04-01T00:00:00</FirstCreationTime>
 *       <AccountType>GIBPORTAL | ENTEGRASYON | OZELENTEGRASYON</AccountType>
 *       <Documents>
 *         <Document type="Invoice | DespatchAdvice">              1..n
 *           <Alias><Name>urn:mail:…</Name><CreationTime>…</CreationTime><DeletionTime>…</DeletionTime>?</Alias>  1..n
 *
 * Times are written as GİB writes them, Turkish wall-clock time without an offset (markup.ts turkishTime).
 *
 * GB or PK: the list's XML has no element saying whether an alias is a sender unit (gönderici birim) or a postbox
 * (posta kutusu) — GİB publishes the two as separate lists. So a list is built for one role (the aliases of that
 * role only) or for all aliases, and a parsed list's aliases take the role the caller says the list is (PK by
 * default: the postbox list is the one a sender addresses invoices from).
 */
import { invalidField } from './errors';
import { XML_DECLARATION, VKN_TCKN_RE, children, leaf, escapeAttr, is, nameOf, parseGibXml, required, requiredText, schemaError } from './markup';

export type UserListRole = 'GB' | 'PK';

/** Document/@type (NewUserList.xsd DocType). */
export const USER_LIST_DOCUMENT_TYPES = ['Invoice', 'DespatchAdvice'] as const;
/** Type (UsrType). */
export const USER_LIST_USER_TYPES = ['KAMU', 'OZEL'] as const;
/** AccountType (AccType). */
export const USER_LIST_ACCOUNT_TYPES = ['GIBPORTAL', 'ENTEGRASYON', 'OZELENTEGRASYON'] as const;

export interface GibUserAlias {
  /** Name: `urn:mail:…`. */
  alias: string;
  role: 'GB' | 'PK';
  /** Document/@type: 'Invoice' for e-Fatura aliases, 'DespatchAdvice' for e-İrsaliye. */
  documentType: string;
  /** CreationTime (YYYY-MM-DDTHH:mm:ss, Turkish time). */
  creationTime?: string;
  /** DeletionTime, for an alias that was closed. */
  deletionTime?: string;
}

export interface GibUser {
  /** Identifier */
  vknTckn: string;
  /** Title */
  title: string;
  /** Type: KAMU or OZEL (built as OZEL when not given). */
  type?: string;
  /** FirstCreationTime (built as the earliest alias CreationTime when not given). */
  firstCreationTime?: string;
  /** AccountType: GIBPORTAL, ENTEGRASYON or OZELENTEGRASYON (built as OZELENTEGRASYON when not given). */
  accountType?: string;
  aliases: Array<{ alias: string; role: 'GB' | 'PK'; documentType: string; creationTime?: string; deletionTime?: string }>;
}

export interface UserListOptions {
  /** Build: only the aliases of this role. Parse: the role of every alias read (default PK). */
  role?: UserListRole;
}

/** The guide's time form (every sample: `2014-04-01T00:00:00`). */
const TIME_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$/;

function time(value: string, field: string): string {
  if (!TIME_RE.test(value)) throw invalidField(field, 'YYYY-AA-GGTSS:DD:ss biçiminde olmalı (ör. 2014-04-01T00:00:00)');
  return value;
}

function oneOf(value: string, allowed: readonly string[], field: string): string {
  if (!allowed.includes(value)) throw invalidField(field, `şunlardan biri olmalı: ${allowed.join(', ')}`);
  return value;
}

/**
 * The UserList XML (UTF-8, with a declaration). Users are written in the order given; a user with no alias (of
 * `opts.role`, when given) is left out, as the guide requires at least one Document with one Alias (§2.1.1.6)
 * and such a user is not, or no longer, reachable. Aliases are grouped into one Document per type, in order of
 * first appearance.
 */
export function buildUserList(users: readonly GibUser[], opts: UserListOptions = {}): Buffer {
  const seen = new Set<string>();
  const out: string[] = [];
  users.forEach((u, i) => {
    const f = `userList[${i}]`;
    if (!VKN_TCKN_RE.test(u.vknTckn)) throw invalidField(`${f}.vknTckn`, '10 haneli VKN veya 11 haneli TCKN olmalı');
    if (seen.has(u.vknTckn)) throw invalidField(`${f}.vknTckn`, `${u.vknTckn} listede birden çok kez geçiyor`);
    seen.add(u.vknTckn);
    if (typeof u.title !== 'string' || u.title.trim() === '') throw invalidField(`${f}.title`, 'boş olamaz');
    const aliases = u.aliases.filter((a) => opts.role === undefined || a.role === opts.role);
    if (aliases.length === 0) return;

    const byType = new Map<string, string[]>();
    let earliest: string | undefined;
    aliases.forEach((a, j) => {
      const fa = `${f}.aliases[${j}]`;
      if (typeof a.alias !== 'string' || a.alias.trim() === '') throw invalidField(`${fa}.alias`, 'boş olamaz');
      if (a.role !== 'GB' && a.role !== 'PK') throw invalidField(`${fa}.role`, 'GB veya PK olmalı');
      oneOf(a.documentType, USER_LIST_DOCUMENT_TYPES, `${fa}.documentType`);
      const created = a.creationTime ?? u.firstCreationTime;
      if (created === undefined) throw invalidField(`${fa}.creationTime`, 'CreationTime zorunludur (ya da kullanıcının firstCreationTime değeri)');
      time(created, `${fa}.creationTime`);
      if (earliest === undefined || created < earliest) earliest = created;
      const deleted = a.deletionTime === undefined ? '' : leaf('DeletionTime', time(a.deletionTime, `${fa}.deletionTime`));
      const list = byType.get(a.documentType) ?? [];
      list.push(`<Alias>${leaf('Name', a.alias, `${fa}.alias`)}${leaf('CreationTime', created)}${deleted}</Alias>`);
      byType.set(a.documentType, list);
    });
    const first = time(u.firstCreationTime ?? earliest!, `${f}.firstCreationTime`);
    const documents = [...byType].map(([type, list]) => `<Document type="${escapeAttr(type)}">${list.join('')}</Document>`).join('');
    out.push(
      '<User>' +
        leaf('Identifier', u.vknTckn) +
        leaf('Title', u.title, `${f}.title`) +
        leaf('Type', oneOf(u.type ?? 'OZEL', USER_LIST_USER_TYPES, `${f}.type`)) +
        leaf('FirstCreationTime', first) +
        leaf('AccountType', oneOf(u.accountType ?? 'OZELENTEGRASYON', USER_LIST_ACCOUNT_TYPES, `${f}.accountType`)) +
        `<Documents>${documents}</Documents>` +
        '</User>',
    );
  });
  return Buffer.from(`${XML_DECLARATION}\n<UserList>${out.join('')}</UserList>\n`, 'utf8');
}

/**
 * Reads a UserList. Values are returned as written (trimmed: the guide's own example writes `<Name>
 * urn:mail:…</Name>`); an Alias with several Name elements (NewUserList.xsd allows it) gives one alias per name.
 * GibProtocolError 1132/1140 for what is not XML, 1160 for a missing required part.
 */
export function parseUserList(xml: Buffer, opts: UserListOptions = {}): GibUser[] {
  const role: UserListRole = opts.role ?? 'PK';
  // GİB's whole list of users (≈ 10 elements each) comes from GİB's e-Arşiv service, bounded by the client's unzip
  // limit; the per-document element count does not fit it.
  const root = parseGibXml(xml, { maxNodes: Number.POSITIVE_INFINITY }).root;
  if (!is(root, '', 'UserList')) throw schemaError(`UserList bekleniyordu, ${nameOf(root)} bulundu`);
  return children(root, '', 'User').map((u) => {
    const p = 'UserList/User';
    const type = u.children.find((c) => is(c, '', 'Type'));
    const account = u.children.find((c) => is(c, '', 'AccountType'));
    const first = u.children.find((c) => is(c, '', 'FirstCreationTime'));
    const aliases: GibUser['aliases'] = [];
    for (const d of children(required(u, '', 'Documents', p), '', 'Document')) {
      const documentType = d.attrs.find((a) => a.ns === '' && a.local === 'type')?.value ?? '';
      for (const a of children(d, '', 'Alias')) {
        const created = a.children.find((c) => is(c, '', 'CreationTime'))?.text.trim();
        const deleted = a.children.find((c) => is(c, '', 'DeletionTime'))?.text.trim();
        for (const n of children(a, '', 'Name')) {
          aliases.push({
            alias: n.text.trim(),
            role,
            documentType,
            ...(created !== undefined ? { creationTime: created } : {}),
            ...(deleted !== undefined ? { deletionTime: deleted } : {}),
          });
        }
      }
    }
    return {
      vknTckn: requiredText(u, '', 'Identifier', p),
      title: requiredText(u, '', 'Title', p),
      ...(type ? { type: type.text.trim() } : {}),
      ...(first ? { firstCreationTime: first.text.trim() } : {}),
      ...(account ? { accountType: account.text.trim() } : {}),
      aliases,
    };
  });
}

/**
 * The GB and PK lists of the same users, merged: one user per VKN/TCKN with the aliases of both (GB first). The
 * user's other fields come from the first list that names it.
 */
export function mergeUserLists(...lists: readonly GibUser[][]): GibUser[] {
  const byId = new Map<string, GibUser>();
  for (const list of lists) {
    for (const u of list) {
      const known = byId.get(u.vknTckn);
      if (known) known.aliases.push(...u.aliases.map((a) => ({ ...a })));
      else byId.set(u.vknTckn, { ...u, aliases: u.aliases.map((a) => ({ ...a })) });
    }
  }
  return [...byId.values()];
}

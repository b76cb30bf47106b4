import path from 'node:path';
import { expect } from 'chai';
import { isGibProtocolError } from '../../src/gib/protocol/errors';
import { buildUserList, mergeUserLists, parseUserList, type GibUser } from '../../src/gib/protocol/user-list';
import { doc, fieldError, GIB_DIR, xmllint } from './helpers';

const GUIDE = 'efatura-UserList_Kullanici_Listeleri_Kilavuzu_V.1.0.txt';
const XSD = path.join(GIB_DIR, 'e-fatura-paketi', 'xsd', 'Userlist', 'NewUserList.xsd');

/** The guide's complete sample ("User List Örnek xml yapısı aşağıdaki gibidir."), as printed. */
function guideSample(): string {
  const text = doc(GUIDE);
  const from = text.indexOf('<UserList>', text.indexOf('User List Örnek xml yapısı'));
  const to = text.indexOf('</UserList>', from) + '</UserList>'.length;
  expect(from).to.be.greaterThan(0);
  return text.slice(from, to);
}

/** Markup without the white space between tags. */
const squash = (xml: string): string => xml.replace(/<\?xml[^>]*\?>/, '').replace(/>\s+</g, '><').trim();

const validate = (xml: Buffer) => xmllint(XSD, xml);

describe('gib/protocol user-list', function () {
  this.timeout(30_000);

  it('reads the guide’s sample and builds it back element for element; both pass NewUserList.xsd', () => {
    const sample = guideSample();
    expect(validate(Buffer.from(sample)).ok).to.equal(true);
    const users = parseUserList(Buffer.from(sample), { role: 'GB' });
    expect(users).to.deep.equal([
      {
        vknTckn: '3900383669',
        title: 'GELİR İDARESİ BAŞKANLIĞI',
        type: 'KAMU',
        firstCreationTime: '2014-04-01T00:00:00',
        accountType: 'ENTEGRASYON',
        aliases: [
          { alias: 'urn:mail:defaultgb@gib.gov.tr', role: 'GB', documentType: 'Invoice', creationTime: '2014-04-01T00:00:00' },
          { alias: 'urn:mail:defaultgb@gmail.com', role: 'GB', documentType: 'Invoice', creationTime: '2014-04-01T00:00:00', deletionTime: '2026-03-26T00:00:00' },
          { alias: 'urn:mail:irsaliyegb@gib.gov.tr', role: 'GB', documentType: 'DespatchAdvice', creationTime: '2014-04-01T00:00:00' },
          { alias: 'urn:mail:irsaliyegb@gmail.com', role: 'GB', documentType: 'DespatchAdvice', creationTime: '2014-04-01T00:00:00', deletionTime: '2026-03-26T00:00:00' },
        ],
      },
    ]);
    const built = buildUserList(users);
    expect(squash(built.toString('utf8'))).to.equal(squash(sample));
    expect(built.toString('utf8').startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<UserList>')).to.equal(true);
    const v = validate(built);
    expect(v.ok, v.output).to.equal(true);
  });

  it('builds the list of one role, with the guide’s defaults for what the simulator does not know; valid against the XSD', () => {
    const users: GibUser[] = [
      {
        vknTckn: '1234567801',
        title: 'A ANONİM ŞİRKETİ <& Ortakları>',
        aliases: [
          { alias: 'urn:mail:defaultgb@a.com.tr', role: 'GB', documentType: 'Invoice', creationTime: '2024-01-02T10:00:00' },
          { alias: 'urn:mail:defaultpk@a.com.tr', role: 'PK', documentType: 'Invoice', creationTime: '2024-01-01T09:00:00' },
        ],
      },
      { vknTckn: '98765432101', title: 'Ayşe Yılmaz', type: 'OZEL', accountType: 'GIBPORTAL', firstCreationTime: '2020-05-05T00:00:00', aliases: [{ alias: 'urn:mail:defaultgb@ayse.com', role: 'GB', documentType: 'Invoice' }] },
    ];
    const pk = buildUserList(users, { role: 'PK' });
    expect(validate(pk).ok, validate(pk).output).to.equal(true);
    const readPk = parseUserList(pk);
    expect(readPk).to.deep.equal([
      {
        vknTckn: '1234567801',
        title: 'A ANONİM ŞİRKETİ <& Ortakları>',
        type: 'OZEL',
        firstCreationTime: '2024-01-01T09:00:00',
        accountType: 'OZELENTEGRASYON',
        aliases: [{ alias: 'urn:mail:defaultpk@a.com.tr', role: 'PK', documentType: 'Invoice', creationTime: '2024-01-01T09:00:00' }],
      },
    ]); // the second user has no PK alias: not in the PK list
    const gb = buildUserList(users, { role: 'GB' });
    expect(validate(gb).ok).to.equal(true);
    const readGb = parseUserList(gb, { role: 'GB' });
    expect(readGb.map((u) => u.vknTckn)).to.deep.equal(['1234567801', '98765432101']);
    // an alias without CreationTime takes the user's FirstCreationTime
    expect(readGb[1]).to.deep.include({ type: 'OZEL', accountType: 'GIBPORTAL', firstCreationTime: '2020-05-05T00:00:00' });
    expect(readGb[1]!.aliases[0]!.creationTime).to.equal('2020-05-05T00:00:00');

    const merged = mergeUserLists(readGb, readPk);
    expect(merged.find((u) => u.vknTckn === '1234567801')!.aliases.map((a) => `${a.role} ${a.alias}`)).to.deep.equal(['GB urn:mail:defaultgb@a.com.tr', 'PK urn:mail:defaultpk@a.com.tr']);
    expect(buildUserList([])).to.deep.equal(Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<UserList></UserList>\n'));
  });

  it('refuses what the guide does not allow', () => {
    const u: GibUser = { vknTckn: '1234567801', title: 'A', aliases: [{ alias: 'urn:mail:a', role: 'PK', documentType: 'Invoice', creationTime: '2024-01-01T00:00:00' }] };
    expect(fieldError(() => buildUserList([{ ...u, vknTckn: '123' }]))).to.match(/vknTckn/);
    expect(fieldError(() => buildUserList([u, u]))).to.match(/birden çok/);
    expect(fieldError(() => buildUserList([{ ...u, title: ' ' }]))).to.match(/title/);
    expect(fieldError(() => buildUserList([{ ...u, type: 'SIRKET' }]))).to.match(/type.*KAMU, OZEL/);
    expect(fieldError(() => buildUserList([{ ...u, accountType: 'PORTAL' }]))).to.match(/accountType/);
    expect(fieldError(() => buildUserList([{ ...u, aliases: [{ ...u.aliases[0]!, documentType: 'CreditNote' }] }]))).to.match(/documentType.*Invoice, DespatchAdvice/);
    expect(fieldError(() => buildUserList([{ ...u, aliases: [{ alias: 'urn:mail:a', role: 'PK', documentType: 'Invoice' }] }]))).to.match(/creationTime.*zorunlu/);
    expect(fieldError(() => buildUserList([{ ...u, aliases: [{ ...u.aliases[0]!, creationTime: '2024-01-01 00:00' }] }]))).to.match(/creationTime/);
    expect(fieldError(() => buildUserList([{ ...u, aliases: [{ ...u.aliases[0]!, deletionTime: '2024-01-01T00:00:00Z' }] }]))).to.match(/deletionTime/);
  });

  it('the parser: trims names as the guide writes them, one alias per Name, GİB codes for what is not a list', () => {
    const xml = Buffer.from(
      '<UserList><User><Identifier> 1234567801 </Identifier><Title>A</Title><Type>OZEL</Type><FirstCreationTime>2021-03-09T15:36:56</FirstCreationTime><AccountType>GIBPORTAL</AccountType>' +
        '<Documents><Document type="Invoice"><Alias><Name> urn:mail:efaturagb@gmail.com</Name><Name>urn:mail:ikinci@gmail.com</Name><CreationTime>2021-03-09T15:36:56</CreationTime></Alias></Document></Documents></User></UserList>',
    );
    expect(parseUserList(xml)[0]!.aliases).to.deep.equal([
      { alias: 'urn:mail:efaturagb@gmail.com', role: 'PK', documentType: 'Invoice', creationTime: '2021-03-09T15:36:56' },
      { alias: 'urn:mail:ikinci@gmail.com', role: 'PK', documentType: 'Invoice', creationTime: '2021-03-09T15:36:56' },
    ]);
    const code = (s: string): number | undefined => {
      try {
        parseUserList(Buffer.from(s));
      } catch (err) {
        return isGibProtocolError(err) ? err.gibCode : undefined;
      }
      return undefined;
    };
    expect(code('<UserTempList/>')).to.equal(1160);
    expect(code('<UserList><User><Title>A</Title><Documents/></User></UserList>')).to.equal(1160); // no Identifier
    expect(code('<UserList><User><Identifier>1</Identifier><Title>A</Title></User></UserList>')).to.equal(1160); // no Documents
    expect(code('<UserList>')).to.equal(1140);
  });
});

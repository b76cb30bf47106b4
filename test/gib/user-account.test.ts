import { expect } from 'chai';
import { isGatewayError } from '../../src/faults';
import { USER_ENVELOPE_ALIASES, envelopeRuleErrors, parseEnvelope } from '../../src/gib/protocol/envelope';
import {
  USER_SERVICES,
  buildUserAccount,
  buildUserEnvelope,
  parseUserAccount,
  readUserAccount,
  serviceOfOptionCode,
  userOptionCode,
  type UserAccountSpec,
  type UserService,
} from '../../src/gib/protocol/user-account';
import { signXml } from '../../src/signing/xades';
import { verifyXml } from '../../src/signing/verify';
import { doc, sample, testSeal, validateGib, fieldError } from './helpers';

const SPEC: UserAccountSpec = {
  action: 'PROCESS',
  integratorVkn: '1234567890',
  createdAt: '2024-03-05T10:00:00',
  accounts: [
    { vknTckn: '9205121120', name: 'BBB Limited Şirketi', role: 'GB', alias: 'urn:mail:defaultgb@bbb.com.tr', aliasName: 'Gönderici Birim Etiketi', optionCode: 2 },
    { vknTckn: '9205121120', name: 'BBB Limited Şirketi', role: 'PK', alias: 'urn:mail:defaultpk@bbb.com.tr', optionCode: 2 },
  ],
};


describe('gib/protocol user-account', function () {
  this.timeout(60_000);

  describe('GİB’s samples', () => {
    it('4_KULLANICI_ACMA.xml: opening e-Fatura GB and PK aliases, signed', () => {
      const r = parseUserAccount(sample('4_KULLANICI_ACMA.xml'));
      expect(r).to.deep.include({ action: 'PROCESS', integratorVkn: '9999999999', createdAt: '2013-06-19T11:03:45', signed: true });
      expect(r.accounts).to.have.length(2);
      expect(r.accounts[0]).to.deep.equal({
        vknTckn: '9999999999',
        name: 'e-Fatura Deneme A.Ş.',
        roles: [{ code: 'GB', name: 'Gönderici Birim' }],
        aliases: [{ code: 'urn:mail:defaultgb@gib.gov.tr', name: 'Gönderici Birim Etiketi' }],
        optionCodes: [2],
        service: 'EFATURA',
      });
      expect(r.accounts[1]!.roles[0]!.code).to.equal('PK');
    });

    it('5_KULLANICI_SILME.xml, 8_/9_FATURA_SAKLAMA…: closing, and the storage service without roles or aliases', () => {
      expect(parseUserAccount(sample('5_KULLANICI_SILME.xml'))).to.deep.include({ action: 'CANCEL', integratorVkn: '9999999999' });
      const open = parseUserAccount(sample('8_FATURA_SAKLAMA_KULLANICI_ACMA.xml'));
      expect(open.action).to.equal('PROCESS');
      expect(open.accounts).to.deep.equal([{ vknTckn: '9999999999', name: 'e-Fatura Deneme A.Ş.', roles: [], aliases: [], optionCodes: [12], service: 'FATURA_SAKLAMA' }]);
      expect(parseUserAccount(sample('9_FATURA_SAKLAMA_KULLANICI_SILME.xml')).action).to.equal('CANCEL');
      const env = parseEnvelope(sample('8_FATURA_SAKLAMA_KULLANICI_ACMA_ZARF.xml'));
      expect(env.sender.alias).to.equal('archive');
      expect(readUserAccount(env.elements[0]!.element).accounts[0]!.service).to.equal('FATURA_SAKLAMA');
    });
  });

  describe('UserOptionCode', () => {
    it('follows the table of Özel Entegrasyon Kılavuzu §5.2 (KAMU, ÖZEL, VUK 507 KAMU, VUK 507 ÖZEL)', () => {
      expect(userOptionCode('EFATURA')).to.equal(2);
      expect(userOptionCode('EFATURA', { publicSector: true })).to.equal(1);
      expect(userOptionCode('EFATURA', { vuk507: true })).to.equal(4);
      expect(userOptionCode('EFATURA', { publicSector: true, vuk507: true })).to.equal(3);
      expect(userOptionCode('EARSIV')).to.equal(22);
      expect(userOptionCode('EARSIV_ARSIV', { publicSector: true })).to.equal(31);
      expect(userOptionCode('EIRSALIYE')).to.equal(52);
      expect(userOptionCode('ESIGORTA_KOMISYON')).to.equal(162);
      expect(fieldError(() => userOptionCode('EDEKONT', { vuk507: true }))).to.match(/VUK 507/);
      expect(serviceOfOptionCode(12)).to.equal('FATURA_SAKLAMA');
      expect(serviceOfOptionCode(104)).to.equal('EMM_ARSIV');
      expect(serviceOfOptionCode(122)).to.equal('MALI_RAPOR_YENI');
      expect(serviceOfOptionCode(123)).to.equal(undefined);
      expect(serviceOfOptionCode(5)).to.equal(undefined);
    });

    it('every row is in the guide’s text, and every sender alias in GİB’s UserEnvelopeAliases', () => {
      const guide = doc('efatura-e-Fatura_Uygulamasi_Ozel_Entegrasyon_Kilavuzu_v1.13.txt');
      for (const [name, s] of Object.entries(USER_SERVICES) as Array<[UserService, (typeof USER_SERVICES)[UserService]]>) {
        const b = s.base;
        const row = s.vuk507 ? new RegExp(`\\s${b + 1}\\s+${b + 2}\\s+${b + 3}\\s+${b + 4}\\s`) : new RegExp(`\\s${b + 1}\\s+${b + 2}\\s+-\\s+-`);
        expect(row.test(guide), name).to.equal(true);
        expect(guide, name).to.match(new RegExp(`\\s${s.alias}\\s`));
        expect(USER_ENVELOPE_ALIASES.has(s.alias), name).to.equal(true);
      }
    });
  });

  describe('buildUserAccount', () => {
    it('builds a ProcessUserAccount that passes GİB’s HR-XML schema and parses back', () => {
      const xml = buildUserAccount(SPEC);
      const v = validateGib(xml);
      expect(v.ok, v.output).to.equal(true);
      const r = parseUserAccount(xml);
      expect(r).to.deep.include({ action: 'PROCESS', integratorVkn: '1234567890', createdAt: '2024-03-05T10:00:00', signed: false });
      expect(r.accounts).to.deep.equal([
        { vknTckn: '9205121120', name: 'BBB Limited Şirketi', roles: [{ code: 'GB', name: 'Gönderici Birim' }], aliases: [{ code: 'urn:mail:defaultgb@bbb.com.tr', name: 'Gönderici Birim Etiketi' }], optionCodes: [2], service: 'EFATURA' },
        { vknTckn: '9205121120', name: 'BBB Limited Şirketi', roles: [{ code: 'PK', name: 'Posta Kutusu' }], aliases: [{ code: 'urn:mail:defaultpk@bbb.com.tr', name: 'urn:mail:defaultpk@bbb.com.tr' }], optionCodes: [2], service: 'EFATURA' },
      ]);
    });

    it('a CancelUserAccount for a person; storage without role and alias', () => {
      const cancel = buildUserAccount({
        action: 'CANCEL',
        integratorVkn: '1234567890',
        createdAt: new Date('2024-03-05T07:00:00Z'),
        accounts: [{ vknTckn: '12345678901', name: 'Ayşe Yılmaz', givenName: 'Ayşe', familyName: 'Yılmaz', role: 'GB', alias: 'urn:mail:ayse@x.com', optionCode: 2 }],
      });
      expect(validateGib(cancel).ok).to.equal(true);
      const r = parseUserAccount(cancel);
      expect(r).to.deep.include({ action: 'CANCEL', createdAt: '2024-03-05T10:00:00' });
      expect(r.accounts[0]).to.deep.include({ name: 'Ayşe Yılmaz', givenName: 'Ayşe', familyName: 'Yılmaz' });
      const storage = buildUserAccount({ ...SPEC, accounts: [{ vknTckn: '9205121120', name: 'BBB', optionCode: userOptionCode('FATURA_SAKLAMA') }] });
      expect(validateGib(storage).ok).to.equal(true);
    });

    it('signed by the integrator inside oa:Signature, in a USERENVELOPE to GİB: schema, rules and signature pass', async () => {
      const seal = await testSeal('1234567890', 'Entegratör A.Ş.');
      try {
        const signed = await signXml(buildUserAccount(SPEC), seal.signer, {
          placement: { parentXPath: '/hr:ProcessUserAccount/oa:ApplicationArea/oa:Signature', namespaces: { hr: 'http://www.hr-xml.org/3', oa: 'http://www.openapplications.org/oagis/9' } },
          claimedRole: null,
        });
        expect(validateGib(signed).ok).to.equal(true);
        expect(parseUserAccount(signed).signed).to.equal(true);
        const envelope = buildUserEnvelope({
          envelopeId: '2f4e6a8c-0b1d-4f3a-8c5e-7a9b1c3d5e7f',
          createdAt: '2024-03-05T10:00:01',
          service: 'EFATURA',
          integrator: { vknTckn: '1234567890', title: 'Entegratör A.Ş.' },
          action: 'PROCESS',
          documents: [signed],
        });
        const v = validateGib(envelope);
        expect(v.ok, v.output).to.equal(true);
        const env = parseEnvelope(envelope);
        expect(env).to.deep.include({ type: 'USERENVELOPE', elementType: 'PROCESSUSERACCOUNT' });
        expect(env.sender).to.deep.include({ alias: 'usergb', vknTckn: '1234567890' });
        expect(env.receiver).to.deep.include({ alias: 'GIB', vknTckn: '3900383669' });
        expect(envelopeRuleErrors(env)).to.deep.equal([]);
        const r = await verifyXml(env.elements[0]!.document, { trustedRoots: [seal.ca.certPem], expectedSignerId: '1234567890' });
        expect(r.signerId).to.equal('1234567890');
      } finally {
        await seal.signer.close();
      }
    });

    it('refuses what the guide rules out', () => {
      expect(fieldError(() => buildUserAccount({ ...SPEC, integratorVkn: '12' }))).to.match(/integratorVkn/);
      expect(fieldError(() => buildUserAccount({ ...SPEC, accounts: [] }))).to.match(/en az bir/);
      expect(fieldError(() => buildUserAccount({ ...SPEC, accounts: [{ vknTckn: '9205121120', name: 'B', optionCode: 5 }] }))).to.match(/UserOptionCode/);
      expect(fieldError(() => buildUserAccount({ ...SPEC, accounts: [{ vknTckn: '9205121120', name: 'B', role: 'GB', optionCode: 12 }] }))).to.match(/UserRole/);
      expect(fieldError(() => buildUserAccount({ ...SPEC, accounts: [{ vknTckn: '9205121120', name: 'B', alias: 'urn:mail:x', optionCode: 12 }] }))).to.match(/AuthorizedWorkScope/);
      expect(fieldError(() => buildUserAccount({ ...SPEC, accounts: [{ vknTckn: '9205121120', name: ' ', optionCode: 2 }] }))).to.match(/name/);
    });
  });
});

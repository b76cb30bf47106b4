/**
 * GİB's schematron for an application response (UBL-TR_Main_Schematron.xml pattern "applicationresponse", with the
 * general rules; assertions in UBL-TR_Common_Schematron.xml), natively: KABUL/RED/IADE from a postbox and system
 * responses alike. Every failed assertion is listed with its rule's id and GİB's words, as GİB's report lists them.
 *
 * The envelope matters to some rules ($envelopeType, $senderId, $receiverId); without one they hold, as for a
 * response the gateway has not enveloped yet. $responseCode is every cbc:ResponseCode of the document's
 * DocumentResponse/Response. XPath meaning is kept as in schematron.ts. test/validation/application-response.test.ts
 * holds it to GİB's schematron run by Saxon-HE.
 */
import type { FailedCheck } from '../../faults';
import type { XmlElement } from '../../xml/parse';
import { qname } from '../../xml/query';
import { turkishDay } from '../../turkish-time';
import { timeChecks } from './rules';
import * as NS from './names';
import { anyEq, at, attr, first, generalRules, inCodeList, kids, MAX_FAILURES, normalizeSpace, str, type Assert, type CodeLists } from './schematron';

const CAC = NS.CAC;
const CBC = NS.CBC;
const DS = NS.DS;
const XSI = NS.XSI;
const APR = 'urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2';

export interface ApplicationResponseContext {
  /** The envelope the response came in: its sh:Type and the VKN/TCKN of its sender and receiver. */
  envelope?: { type: string; senderId: string; receiverId: string };
  /** The clock for TimeCheck's upper bound (cbc:IssueDate not after today in Türkiye); none: not checked. */
  now?: () => Date;
}

const len = (s: string): number => [...s].length;

/** Every assertion the application response `root` fails; empty when GİB's schematron accepts it. */
export function applicationResponseFailures(root: XmlElement, lists: CodeLists, ctx: ApplicationResponseContext = {}): FailedCheck[] {
  const failed: FailedCheck[] = [];
  const assert: Assert = (ok, rule, message, where = '') => {
    if (!ok && failed.length < MAX_FAILURES) failed.push({ code: 1150, name: 'UBL_RULE', rule, path: where, message });
  };
  if (!(root.ns === APR && root.local === 'ApplicationResponse')) return failed;
  const env = ctx.envelope;
  const codes = at(root, 'cac:DocumentResponse/cac:Response/cbc:ResponseCode');
  const answer = ['KABUL', 'RED', 'IADE'].some((c) => anyEq(codes, c)); // $responseCode = 'KABUL' or … 'IADE'
  const system = anyEq(codes, 'S_APR');
  const profile = kids(root, CBC, 'ProfileID');

  signature(root, assert);

  // apr:ApplicationResponse
  const version = kids(root, CBC, 'UBLVersionID');
  assert(anyEq(version, '2.1'), 'UBLVersionIDCheck', `Geçersiz cbc:UBLVersionID elemanı değeri : '${first(version)}'. cbc:UBLVersionID değeri '2.1' olmalıdır.`);
  const customization = kids(root, CBC, 'CustomizationID');
  assert(anyEq(customization, 'TR1.2') || anyEq(customization, 'TR1.2.1'), 'CustomizationIDCheck',
    `Geçersiz cbc:CustomizationID elemanı değeri : '${first(customization)}' cbc:CustomizationID elemanı değeri 'TR1.2' veya 'TR1.2.1' olmalıdır.`);
  const R = 'ApplicationResponseProfileIDCheck';
  assert(!system || anyEq(profile, 'UBL-TR-PROFILE-1'), R, "Sistem yanıtı için cbc:ProfileID  elemanı değeri 'UBL-TR-PROFILE-1' olmalıdır.");
  const location = attr(root, 'schemaLocation', XSI);
  assert(location === undefined || location.includes('UBL-ApplicationResponse-2.1.xsd'), R, "ApplicationResponse alanın  xsi:schemaLocation özeliği 'UBL-ApplicationResponse-2.1.xsd' olmalıdır");
  assert(!answer || anyEq(profile, 'TICARIFATURA') || anyEq(profile, 'IHRACAT'), R, "Uygulama yanıtı için cbc:ProfileID  elemanı değeri 'TICARIFATURA' veya 'IHRACAT' olmalıdır.");
  assert(normalizeSpace(first(kids(root, CBC, 'ID'))).length !== 0, 'IDCheck', 'Geçersiz cbc:ID elemanı değeri. cbc:ID elemanı boş olamaz.');
  // `not(cbc:ProfileID != 'IHRACAT')`: no ProfileID differs from IHRACAT.
  const exportOnly = profile.every((p) => str(p) === 'IHRACAT');
  assert(exportOnly || !answer || kids(root, CAC, 'Signature').length > 0, 'ARSignatureCheck', 'Uygulama yanıtı için cac:Signature elemanı bulunmalıdır.');
  assert(exportOnly || !answer || kids(root, NS.EXT, 'UBLExtensions').length > 0, 'ARSignatureCheck', 'Uygulama yanıtı için imza bilgisinin konulduğu ext:UBLExtensions elemanı bulunmalıdır.');
  assert(kids(root, CAC, 'DocumentResponse').length === 1, 'DocumentResponseCountCheck', 'cac:DocumentResponse elemanından bir tane olmalıdır.');
  assert(kids(root, CAC, 'Signature').length <= 1, 'SignatureCountCheck', 'En fazla bir tane cac:Signature elemanı bulunmalıdır.');

  for (const s of kids(root, CAC, 'Signature')) {
    const ids = kids(s, CBC, 'ID');
    const vknTckn = ids.some((i) => attr(i, 'schemeID') === 'VKN_TCKN');
    assert(vknTckn, 'SignatureCheck', "cac:Signature elemanı içerisindeki cbc:ID elemanının schemeID niteliği değeri 'VKN_TCKN' olmalıdır.");
    assert(!vknTckn || len(first(ids)) === 11 || len(first(ids)) === 10, 'SignatureCheck',
      "schemeID niteliği 'VKN_TCKN' ye eşit olan elemanın uzunluğu vergi kimlik numarası için 10 karakter TC kimlik numrası için 11 karakter olmalıdır.");
  }
  for (const u of kids(root, CBC, 'UUID')) {
    assert(/^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$/.test(str(u)), 'UUIDCheck', `Geçersiz ${qname(u)} elemanı değeri. ${qname(u)} elemanı UUID formatında olmalıdır.`);
  }

  for (const role of ['SenderParty', 'ReceiverParty'] as const) {
    const where = `cac:${role}`;
    for (const party of kids(root, CAC, role)) {
      for (const pi of kids(party, CAC, 'PartyIdentification')) {
        for (const id of kids(pi, CBC, 'ID')) {
          const scheme = attr(id, 'schemeID') ?? '';
          assert(inCodeList(lists, 'PartyIdentificationIDType', scheme), 'PartyIdentificationSchemeIDCheck', `Geçersiz schemeID niteliği : '${scheme}'. Geçerli değerler için kod listesine bakınız.`, where);
        }
        partyIdentification(pi, role, env, system, answer, assert, where);
      }
      partyNames(party, answer, assert, where);
      if (role === 'SenderParty') exportCustoms(root, party, assert, where);
    }
  }

  for (const dr of kids(root, CAC, 'DocumentResponse')) responses(dr, lists, env, system, assert);

  generalRules(root, lists, assert);
  for (const t of timeChecks(root, ctx.now ? turkishDay(ctx.now()) : null)) assert(false, 'TimeCheck', t.message, t.path);
  return failed;
}

/** XadesSignatureCheck, X509DataCheck, X509SubjectNameCheck on ext:UBLExtensions/…/ds:Signature. */
function signature(root: XmlElement, assert: Assert): void {
  for (const sig of at(root, 'ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/ds:Signature')) {
    const R = 'XadesSignatureCheck';
    assert(at(sig, 'ds:SignedInfo/ds:Reference/ds:Transforms').length > 0, R, 'ds:SignedInfo/ds:Reference/ds:Transforms elemanı zorunlu bir elemandır.');
    const keyInfo = kids(sig, DS, 'KeyInfo');
    assert(keyInfo.length > 0, R, 'ds:KeyInfo elemanı zorunlu bir elemandır.');
    assert(keyInfo.length === 0 || at(keyInfo, 'ds:X509Data').length > 0, R, 'ds:KeyInfo elemanı içerisindeki ds:X509Data elemanı zorunlu bir elemandır.');
    const object = kids(sig, DS, 'Object');
    assert(object.length > 0, R, 'ds:Object elemanı zorunlu bir elemandır.');
    const ssp = at(object, 'xades:QualifyingProperties/xades:SignedProperties/xades:SignedSignatureProperties');
    assert(object.length === 0 || at(ssp, 'xades:SigningTime').length > 0, R, 'xades:SigningTime elemanı zorunlu bir elemandır.');
    assert(object.length === 0 || at(ssp, 'xades:SigningCertificate').length > 0, R, 'xades:SigningCertificate elemanı zorunlu bir elemandır');
    for (const x of at(keyInfo, 'ds:X509Data')) {
      assert(kids(x, DS, 'X509Certificate').length > 0, 'X509DataCheck', 'ds:X509Data elemanı içerisindeki ds:X509Certificate elemanı zorunlu bir elemandır.');
      for (const sn of kids(x, DS, 'X509SubjectName')) assert(normalizeSpace(str(sn)) !== '', 'X509SubjectNameCheck', 'ds:X509SubjectName elemanının değeri boşluk olmamalıdır.');
    }
  }
}

/** PartyIdentificationTCKNVKNCheck, and ARSenderCheck / ARReceiverCheck against the envelope. */
function partyIdentification(pi: XmlElement, role: 'SenderParty' | 'ReceiverParty', env: ApplicationResponseContext['envelope'], system: boolean, answer: boolean, assert: Assert, where: string): void {
  const ids = kids(pi, CBC, 'ID');
  const id = first(ids);
  const vkn = ids.some((i) => attr(i, 'schemeID') === 'VKN');
  const tckn = ids.some((i) => attr(i, 'schemeID') === 'TCKN');
  assert(!vkn || len(id) === 10, 'PartyIdentificationTCKNVKNCheck', "cbc:ID elemanının schemeID niteliği değeri 'VKN' olması durumunda cbc:ID elemanına 10 haneli vergi kimlik numarası yazılmalıdır.", where);
  assert(!tckn || len(id) === 11, 'PartyIdentificationTCKNVKNCheck', "cbc:ID elemanının schemeID niteliği değeri 'TCKN' olması durumunda cbc:ID elemanına 11 haneli TC kimlik numarası yazılmalıdır.", where);
  const expected = role === 'SenderParty' ? env?.senderId : env?.receiverId;
  // `$senderId = cbc:ID`: some ID equals the envelope's; without an envelope the rule holds.
  const matches = expected === undefined || expected === '' || ids.some((i) => str(i) === expected);
  const shown = expected ?? '';
  const vknOk = !vkn || len(id) !== 10 || matches;
  const tcknOk = !tckn || len(id) !== 11 || matches;
  if (role === 'SenderParty') {
    assert(!system || vknOk, 'ARSenderCheck', `Zarfı gönderen kullanıcı(${shown}) ile sistem yanıtınını düzenleyen kullanıcı(${id}) aynı olmalıdır.`, where);
    assert(!system || tcknOk, 'ARSenderCheck', `Zarfı gönderen kullanıcı(${shown}) ile sistem yanıtınını düzenleyen kullanıcı(${id}) aynı olmalıdır.`, where);
    assert(!answer || vknOk, 'ARSenderCheck', `Zarfı gönderen kullanıcı(${shown}) ile uygulama yanıtınını düzenleyen kullanıcı(${id}) aynı olmalıdır.`, where);
    assert(!answer || tcknOk, 'ARSenderCheck', `Zarfı gönderen kullanıcı(${shown}) ile uygulama yanıtınını düzenleyen kullanıcı(${id}) aynı olmalıdır.`, where);
  } else {
    assert(!system || vknOk, 'ARReceiverCheck', `Zarfı alan kullanıcı(${shown}) ile sistem yanıtınını alan kullanıcı(${id}) aynı olmalıdır.`, where);
    assert(!system || tcknOk, 'ARReceiverCheck', `Zarfı alan kullanıcı(${shown}) ile sistem yanıtınını alan kullanıcı(${id}) aynı olmalıdır.`, where);
    assert(!answer || vknOk, 'ARReceiverCheck', `Zarfı alan kullanıcı(${shown}) ile uygulama yanıtınını alan kullanıcı(${id}) aynı olmalıdır.`, where);
    assert(!answer || tcknOk, 'ARReceiverCheck', `Zarfı alan kullanıcı(${shown}) ile uygulama yanıtınını alan kullanıcı(${id}) aynı olmalıdır.`, where);
  }
}

/** ARPartyIdentificationPartyNamePersonCheck on cac:SenderParty / cac:ReceiverParty. */
function partyNames(party: XmlElement, answer: boolean, assert: Assert, where: string): void {
  const R = 'ARPartyIdentificationPartyNamePersonCheck';
  const ids = at(party, 'cac:PartyIdentification/cbc:ID');
  const count = (scheme: string): number => ids.filter((i) => attr(i, 'schemeID') === scheme).length;
  assert(count('TCKN') === 1 || count('VKN') === 1, R, "schemeID niteliği değeri 'VKN' ve ya 'TCKN' olan bir tane cbc:ID elemanı bulunmalıdır.", where);
  assert(!(count('TCKN') === 1 && count('VKN') === 1), R, "schemeID niteliği değeri hem 'VKN' hem de 'TCKN' olan cbc:ID elemanları bulunmamalıdır.", where);
  const vkn = count('VKN') > 0;
  const tckn = count('TCKN') > 0;
  const partyName = kids(party, CAC, 'PartyName');
  const person = kids(party, CAC, 'Person');
  assert(!answer || !vkn || partyName.length > 0, R, "schemeID niteliği değeri 'VKN' olması durumunda cac:PartyName elemanı bulunmalıdır", where);
  assert(!answer || !vkn || partyName.length === 0 || normalizeSpace(first(at(partyName, 'cbc:Name'))).length !== 0, R, 'cac:PartyName elemanı geçerli ve boş değer içermeyen cbc:Name elemanı içermelidir.', where);
  assert(!answer || !tckn || person.length > 0, R, "schemeID niteliği değeri 'TCKN' olması durumunda cac:Person elemanı bulunmalıdır.", where);
  assert(!answer || !tckn || person.length === 0 || (normalizeSpace(first(at(person, 'cbc:FirstName'))).length !== 0 && normalizeSpace(first(at(person, 'cbc:FamilyName'))).length !== 0), R,
    'cac:Person elemanı geçerli ve boş değer içermeyen cbc:FirstName ve cbc:FamilyName elemanlarına sahip olmalıdır.', where);
}

/** ARPartyIdentificationGTBCheck: the customs' KABUL of an export invoice names the declaration and the export date. */
function exportCustoms(root: XmlElement, sender: XmlElement, assert: Assert, where: string): void {
  if (!anyEq(kids(root, CBC, 'ProfileID'), 'IHRACAT') || !anyEq(at(root, 'cac:DocumentResponse/cac:Response/cbc:ResponseCode'), 'KABUL')) return;
  const ids = at(sender, 'cac:PartyIdentification/cbc:ID');
  const R = 'ARPartyIdentificationGTBCheck';
  assert(ids.filter((i) => attr(i, 'schemeID') === 'GTB_GCB_TESCILNO').length === 1, R,
    "cbc:ProfileID elemanının değeri IHRACAT ve cbc:ResponseCode değeri'KABUL' iken, schemeID niteliği değeri 'GTB_GCB_TESCILNO' olan bir tane cbc:ID elemanı bulunmalıdır.", where);
  const dates = ids.filter((i) => attr(i, 'schemeID') === 'GTB_FIILI_IHRACAT_TARIHI');
  assert(dates.length === 1 && /^\d{4}-(0?[1-9]|1[012])-(0?[1-9]|[12][0-9]|3[01])$/.test(str(dates[0])), R,
    "cbc:ProfileID elemanının değeri IHRACAT ve cbc:ResponseCode değeri'KABUL' iken, schemeID niteliği değeri 'GTB_FIILI_IHRACAT_TARIHI' olan ve YYYY-MM-DD formatında geçerli değer içeren bir tane cbc:ID elemanı bulunmalıdır.", where);
}

/** DocumentResponseCheck, ResponseCodeCheck, PostBoxResponseCodeCheck, DescriptionCountCheck, AppResponseCodeCheck, PostBoxDocumentReferenceCheck. */
function responses(dr: XmlElement, lists: CodeLists, env: ApplicationResponseContext['envelope'], system: boolean, assert: Assert): void {
  const lines = kids(dr, CAC, 'LineResponse');
  const lineResponses = at(lines, 'cac:Response');
  assert(!system || lines.length === 1, 'DocumentResponseCheck', 'Sistem yanıtı belgesi için cac:LineResponse elemanı zorunludur ve bir tane olmalıdır.');
  assert(!system || lines.length !== 1 || lineResponses.length === 1, 'DocumentResponseCheck', 'cac:LineResponse elemanı içerisinde bir tane cac:Response elemanı bulunmalıdır.');
  assert(!system || lines.length !== 1 || lineResponses.length !== 1 || at(lineResponses, 'cbc:ResponseCode').length > 0, 'DocumentResponseCheck',
    'cac:Response elemanı içerisinde cbc:ResponseCode elemanı bulunmalıdır.');
  const postbox = env?.type === 'POSTBOXENVELOPE';
  const postboxCodes = (r: XmlElement): boolean => ['RED', 'KABUL', 'IADE', 'GUMRUKONAY'].some((c) => anyEq(kids(r, CBC, 'ResponseCode'), c));
  const where = 'cac:DocumentResponse';
  for (const r of kids(dr, CAC, 'Response')) {
    const code = kids(r, CBC, 'ResponseCode');
    assert(code.length > 0, 'ResponseCodeCheck', 'cbc:ResponseCode zorunlu bir elemandır.', where);
    assert(code.length === 0 || inCodeList(lists, 'ResponseCodeType', first(code)), 'ResponseCodeCheck',
      `Geçersiz cbc:ResponseCode elemanı değeri '${first(code)}'. Geçerli değerler için kod listesine bakınız.`, where);
    assert(!postbox || postboxCodes(r), 'PostBoxResponseCodeCheck', 'POSTBOXENVELOPE türündeki zarfların cbc:ResponseCode değerleri sadece RED,KABUL,IADE veya GUMRUKONAY olabilir', where);
  }
  for (const r of lineResponses) {
    assert(kids(r, CBC, 'Description').length === 1, 'DescriptionCountCheck', 'cac:Response elemanı içerisinde bir tane cbc:Description elemanı bulunmalıdır.', `${where}/cac:LineResponse`);
    assert(!postbox || postboxCodes(r), 'PostBoxResponseCodeCheck', 'POSTBOXENVELOPE türündeki zarfların cbc:ResponseCode değerleri sadece RED,KABUL,IADE veya GUMRUKONAY olabilir', `${where}/cac:LineResponse`);
    assert(env?.type !== 'SYSTEMENVELOPE' || inCodeList(lists, 'AppResponseCodeType', first(kids(r, CBC, 'ResponseCode'))), 'AppResponseCodeCheck',
      `SYSTEMENVELOPE türündeki zarflar için geçersiz cbc:ResponseCode elemanı değeri '${first(kids(r, CBC, 'ResponseCode'))}'. Geçerli değerler için kod listesine bakınız.`, `${where}/cac:LineResponse`);
  }
  for (const ref of kids(dr, CAC, 'DocumentReference')) {
    assert(normalizeSpace(first(kids(ref, CBC, 'DocumentTypeCode'))).length !== 0, 'PostBoxDocumentReferenceCheck', 'cac:DocumentReference elemanı geçerli ve boş değer içermeyen cbc:DocumentTypeCode elemanına sahip olmalıdır.', `${where}/cac:DocumentReference`);
    assert(normalizeSpace(first(kids(ref, CBC, 'DocumentType'))).length !== 0, 'PostBoxDocumentReferenceCheck', 'cac:DocumentReference elemanı geçerli ve boş değer içermeyen cbc:DocumentType  elemanına sahip olmalıdır.', `${where}/cac:DocumentReference`);
  }
}

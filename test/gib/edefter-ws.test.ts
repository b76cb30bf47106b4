/**
 * GİB's e-Defter web service messages (Web Servis Kılavuzu V1.7): each request signed with WS-Security X.509 and read
 * back as the simulator will (verify, then read the body); each answer and fault read back as the client will; the
 * package names of §2.1 and the fault texts of §4.
 */
import { expect } from 'chai';
import {
  EDEFTER_FAULTS,
  EdefterFaultError,
  edefterRequest,
  edefterResponse,
  parseEdefterAnswer,
  parsePackageName,
  readEdefterBody,
} from '../../src/gib/protocol/edefter-ws';
import { signedSoap12, verifySoap12 } from '../../src/gib/protocol/wsse-x509';
import { createRootCa } from '../../src/signing/dev-seal';
import { createSigner, type Signer } from '../../src/signing';
import { certificatesFrom } from '../../src/signing/cert';
import { NS } from '../../src/xml/namespaces';
import { softwareSeal, tempDir } from '../signing/fixtures';

describe('GİB e-Defter web service messages', () => {
  // The real time: the seals below are issued now, valid from an hour ago (a fixed date would fall before them).
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const ca = createRootCa({ commonName: 'EDEFTER WS TEST ROOT' });
  const seal = softwareSeal(tempDir('edefter-ws'), { vkn: '1234567801', ca });
  let signer: Signer;
  before(async () => {
    signer = await createSigner(seal.config);
  });
  after(() => signer.close());

  const asReceived = async (body: string) => {
    const v = verifySoap12(await signedSoap12(body, signer, { now }), { trustedRoots: certificatesFrom(ca.certPem), now });
    return readEdefterBody(v.body.children[0]!, NS.soap12);
  };

  it('requests: signed, verified and read back as GİB reads them', async () => {
    const zip = Buffer.from('PK\x03\x04 package');
    expect(await asReceived(edefterRequest.sendDocumentFile({ fileName: '1234567801-202601-YB-000000.zip', binaryData: zip }))).to.deep.equal({
      kind: 'sendDocumentFile',
      attachment: { fileName: '1234567801-202601-YB-000000.zip', binaryData: zip },
    });
    expect(await asReceived(edefterRequest.getBatchStatus('1234567801-202601-YB-000000'))).to.deep.equal({ kind: 'getBatchStatus', paketID: '1234567801-202601-YB-000000' });
    expect(await asReceived(edefterRequest.receiveDocumentFile('1234567801-202601-KB-000000'))).to.deep.equal({ kind: 'receiveDocumentFile', paketID: '1234567801-202601-KB-000000' });
    expect(await asReceived('<web:sendDocumentFile xmlns:web="http://webservice.edefter.gib.gov.tr/"></web:sendDocumentFile>')).to.deep.equal({ kind: 'sendDocumentFile', attachment: null });
  });

  it('answers and faults, read back by the client', () => {
    expect(parseEdefterAnswer(edefterResponse.sendDocumentFile('1234567801-202601-YB-000000.zip'))).to.deep.equal({ kind: 'sendDocumentFileResponse', result: '1234567801-202601-YB-000000.zip paketi işleme alındı' });
    const status = { paketID: '1234567801-202601-YB-000000', durumKodu: 2 as const, durumAciklama: 'Dosya içindeki defter ve berat uyumsuz.' };
    expect(parseEdefterAnswer(edefterResponse.getBatchStatus(status))).to.deep.equal({ kind: 'getBatchStatusResponse', status });
    const berats = { fileName: 'GIB-1234567801-202601-YB-000000.zip', binaryData: Buffer.from('zip') };
    expect(parseEdefterAnswer(edefterResponse.receiveDocumentFile(berats))).to.deep.equal({ kind: 'receiveDocumentFileResponse', attachment: berats });
    const f = parseEdefterAnswer(edefterResponse.fault(111));
    expect(f).to.deep.include({ kind: 'fault', code: 111, message: 'Paket sisteme daha önce yüklenmiş.' });
    expect((f as { soapCode: string }).soapCode).to.match(/Sender$/);
    expect((parseEdefterAnswer(edefterResponse.fault(110)) as { soapCode: string }).soapCode).to.match(/Receiver$/);
    expect(() => edefterResponse.fault(999)).to.throw();
  });

  it('package names are VKN-YYYYMM-YB|KB-NNNNNN.zip (§2.1); the guide\'s codes keep its texts (§4)', () => {
    expect(parsePackageName('1234567801-202601-KB-000003.zip')).to.deep.equal({ vkn: '1234567801', period: '2026-01', kind: 'KB', part: 3, id: '1234567801-202601-KB-000003' });
    for (const bad of ['1234567801-202601-Y-000000.zip', '1234567801-202613-YB-000000.zip', '../1234567801-202601-YB-000000.zip', '1234567801-202601-YB-0000.zip', '1234567801-202601-YB-000000.xml']) {
      expect(() => parsePackageName(bad), bad).to.throw(EdefterFaultError).with.property('code', 108);
    }
    expect(() => parsePackageName(' ')).to.throw(EdefterFaultError).with.property('code', 104);
    expect(Object.keys(EDEFTER_FAULTS).map(Number)).to.deep.equal([101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 203, 204, 205, 206, 303, 304, 305]);
  });
});

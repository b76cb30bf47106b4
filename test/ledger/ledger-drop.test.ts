/**
 * The e-Defter drop folder (issue 12, seed 001's FTP/SFTP folder): a company puts its month's ZIP through a real SFTP
 * server (OpenSSH's internal-sftp, chrooted to the drop folder) and the gateway takes it as UploadLedger does; a bad
 * one lands in `hatali/` with the reason beside it, and nothing is stored. The gateway's watcher runs as under
 * `npm start` (its own timer); the test only waits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type * as soap from 'soap';
import { zipOne } from '../../src/zip/write';
import { TEST_DB_KIND, tempDir } from '../helpers/db';
import { soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { REPO_DIR } from '../helpers/paths';
import { startSftpServer, type SftpServer } from '../helpers/sftp';
import { waitFor } from '../gib-endpoint/helpers';

const SAMPLE = fs.readFileSync(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv'));

describe(`e-Defter drop folder: a month uploaded over SFTP (${TEST_DB_KIND})`, function () {
  this.timeout(60_000);
  // sshd's chroot must be a root-owned path no one else may write to, all the way up: not under /tmp.
  const drop = path.join('/srv', `gw-ledger-drop-${randomUUID()}`);
  let gw: TestGateway;
  let client: soap.Client;
  let sftp: SftpServer;
  const work = tempDir('gw-drop-');

  before(async () => {
    if (process.getuid?.() !== 0) throw new Error('the SFTP drop-folder test runs sshd with a chroot, which needs root (CI runs as root)');
    fs.mkdirSync(drop, { mode: 0o755 });
    gw = await startTestGateway({ env: { GW_LEDGER_DROP_DIR: drop, GW_LEDGER_DROP_SCAN_MS: '100' } });
    client = await soapClient(gw);
    await gw.gateway.ledgerDrop.scan(); // the company's folder exists before its first upload
    gw.gateway.ledgerDrop.start();
    sftp = await startSftpServer(drop);
  });
  after(async () => {
    await gw?.gateway.ledgerDrop.stop();
    await sftp?.stop();
    await gw?.close();
    fs.rmSync(drop, { recursive: true, force: true });
  });

  it('the company\'s folder is there; a ZIP put into it is taken, listed as received over SFTP and moved to islenen/', async () => {
    expect(fs.statSync(path.join(drop, TEST_VKN)).isDirectory()).to.equal(true);
    const local = path.join(work, `${TEST_VKN}-202601.zip`);
    fs.writeFileSync(local, await zipOne(`${TEST_VKN}-202601.csv`, SAMPLE));
    sftp.put(local, `/${TEST_VKN}/${TEST_VKN}-202601.zip`);
    const listed = await waitFor('the source in Dosya Sorgula', async () => [(await client.ListLedgerFilesAsync({}))[0]?.source ?? []].flat()[0], 15_000);
    expect(listed).to.include({ fileName: `${TEST_VKN}-202601.zip`, period: '2026-01', receivedVia: 'SFTP', state: 'NOT_STARTED' });
    const done = await waitFor('the file in islenen/', async () => fs.readdirSync(path.join(drop, TEST_VKN, 'islenen')).length === 1, 15_000);
    expect(done).to.equal(true);
    expect(fs.readdirSync(path.join(drop, TEST_VKN)).filter((n) => n.endsWith('.zip'))).to.deep.equal([]);
  });

  it('a refused file goes to hatali/ with the fault\'s code and text beside it, and nothing is stored', async () => {
    const before = [(await client.ListLedgerFilesAsync({}))[0]?.source ?? []].flat();
    const local = path.join(work, `${TEST_VKN}-202602.zip`);
    fs.writeFileSync(local, await zipOne('a.csv', SAMPLE)); // January's entries in February
    sftp.put(local, `/${TEST_VKN}/${TEST_VKN}-202602.zip`);
    const why = await waitFor('the reason in hatali/', async () => fs.readdirSync(path.join(drop, TEST_VKN, 'hatali')).find((n) => n.endsWith('.hata.txt')), 15_000);
    expect(why).to.match(new RegExp(`-${TEST_VKN}-202602\\.zip\\.hata\\.txt$`));
    const text = fs.readFileSync(path.join(drop, TEST_VKN, 'hatali', why), 'utf8');
    expect(text).to.match(/^4604 KAYIT TARİHİ DÖNEM İÇİNDE VE SIRALI DEĞİL: /);
    expect([(await client.ListLedgerFilesAsync({}))[0]?.source ?? []].flat()).to.deep.equal(before);
  });
});

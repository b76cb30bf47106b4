/**
 * e-Defter's archive on an S3-compatible object store (issue 13): the same gateway, GW_ARCHIVE_S3_* set, against a
 * real S3 server (s3rver, started here). A month approved through the simulator is stored automatically into the
 * bucket; Durum Sorgula reads it back from there; an object deleted in the bucket behind the gateway's back is found
 * by VerifyLedgerArchive and the status query, and a resend puts it back.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import type * as soap from 'soap';
import { createSimulator, type Simulator } from '../../src/simulator';
import { zipOne } from '../../src/zip/write';
import { TEST_DB_KIND, tempDir } from '../helpers/db';
import { TEST_VKN, type TestGateway } from '../helpers/gateway';
import { startGibWorld, until } from '../helpers/ledger-world';
import { REPO_DIR } from '../helpers/paths';
import { testRootCa } from '../helpers/softhsm';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer: Server;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => S3rverInstance;
const BUCKET = 'edefter-arsiv';
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : ([v].flat() as T[]));

describe(`e-Defter archive in an S3-compatible object store (s3rver, ${TEST_DB_KIND})`, function () {
  this.timeout(120_000);
  const dir = tempDir('gw-ledger-archive-s3-');
  let s3: S3rverInstance;
  let admin: S3Client;
  let sim: Simulator;
  let gw: TestGateway;
  let client: soap.Client;
  const objects = async () => (await admin.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((o) => o.Key!) ?? [];

  before(async () => {
    s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(dir, 's3rver') });
    const { port } = await s3.run();
    const endpoint = `http://127.0.0.1:${port}`;
    admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const secret = path.join(dir, 's3-secret');
    fs.writeFileSync(secret, 'S3RVER\n');
    sim = createSimulator({ timings: { ledgerMs: 20 }, gibDir: () => null, trustedRoots: [testRootCa().certPem] });
    ({ gw, client } = await startGibWorld(dir, sim, {
      GW_WORKER_BACKOFF_MS: '100',
      GW_ARCHIVE_S3_BUCKET: BUCKET,
      GW_ARCHIVE_S3_ENDPOINT: endpoint,
      GW_ARCHIVE_S3_PREFIX: 'edefter',
      GW_ARCHIVE_S3_ACCESS_KEY_ID: 'S3RVER',
      GW_ARCHIVE_S3_SECRET_KEY_FILE: secret,
    }));
  });
  after(async () => {
    await gw?.gateway.signers.close();
    gw?.gateway.archive.close?.();
    await gw?.close();
    await sim?.stop();
    admin?.destroy();
    await s3?.close();
  });

  it('the month goes into the bucket, content-addressed; Durum Sorgula reads it back; nothing is written to the local archive folder', async () => {
    await client.SaveLedgerBackupSettingsAsync({ automatic: true });
    const csv = fs.readFileSync(path.join(REPO_DIR, 'examples', 'ledger', '1234567801-202601.csv'));
    await client.UploadLedgerAsync({ fileName: `${TEST_VKN}-202601.zip`, content: (await zipOne(`${TEST_VKN}-202601.csv`, csv)).toString('base64') });
    await client.LedgerStepAsync({ period: '2026-01', step: 'ALL' });
    const month = await until('stored', async () => {
      const m = list<{ state: string; file: Array<{ sha256: string }> }>((await client.ListLedgerBackupsAsync({ from: '2026-01', to: '2026-01' }))[0].month)[0];
      return m?.state === 'PROCESSED' ? m : undefined;
    });
    expect((await objects()).sort()).to.deep.equal(month.file.map((f) => `edefter/${TEST_VKN}/${f.sha256}`).sort());
    expect(fs.existsSync(gw.config.ledger.archive.dir)).to.equal(false);
    const [status] = await client.GetLedgerBackupStatusAsync({ period: '2026-01' });
    expect(status.message).to.equal('Ocak-2026 ayına ait Yevmiye ve Büyük Defter dosyalarınız yedeklendi.');
  });

  it('an object deleted in the bucket is found by VerifyLedgerArchive and Durum Sorgula; sent again, it is back', async () => {
    const [key] = (await objects()).sort();
    await admin.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const [v] = await client.VerifyLedgerArchiveAsync({});
    expect(v.ok).to.equal(false);
    expect(v.firstBroken.problem).to.equal('MISSING');
    expect((await client.GetLedgerBackupStatusAsync({ period: '2026-01' }))[0].month.state).to.equal('FAILED');
    await client.StoreLedgerAsync({ period: '2026-01', fromGateway: true });
    expect(await objects()).to.include(key);
    expect((await client.GetLedgerBackupStatusAsync({ period: '2026-01' }))[0].month.state).to.equal('BACKED_UP');
    expect((await client.VerifyLedgerArchiveAsync({}))[0].ok).to.equal(true);
  });
});

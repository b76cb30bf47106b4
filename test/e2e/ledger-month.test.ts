/**
 * A month of e-Defter end to end, every part a process of its own or a real server (issue 12): the company's CSV
 * journal is put into its drop folder through OpenSSH's SFTP server, the gateway process takes it, "e-Defter Yükle"
 * builds, seals (the company's mali mühür as a key file, set with the CLI as an operator would) and sends both books
 * to GİB's e-Defter service in the simulator process (WS-Security, the Yevmiye first), and downloads both approved
 * berats, which carry the simulator's seal over our own signature.
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type * as soap from 'soap';
import { verifyApprovedBerat } from '../../src/gib/protocol/edefter-approval';
import { certificatesFrom } from '../../src/signing/cert';
import { createRootCa, issueSealCertificate } from '../../src/signing/dev-seal';
import { unpackDocument } from '../../src/zip/read';
import { zipOne } from '../../src/zip/write';
import { LEDGER_SETTINGS } from '../helpers/edefter';
import { startSftpServer, type SftpServer } from '../helpers/sftp';
import { E2E_DB_KIND, GIB_DIR, REPO_DIR, asList, freePorts, prepareGateway, simulatorProcess, sleep, tempDir, type GatewayProcess, type SimulatorProcess } from './harness';

const VKN = '1234567801';
const SAMPLE = fs.readFileSync(path.join(REPO_DIR, 'examples', 'ledger', `${VKN}-202601.csv`));

describe(`e-Defter end to end: a CSV dropped over SFTP to both GİB-approved berats, GİB a process of its own (${E2E_DB_KIND})`, function () {
  this.timeout(120_000);
  let sim: SimulatorProcess;
  let gw: GatewayProcess;
  let sftp: SftpServer;
  let client: soap.Client;
  const drop = path.join('/srv', `gw-e2e-drop-${crypto.randomUUID()}`);
  const work = tempDir('gw-e2e-ledger-');
  const root = createRootCa({ commonName: 'E2E KOK - GERCEK DEGIL' });

  before(async function () {
    this.timeout(90_000);
    if (process.getuid?.() !== 0) throw new Error('the SFTP drop folder runs sshd with a chroot, which needs root (CI runs as root)');
    fs.mkdirSync(drop, { mode: 0o755 });
    // The company's seal: a key file and its certificate, issued by a root GİB (the simulator) trusts.
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const file = (name: string, text: string) => (fs.writeFileSync(path.join(work, name), text, { mode: 0o600 }), path.join(work, name));
    const rootFile = file('root.pem', root.certPem);
    const signer = file('signer.json', JSON.stringify({
      type: 'software',
      keyFile: file('seal.key.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      certFile: file('seal.cert.pem', issueSealCertificate({ publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), vkn: VKN, title: 'DEFTER TICARET A.S.', ca: root })),
      chainFiles: [rootFile],
    }));

    const [simPort, gwPort] = await freePorts(2);
    sim = simulatorProcess(simPort!, { SIM_DATA_DIR: tempDir('gib-sim-ledger-'), SIM_LEDGER_MS: '50', SIM_GIB_DIR: GIB_DIR, SIM_TRUSTED_ROOTS: rootFile });
    await sim.start();
    // GİB's approval seal, as an operator would fetch it once and configure it.
    const gibRoot = file('gib-root.pem', await (await fetch(`${sim.baseUrl}/admin/edefter/seal.pem`)).text());
    gw = await prepareGateway({
      name: 'gateway',
      port: gwPort!,
      simBaseUrl: sim.baseUrl,
      tenants: [{ vkn: VKN, title: 'DEFTER TICARET A.S.', gbAlias: `urn:mail:defaultgb@${VKN}.test`, pkAlias: `urn:mail:defaultpk@${VKN}.test`, users: ['muhasebe'] }],
      env: { GW_TRUSTED_ROOTS: rootFile, GW_GIB_SEAL_ROOTS: gibRoot, GW_LEDGER_DROP_DIR: drop, GW_LEDGER_DROP_SCAN_MS: '100', GW_GIB_CHECK_EVERY_MS: '100', GW_GIB_TICK_MS: '60000' },
    });
    execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'src', 'cli.ts'), 'tenant:signer', '--vkn', VKN, '--file', signer], { cwd: REPO_DIR, env: { ...process.env, ...gw.env } });
    await gw.start();
    client = await gw.client('muhasebe');
    await client.SaveLedgerSettingsAsync(LEDGER_SETTINGS);
    sftp = await startSftpServer(drop);
  });
  after(async () => {
    await sftp?.stop();
    await gw?.cleanup();
    await sim?.stop();
    fs.rmSync(drop, { recursive: true, force: true });
  });

  async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const v = await f().catch(() => undefined);
      if (v !== undefined) return v;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}\n${gw.logTail(30)}\n${sim.logTail(10)}`);
  }

  it('the month goes from the drop folder to GİB and back: both approved berats, sealed by GİB over ours', async () => {
    await until('the company\'s drop folder', async () => (fs.existsSync(path.join(drop, VKN)) ? true : undefined));
    const local = path.join(work, `${VKN}-202601.zip`);
    fs.writeFileSync(local, await zipOne(`${VKN}-202601.csv`, SAMPLE));
    sftp.put(local, `/${VKN}/${VKN}-202601.zip`);
    const listed = await until('the source in Dosya Sorgula', async () => asList((await client.ListLedgerFilesAsync({}))[0]?.source)[0]);
    expect(listed).to.include({ fileName: `${VKN}-202601.zip`, receivedVia: 'SFTP', state: 'NOT_STARTED' });

    await client.LedgerStepAsync({ period: '2026-01', step: 'ALL' });
    const month = await until('both books\' approved berats downloaded', async () => {
      const m = asList((await client.GetLedgerStatusAsync({ from: '2026-01', to: '2026-01' }))[0].month)[0];
      return m.ledgerBook.every((b: { state: string }) => b.state === 'DOWNLOADED') ? m : undefined;
    });
    expect(month).to.include({ yevmiye: true, kebir: true, yevmiyeBerat: true, kebirBerat: true, gibYevmiyeBerat: true, gibKebirBerat: true, defterRapor: true });

    const packages = (await (await fetch(`${sim.baseUrl}/admin/edefter/packages?vkn=${VKN}`)).json()) as Array<{ paketId: string; state: number; sender: string }>;
    expect(packages.map((p) => [p.paketId, p.state, p.sender])).to.deep.equal([[`${VKN}-202601-YB-000000`, 1, VKN], [`${VKN}-202601-KB-000000`, 1, VKN], [`${VKN}-202601-DR-000000`, 1, VKN]]);
    const gibRoot = certificatesFrom(await (await fetch(`${sim.baseUrl}/admin/edefter/seal.pem`)).text());
    for (const kind of ['YB', 'KB']) {
      const [res] = await client.GetLedgerFileAsync({ period: '2026-01', fileName: `GIB-${VKN}-202601-${kind}-000000.xml` });
      const { xml } = await unpackDocument(Buffer.from(res.zip, 'base64'), { container: 'zip', maxUnzippedBytes: 50 << 20 });
      const approval = verifyApprovedBerat(xml, { trustedRoots: gibRoot, now: new Date() });
      const [own] = await client.GetLedgerFileAsync({ period: '2026-01', fileName: `${VKN}-202601-${kind}-000000.xml` });
      const ours = (await unpackDocument(Buffer.from(own.zip, 'base64'), { container: 'zip', maxUnzippedBytes: 50 << 20 })).xml.toString('utf8');
      expect(ours).to.contain(`>${approval.signatureValue}</ds:SignatureValue>`);
    }
    expect(fs.readdirSync(path.join(drop, VKN, 'islenen'))).to.have.length(1);
  });
});

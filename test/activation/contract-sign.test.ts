/**
 * `npm run cli -- contract:sign`, the customer's activation tool (issue 14 item 4; seed 003's "E-Logo Hizmet
 * Aktivasyon"), as a customer runs it: the real command in its own process against a real test gateway, the
 * customer's mali mühür a SECOND SoftHSM2 token (key generated on the token, certificate for the tenant's VKN issued
 * by a customer CA that the gateway trusts through GW_TRUSTED_ROOTS). Other tokens hold a certificate for another
 * VKN and one from a root the gateway does not trust. Every refusal is checked to leave the services and the
 * contract as they were, and every failure before the upload to upload nothing (the gateway's request log shows
 * no SubmitActivationContract).
 *
 * The card pulled out: (1) in the real command, after the certificate was chosen and before the PIN is given — the
 * test waits for the PIN prompt, moves the token's directory away, then types the PIN; (2) truly between the
 * login and the signature, which a separate process gives no handle on: the tool's own function runs in this
 * process with the real PKCS#11 signer wrapped so that the card is pulled the moment `sign` is called, before the
 * real C_Sign runs. Nothing else is replaced: SoftHSM itself then fails the signature.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type * as soap from 'soap';
import { signContract } from '../../src/activation/contract';
import { contractById, openContract } from '../../src/db/tenant-services';
import { isGatewayError } from '../../src/faults';
import { certInfo } from '../../src/signing/cert';
import { createRootCa, issueSealCertificate } from '../../src/signing/dev-seal';
import { createSigner, type Pkcs11SignerConfig, type Signer } from '../../src/signing/signer';
import { chooseCertificate, ContractToolError, GatewayFault, PIN_PROMPT, signActivationContract, type TokenCertificate } from '../../src/uploader/contract-signing-tool';
import { orderedServices, serviceRows } from '../helpers/activation';
import { TEST_DB_KIND, tempDir } from '../helpers/db';
import { expectFault, OTHER_VKN, soapClient, startTestGateway, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { REPO_DIR } from '../helpers/paths';
import { createSoftHsmToken, reinsertToken, removeToken, sharedSoftHsmDir, SOFTHSM_MODULE, type SoftHsmToken } from '../helpers/softhsm';

const CLI = path.join(REPO_DIR, 'src', 'cli.ts');
const OWN_LABEL = 'FIRMA MUHURU';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe(`contract:sign: the customer signs the activation contract on its own token (SoftHSM2, ${TEST_DB_KIND})`, function () {
  this.timeout(60_000);
  const dir = tempDir('gw-contract-sign-');
  const hsm = sharedSoftHsmDir();
  let gw: TestGateway;
  let client: soap.Client;
  let own: SoftHsmToken;
  let otherVkn: SoftHsmToken;
  let untrusted: SoftHsmToken;
  let passwordFile: string;
  let contractId: string;
  const later = `${new Date().getUTCFullYear() + 1}-01-15T10:00`;

  const pinFile = (pin: string) => {
    const f = path.join(dir, `pin-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(f, `${pin}\n`, { mode: 0o600 });
    return f;
  };
  const args = (extra: string[], username = gw.username) => ['--url', gw.url, '--username', username, '--password-file', passwordFile, '--module', SOFTHSM_MODULE, ...extra];

  /**
   * The real command. `onStderr` sees standard error as it grows and may write to standard input (the PIN); without
   * it standard input is closed.
   */
  function cli(extra: string[], onStderr?: (text: string, stdin: NodeJS.WritableStream) => void, username = gw.username): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'contract:sign', ...args(extra, username)], {
        cwd: REPO_DIR,
        env: { ...process.env, SOFTHSM2_CONF: own.conf, GW_DATA_DIR: dir },
        stdio: [onStderr ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        onStderr?.(stderr, child.stdin!);
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  const submissions = (user?: string) => gw.logs.filter((l) => l.operation === 'SubmitActivationContract' && (user === undefined || l.user === user)).length;
  /** The services' states and versions and the contract's state: what a refusal must leave as it was. */
  const snapshot = async () => {
    const rows = await serviceRows(gw.gateway, gw.tenant.id);
    const contract = await contractById(gw.testDb.db, gw.tenant.id, contractId);
    return { services: Object.fromEntries(Object.values(rows).map((r) => [r.service, `${r.state}@${r.version}`])), contract: contract?.state };
  };
  async function unchanged(action: () => Promise<void>, opts: { submitted: number }): Promise<void> {
    await Promise.all(Object.values(early)); // the runs started in `before` are done with the gateway
    const before = await snapshot();
    const sent = submissions(gw.username);
    await action();
    expect(await snapshot()).to.deep.equal(before);
    expect(before.services.EFATURA).to.match(/^AWAITING_SIGNATURE@/);
    expect(before.contract).to.equal('ISSUED');
    expect(submissions(gw.username) - sent, 'SubmitActivationContract calls').to.equal(opts.submitted);
  }
  /**
   * The refusals that need no interaction run at once (started in `before`, each under its own user so that its
   * uploads can be told apart); each test awaits its own and checks it left everything as it was.
   */
  const early: Record<string, Promise<Run>> = {};
  let beforeEarly: Awaited<ReturnType<typeof snapshot>>;
  async function refused(name: string, uploads: number): Promise<Run> {
    const r = await early[name]!;
    expect(await snapshot()).to.deep.equal(beforeEarly);
    expect(beforeEarly.services.EFATURA).to.match(/^AWAITING_SIGNATURE@/);
    expect(beforeEarly.contract).to.equal('ISSUED');
    expect(submissions(`cli-${name}`), 'SubmitActivationContract calls').to.equal(uploads);
    return r;
  }
  const contractXml = async () => Buffer.from((await client.GetActivationContractAsync({}))[0].contract as string, 'base64');
  const signWith = async (token: SoftHsmToken, xml: Buffer) => {
    const signer = await createSigner({ type: 'pkcs11', module: token.module, tokenLabel: token.tokenLabel, keyId: token.keyId, pin: token.pin });
    try {
      return await signContract(xml, signer);
    } finally {
      await signer.close();
    }
  };

  before(async () => {
    const customerCa = createRootCa({ commonName: 'TEST MALI MUHUR SM - GERCEK DEGIL' });
    const caFile = path.join(dir, 'customer-ca.pem');
    fs.writeFileSync(caFile, customerCa.certPem);
    // One after another: the helper tells a new token by the directory it added.
    own = await createSoftHsmToken(hsm, { label: OWN_LABEL, vkn: TEST_VKN, title: 'TEST TICARET A.S.', pin: '482916', ca: customerCa });
    otherVkn = await createSoftHsmToken(hsm, { label: 'BASKA FIRMA', vkn: OTHER_VKN, title: 'BASKA FIRMA LTD. STI.', pin: '482916', ca: customerCa });
    untrusted = await createSoftHsmToken(hsm, { label: 'GUVENSIZ KOK', vkn: TEST_VKN, title: 'TEST TICARET A.S.', pin: '482916', ca: createRootCa({ commonName: 'BILINMEYEN SM' }) });
    gw = await startTestGateway({ env: { GW_TRUSTED_ROOTS: caFile } });
    passwordFile = path.join(dir, 'parola');
    fs.writeFileSync(passwordFile, gw.password);
    client = await soapClient(gw);
    await orderedServices(gw.gateway, gw.tenant.id, ['EFATURA', 'EARSIV', 'EIRSALIYE', 'EARSIV_SAKLAMA']);
    const [started] = await client.ActivateServiceAsync({ service: ['EFATURA', `EARSIV@${later}`] });
    contractId = started.contractId;

    beforeEarly = await snapshot();
    const runs: Record<string, string[]> = {
      all: [],
      list: ['--token-label', OWN_LABEL, '--list'],
      wrongpin: ['--token-label', OWN_LABEL, '--pin-file', pinFile('000000')],
      othervkn: ['--token-label', 'BASKA FIRMA'],
      untrusted: ['--token-label', 'GUVENSIZ KOK', '--pin-file', pinFile(untrusted.pin)],
    };
    for (const name of Object.keys(runs)) await gw.gateway.services.tenants.createUser(gw.tenant.id, `cli-${name}`, gw.password);
    for (const [name, extra] of Object.entries(runs)) {
      // SoftHSM rewrites a token's file on a refused login, and a process enumerating the tokens meanwhile may not
      // see that token (measured): the wrong PIN waits for the runs that list FIRMA MUHURU.
      const after = name === 'wrongpin' ? Promise.all([early.all, early.list]) : Promise.resolve();
      early[name] = after.then(() => cli(extra, undefined, `cli-${name}`));
    }
  });

  after(async () => {
    await gw?.close();
  });

  it('lists every token\'s certificates like the CryptoToken dialog; two carrying the company\'s VKN → asks for --cert, before any PIN', async () => {
    {
      const r = await refused('all', 0);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.contain('Firma Bilgileri\n  Ünvan: TEST TICARET A.S.\n  Vergi No: 1234567801\n');
      expect(r.stdout).to.contain(`Sözleşme No: ${contractId}\nBekleyen hizmetler\n  e-Fatura Hizmeti açma — Hesap Hemen Açılsın\n  e-Arşiv hizmeti açma — Hesap İleri Tarihte Açılsın: 15.01.${later.slice(0, 4)} 10:00\n`);
      expect(r.stdout).to.contain(`CryptoToken (PKCS#11) — Kart Kütüphanesi: ${SOFTHSM_MODULE}\n`);
      for (const [label, subject, issuer, vkn] of [
        [OWN_LABEL, 'TEST TICARET A.S.', 'TEST MALI MUHUR SM - GERCEK DEGIL', TEST_VKN],
        ['BASKA FIRMA', 'BASKA FIRMA LTD. STI.', 'TEST MALI MUHUR SM - GERCEK DEGIL', OTHER_VKN],
        ['GUVENSIZ KOK', 'TEST TICARET A.S.', 'BILINMEYEN SM', TEST_VKN],
      ]) {
        expect(r.stdout).to.match(new RegExp(`  Slot \\d+: ${label}\\n    \\d+\\. Subject: ${subject.replace(/\./g, '\\.')} \\| Issuer: ${issuer} \\| Valid from: \\d\\d\\.\\d\\d\\.\\d{4} \\| Valid to: \\d\\d\\.\\d\\d\\.\\d{4} \\| Algorithm: RSA \\(2048 bits\\) \\| VKN/TCKN: ${vkn}\\n`));
      }
      // At least this test's two; in the whole suite other tests' tokens for the same VKN share the token directory.
      const carrying = r.stdout.split('\n').filter((l) => l.endsWith(`| VKN/TCKN: ${TEST_VKN}`)).length;
      expect(carrying).to.be.at.least(2);
      expect(r.stderr).to.equal(`HATA: firmanın VKN/TCKN'sini (1234567801) taşıyan ${carrying} sertifika var: --cert ile seçin\n`);
      expect(r.stderr).to.not.contain(PIN_PROMPT);
    }
  });

  it('--list stops after the certificates: no PIN, nothing uploaded', async () => {
    const r = await refused('list', 0);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/\n  Slot \d+: FIRMA MUHURU\n    1\. Subject: TEST TICARET A\.S\. \| .* \| VKN\/TCKN: 1234567801\n$/);
    expect(r.stderr).to.equal('');
  });

  it('a wrong PIN → HATA 4403 (the card refuses it), nothing uploaded, states unchanged', async () => {
    const r = await refused('wrongpin', 0);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.contain('Seçilen sertifika: 1. TEST TICARET A.S. (karttaki tek sertifika)\n');
    expect(r.stderr).to.equal('HATA 4403: MALI MUHUR PIN HATALI\n');
    expect(r.stdout).to.not.contain('Sonuç');
  });

  it('a certificate for another VKN → HATA 4709 before the card is opened; and the gateway refuses such a signature itself (4709)', async () => {
    const r = await refused('othervkn', 0);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal("HATA 4709: SÖZLEŞME FİRMANIN KENDİ MALİ MÜHRÜ İLE İMZALANMALIDIR: sertifikadaki VKN/TCKN 9876543210, firmanınki 1234567801\n");
    expect(r.stderr).to.not.contain(PIN_PROMPT);
    // Signed on that card all the same (not with the tool), and sent over SOAP: the gateway's own check.
    await unchanged(async () => {
      const signed = await signWith(otherVkn, await contractXml());
      const f = await expectFault(client.SubmitActivationContractAsync({ contract: signed.toString('base64') }));
      expect(f.code).to.equal(4709);
      expect(f.message).to.contain(`${OTHER_VKN} != ${TEST_VKN}`);
    }, { submitted: 1 });
  });

  it('a certificate from a root the gateway does not trust → HATA 4708 from the gateway, states unchanged', async () => {
    const r = await refused('untrusted', 1);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^HATA 4708: SÖZLEŞME İMZASI DOĞRULANAMADI: .+\n$/);
    expect(r.stdout).to.not.contain('Sonuç');
  });

  it('a tampered contract, signed on the company\'s own card → 4707 (changed before signing) or 4708 (changed after), states unchanged', async () => {
    await unchanged(async () => {
      const xml = (await contractXml()).toString('utf8');
      // Before signing: another title for the company. The signature is sound; the content is not the one issued.
      const changed = await signWith(own, Buffer.from(xml.replace('<Unvan>TEST TICARET A.S.</Unvan>', '<Unvan>TEST TICARET A.S. VE ORTAKLARI</Unvan>')));
      expect((await expectFault(client.SubmitActivationContractAsync({ contract: changed.toString('base64') }))).code).to.equal(4707);
      // After signing: e-Arşiv's date moved in the signed document. The signature no longer holds.
      const signed = (await signWith(own, Buffer.from(xml))).toString('utf8');
      const moved = signed.replace(/(<AcilisTarihi>)(\d{4})/, (_m, tag: string, year: string) => `${tag}${Number(year) + 1}`);
      expect(moved).to.not.equal(signed);
      expect((await expectFault(client.SubmitActivationContractAsync({ contract: Buffer.from(moved).toString('base64') }))).code).to.equal(4708);
    }, { submitted: 2 });
  });

  it('the card pulled out after the certificate was chosen (before KARTI AÇ) → HATA 4402, nothing uploaded', async () => {
    await unchanged(async () => {
      let pulled = false;
      const r = await cli(['--token-label', OWN_LABEL], (text, stdin) => {
        if (pulled || !text.includes(PIN_PROMPT)) return;
        pulled = true;
        removeToken(own);
        stdin.end(`${own.pin}\n`);
      });
      reinsertToken(own);
      expect(pulled).to.equal(true);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(`${PIN_PROMPT}\nHATA 4402: MALI MUHUR KARTI TAKILI DEGIL\n`);
    }, { submitted: 0 });
  });

  it('the card pulled out between the login and the signature → 4402 (SoftHSM fails the real C_Sign), nothing uploaded', async () => {
    await unchanged(async () => {
      const lines: string[] = [];
      let pulled = false;
      const password = fs.readFileSync(passwordFile, 'utf8');
      const err = await signActivationContract({
        url: gw.url,
        username: gw.username,
        password,
        module: own.module,
        tokenLabel: OWN_LABEL,
        readPin: async () => own.pin,
        print: (l) => lines.push(l),
        openSigner: async (config: Pkcs11SignerConfig): Promise<Signer> => {
          const real = await createSigner(config); // logged in: the PIN was accepted
          return {
            kind: real.kind,
            describe: () => real.describe(),
            certificateChain: () => real.certificateChain(),
            sign: (data, mechanism) => {
              pulled = true;
              removeToken(own);
              return real.sign(data, mechanism);
            },
            close: () => real.close(),
          };
        },
      }).then(
        () => null,
        (e: unknown) => e,
      );
      reinsertToken(own);
      expect(pulled).to.equal(true);
      expect(isGatewayError(err) && err.fault, String(err)).to.equal('SIGNER_TOKEN_ABSENT');
      expect((err as { code: number }).code).to.equal(4402);
      expect(lines).to.not.include('İmzalama işlemi sonucu');
    }, { submitted: 0 });
  });

  it('signs with the company\'s card (PIN from a file) and uploads: exit 0, the result lines, services GİB\'e Gönderimi Bekliyor, the contract SIGNED — as the README shows', async () => {
    const r = await cli(['--token-label', OWN_LABEL, '--pin-file', pinFile(own.pin)]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).to.deep.equal([
      'Firma Bilgileri',
      '  Ünvan: TEST TICARET A.S.',
      `  Vergi No: ${TEST_VKN}`,
      `  Gönderici Birim Etiketi: urn:mail:defaultgb@${TEST_VKN}.gateway.local`,
      `  Posta Kutusu Birimi Etiketi: urn:mail:defaultpk@${TEST_VKN}.gateway.local`,
      `Sözleşme No: ${contractId}`,
      'Bekleyen hizmetler',
      '  e-Fatura Hizmeti açma — Hesap Hemen Açılsın',
      `  e-Arşiv hizmeti açma — Hesap İleri Tarihte Açılsın: 15.01.${later.slice(0, 4)} 10:00`,
      `CryptoToken (PKCS#11) — Kart Kütüphanesi: ${SOFTHSM_MODULE}`,
      lines[10],
      lines[11],
      'Seçilen sertifika: 1. TEST TICARET A.S. (karttaki tek sertifika)',
      'İmzalama işlemi sonucu',
      '  e-Fatura Hizmeti açma. Sonuç: Başarılı',
      '  e-Arşiv hizmeti açma. Sonuç: Başarılı',
    ]);
    expect(lines[10]).to.match(/^  Slot \d+: FIRMA MUHURU$/);
    expect(lines[11]).to.match(/^    1\. Subject: TEST TICARET A\.S\. \| Issuer: TEST MALI MUHUR SM - GERCEK DEGIL \| Valid from: \d\d\.\d\d\.\d{4} \| Valid to: \d\d\.\d\d\.\d{4} \| Algorithm: RSA \(2048 bits\) \| VKN\/TCKN: 1234567801$/);

    const rows = await serviceRows(gw.gateway, gw.tenant.id);
    expect(rows.EFATURA!.state).to.equal('AWAITING_SEND');
    expect(rows.EARSIV!.state).to.equal('AWAITING_SEND');
    expect(rows.EIRSALIYE!.state).to.equal('AWAITING_ACTIVATION');
    const contract = (await contractById(gw.testDb.db, gw.tenant.id, contractId))!;
    expect(contract.state).to.equal('SIGNED');
    expect(contract.signer).to.match(new RegExp(`^${TEST_VKN} [0-9a-f]{16}$`));
    // The PIN went to the card only.
    for (const text of [r.stdout, r.stderr, JSON.stringify(gw.logs)]) expect(text).to.not.contain(own.pin);

    // The README's example is this run's output (what varies from run to run — the contract number, the slot, the
    // dates — aside).
    const readme = fs.readFileSync(path.join(REPO_DIR, 'README.md'), 'utf8');
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = lines
      .map((l) =>
        escape(l)
          .replace(escape(contractId), '[0-9a-f-]{36}')
          .replace(/Slot \d+/, 'Slot \\d+')
          .replace(/\d\d\\\.\d\d\\\.\d{4}/g, '\\d\\d\\.\\d\\d\\.\\d{4}'),
      )
      .join('\\n');
    expect(readme).to.match(new RegExp(pattern));
  });

  it('the PIN from standard input (a script pipes it) and from a hidden prompt on a terminal (never echoed); with nothing left to sign → HATA 4706', async () => {
    // Piped: e-İrsaliye, now.
    await client.ActivateServiceAsync({ service: ['EIRSALIYE'] });
    const piped = await cli(['--token-label', OWN_LABEL], (text, stdin) => {
      if (text.includes(PIN_PROMPT)) stdin.end(`${own.pin}\n`);
    });
    expect(piped.code, piped.stderr).to.equal(0);
    expect(piped.stdout).to.match(/İmzalama işlemi sonucu\n  e-İrsaliye hizmeti açma\. Sonuç: Başarılı\n$/);
    expect(piped.stdout + piped.stderr).to.not.contain(own.pin);

    // A terminal (script(1) gives the command a pseudo-terminal): the PIN typed after the prompt is not shown.
    await client.ActivateServiceAsync({ service: ['EARSIV_SAKLAMA'] });
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, '--import', 'tsx', CLI, 'contract:sign', ...args(['--token-label', OWN_LABEL])].map(quote).join(' ');
    const tty = await new Promise<Run>((resolve, reject) => {
      const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: REPO_DIR, env: { ...process.env, SOFTHSM2_CONF: own.conf, GW_DATA_DIR: dir }, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let typed = false;
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (!typed && out.includes(PIN_PROMPT)) {
          typed = true;
          child.stdin.write(`${own.pin}\r`);
        }
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: out, stderr: '' }));
    });
    expect(tty.code, tty.stdout).to.equal(0);
    expect(tty.stdout).to.contain(PIN_PROMPT);
    expect(tty.stdout).to.contain('e-Arşiv Saklama hizmeti açma. Sonuç: Başarılı');
    expect(tty.stdout).to.not.contain(own.pin);
    expect((await serviceRows(gw.gateway, gw.tenant.id)).EARSIV_SAKLAMA!.state).to.equal('AWAITING_SEND');

    // Nothing waits for a signature now: the gateway's 4706, as the tool reports any fault.
    expect(await openContract(gw.testDb.db, gw.tenant.id)).to.equal(null);
    const none = await signActivationContract({ url: gw.url, username: gw.username, password: gw.password, module: own.module, readPin: async () => own.pin, print: () => undefined }).catch((e: unknown) => e);
    expect(none).to.be.instanceOf(GatewayFault);
    expect(none).to.include({ code: 4706, message: 'İMZALANACAK SÖZLEŞME BULUNAMADI' });
  });
});

describe('contract:sign: which certificate is used', () => {
  const ca = createRootCa({ commonName: 'TEST MALI MUHUR SM - GERCEK DEGIL' });
  const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const day = 86_400_000;
  const cert = (index: number, vkn: string, label: string, from = -day, to = 365 * day): TokenCertificate => {
    const now = Date.now();
    const der = new crypto.X509Certificate(issueSealCertificate({ publicKey: pem, vkn, title: `FIRMA ${vkn}`, ca, notBefore: new Date(now + from), notAfter: new Date(now + to) })).raw;
    return { index, slot: 1, tokenLabel: 'KART', label, id: `0${index}`, info: certInfo(der) };
  };
  const own = cert(1, TEST_VKN, 'imza');
  const other = cert(2, OTHER_VKN, 'imza');
  const expired = cert(3, TEST_VKN, 'eski', -400 * day, -30 * day);

  it('the only one; the one with the company\'s VKN/TCKN; of two such, the one valid today; else --cert by number or label', () => {
    expect(chooseCertificate([other], undefined, TEST_VKN)).to.deep.include({ cert: other, why: 'karttaki tek sertifika' });
    expect(chooseCertificate([other, own], undefined, TEST_VKN)).to.deep.include({ cert: own, why: "firmanın VKN/TCKN'si 1234567801 bu sertifikada" });
    expect(chooseCertificate([own, other, expired], undefined, TEST_VKN).cert).to.equal(own);
    expect(chooseCertificate([own, other, expired], '3', TEST_VKN)).to.deep.include({ cert: expired, why: '--cert ile seçildi' });
    expect(chooseCertificate([own, expired], 'eski', TEST_VKN).cert).to.equal(expired);
  });

  it('refuses to guess: none or two valid with the company\'s VKN/TCKN, an unknown or ambiguous --cert', () => {
    const twin = cert(4, TEST_VKN, 'imza');
    expect(() => chooseCertificate([other, cert(5, OTHER_VKN, 'x')], undefined, TEST_VKN)).to.throw(ContractToolError, "kartta 2 sertifika var, hiçbiri firmanın VKN/TCKN'sini (1234567801) taşımıyor: --cert ile seçin");
    expect(() => chooseCertificate([own, twin], undefined, TEST_VKN)).to.throw(ContractToolError, "taşıyan 2 sertifika var");
    expect(() => chooseCertificate([own, other], 'imza', TEST_VKN)).to.throw(ContractToolError, '"imza" etiketli 2 sertifika var');
    expect(() => chooseCertificate([own, other], '9', TEST_VKN)).to.throw(ContractToolError, 'kartta "9" diye bir sertifika yok');
  });
});

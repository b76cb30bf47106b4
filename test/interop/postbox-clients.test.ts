/**
 * e-Logo's PostBoxService (issue 15, item 3) from two SOAP stacks that are not JavaScript, as ERP connectors use it:
 * examples/elogo/postbox_round_trip.py (Python zeep) and examples/elogo/postbox_round_trip.php (PHP SoapClient), each
 * generated from the served `PostboxService.svc?singlewsdl`, run as child processes against a gateway and GİB's
 * simulator in this process (as test/elogo/postbox.test.ts starts them): login, an e-Fatura and an e-Arşiv invoice
 * zipped with their MD5 and followed to status 2, the e-Arşiv one cancelled, the buyer's inbox pulled with
 * GetDocument/GetDocumentDone until nothing waits, KABUL, both logged out — every line each client prints checked.
 * Then the same invoices through the database and the native API: the records SendDocument made are the ones
 * SendInvoice would have (refId is their id), the e-Fatura ACCEPTED at both ends after KABUL, the e-Arşiv one
 * cancelled. A wrong password: e-Logo's Login fault, exit 1, nothing stored.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { TEST_DB_KIND, tempDir } from '../helpers/db';
import { OTHER_VKN, soapClient, TEST_PASSWORD, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { startPostBoxWorld, type PostBoxWorld } from '../helpers/postbox-world';
import { makeInvoice } from '../helpers/invoices';
import { until } from '../helpers/ledger-world';

const REPO_DIR = path.resolve(__dirname, '..', '..');
const BUYER = 'alici';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a client to its end: its exit code and output, whether it succeeds or not. */
function runClient(program: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(program, args, { cwd: REPO_DIR, env: { ...process.env, ...env }, timeout: 90_000, maxBuffer: 1 << 22 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe(`e-Logo PostBoxService from Python (zeep) and PHP (SoapClient): examples/elogo/ against the gateway and the simulator (${TEST_DB_KIND})`, function () {
  this.timeout(120_000);
  let world: PostBoxWorld;
  let gw: TestGateway;
  let buyerTenantId: number;
  const base = () => gw.url.replace(/\/soap\/gateway$/, '');

  before(async () => {
    world = await startPostBoxWorld({ buyer: BUYER });
    gw = world.gw;
    buyerTenantId = world.buyerTenant.id;
  });

  after(async () => {
    await world?.close();
  });

  const clients: Array<[string, string, string]> = [
    // Debian's python3 has python3-zeep; a pyenv python on PATH may not.
    ['Python (zeep)', '/usr/bin/python3', 'examples/elogo/postbox_round_trip.py'],
    ['PHP (SoapClient)', 'php', 'examples/elogo/postbox_round_trip.php'],
  ];

  for (const [name, program, script] of clients) {
    it(`${name}: ${script} does the round trip, line by line; the records are the native API's; a wrong password exits 1`, async () => {
      // Fresh invoices (new ETTNs) for each client.
      const dir = tempDir('gw-postbox-clients-');
      const efatura = randomUUID();
      const earsiv = randomUUID();
      const efaturaFile = path.join(dir, 'efatura.xml');
      const earsivFile = path.join(dir, 'earsiv.xml');
      fs.writeFileSync(efaturaFile, makeInvoice({ profile: 'TICARIFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, ettn: efatura.toUpperCase() }));
      fs.writeFileSync(earsivFile, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, customerVkn: '11111111111', ettn: earsiv.toUpperCase() }));
      const env = { GW_URL: base(), GW_SELLER: gw.username, GW_BUYER: BUYER, GW_PASSWORD: TEST_PASSWORD, GW_POLL_SECONDS: '0.1', GW_TIMEOUT_SECONDS: '45' };

      const run = await runClient(program, [script, efaturaFile, earsivFile], env);
      const shown = `exit ${run.code}\n--- stdout ---\n${run.stdout}--- stderr ---\n${run.stderr}`;
      expect(run.code, shown).to.equal(0);

      // refId is the id of the record SendDocument made: the same row SendInvoice makes, with the same ETTN.
      const rows = await gw.gateway.db('invoices').whereIn('ettn', [efatura, earsiv]).select('id', 'ettn', 'tenant_id', 'kind');
      const row = (ettn: string) => rows.find((r) => r.ettn === ettn)!;
      expect(rows.map((r) => [r.ettn, r.tenant_id, r.kind]).sort(), shown).to.deep.equal([[efatura, gw.tenant.id, 'EFATURA'], [earsiv, gw.tenant.id, 'EARSIV']].sort());
      expect(run.stdout.split('\n'), shown).to.deep.equal([
        `logged in ${gw.username}`,
        // As written in the document (the clients follow it by its own UUID).
        `sent EINVOICE ${efatura.toUpperCase()} refId ${row(efatura).id}`,
        `sent EARCHIVE ${earsiv.toUpperCase()} refId ${row(earsiv).id}`,
        `status ${efatura.toUpperCase()} 2 1300 (GIB) BASARIYLA TAMAMLANDI`,
        `status ${earsiv.toUpperCase()} 2 1300 (GIB) BASARILI`,
        `cancelled ${earsiv.toUpperCase()}`,
        `logged in ${BUYER}`,
        `pulled ${efatura}`,
        `done ${efatura}`,
        'nothing waiting',
        `KABUL ${efatura.toUpperCase()}`,
        `logged out ${BUYER}`,
        `logged out ${gw.username}`,
        '',
      ]);
      expect(run.stderr, shown).to.equal('');

      // The native API sees the same invoices: the seller's e-Fatura ACCEPTED once KABUL has come back, the e-Arşiv one
      // cancelled; the buyer's incoming invoice ACCEPTED; the pull mark and no session left.
      const seller = await soapClient(gw);
      const accepted = await until('KABUL at the seller', async () => {
        const [s] = await seller.GetStatusAsync({ ettn: efatura });
        return s.invoice.state === 'ACCEPTED' ? s.invoice : undefined;
      });
      expect(accepted).to.include({ ettn: efatura, documentKind: 'EFATURA' });
      const [cancelled] = await seller.GetStatusAsync({ ettn: earsiv });
      expect(cancelled.invoice).to.include({ ettn: earsiv, documentKind: 'EARSIV', code: 1235 });
      expect(cancelled.invoice.state).to.be.oneOf(['CANCELLED', 'CANCEL_REPORTED']);
      const [incoming] = await (await soapClient(gw, BUYER, TEST_PASSWORD)).GetIncomingInvoiceAsync({ ettn: efatura });
      expect(incoming.invoice).to.include({ ettn: efatura, senderVknTckn: TEST_VKN, state: 'ACCEPTED' });
      expect(await gw.gateway.db('elogo_pulled').where({ tenant_id: buyerTenantId, kind: 'EINVOICE', uuid: efatura }).select('uuid')).to.deep.equal([{ uuid: efatura }]);
      expect(await gw.gateway.db('elogo_sessions').select('tenant_id'), 'both sessions logged out').to.deep.equal([]);

      // A wrong password: e-Logo's Login fault, printed; exit 1; nothing sent.
      const count = async () => Number((await gw.gateway.db('invoices').count({ n: '*' }).first())!.n);
      const before = await count();
      fs.writeFileSync(efaturaFile, makeInvoice({ profile: 'TICARIFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN }));
      fs.writeFileSync(earsivFile, makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, customerVkn: '11111111111' }));
      const refused = await runClient(program, [script, efaturaFile, earsivFile], { ...env, GW_PASSWORD: 'yanlis-sifre' });
      expect(refused.code, refused.stdout + refused.stderr).to.equal(1);
      expect(refused.stdout).to.equal('fault Login: Geçersiz kullanıcı adı/şifre\n');
      expect(await count()).to.equal(before);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }
});

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { ConfigError, loadConfig } from './config';
import { createDb, migrate } from './db/connect';
import { isGatewayError } from './faults';
import { createSecretBox, loadOrCreateKey } from './security/secret-box';
import { createTenantService } from './services/tenant.service';
import { verifyLedgerArchive } from './services/ledger-archive.service';
import { createArchiveStore } from './storage/archive-backend';
import { uploadLedgerFolder } from './uploader/ledger-uploader';
import { activeGibPackage, GibPackageError, installGibPackage, installedGibPackages, packageChecks } from './validation/gib-package';

const HELP = `usage: npm run cli -- <command> [options]
  migrate                                   run database migrations
  tenant:create --vkn V --title T [--gb ALIAS] [--pk ALIAS] [--efatura-series XXX] [--earsiv-series XXX]
                [--arithmetic warn|refuse]
  tenant:arithmetic --vkn V --policy warn|refuse
                                            what the gateway's own amount checks do with an inconsistent invoice:
                                            accept it with warnings (warn, the default) or refuse it
  tenant:list
  user:create --vkn V --username U (--password-file F | --generate)
                                            a generated password is printed once and never stored in plain text
  user:unlock --username U
  tenant:signer --vkn V --file signer.json  the tenant's own signer (JSON like GW_SIGNER's settings, see README);
                                            a PKCS#11 PIN is given as "pinFile", never inline
  demo:init                                 first start only: a demo tenant and user, credentials in <data>/demo-credentials.txt
  gib:package [FOLDER-OR-ZIP]               installs GİB's e-Fatura package (XSDs, schematron, code lists) into the data
                                            directory and makes it the active one; a running gateway switches to it
                                            within seconds. Without an argument: the installed versions and the active one.
                                            An installed version is made active again with gib:package <data>/gib-packages/<id>
  ledger:verify --vkn V                     proves the company's e-Defter archive: every stored file present and
                                            unchanged, the hash chain unbroken; prints the first broken entry and
                                            exits 1 when not. Keep the printed head hash: a later check shows
                                            nothing was cut off the chain's end.
  ledger:upload FOLDER --url URL --username U --password-file F [--chunk-mb N]
                                            the e-Defter program's uploader: sends the months under FOLDER
                                            (edefter/xml/VKN/…/MM/*.zip) the gateway does not have yet, resuming
                                            an upload where it stopped, and asks the status of each month
Configuration comes from the same GW_* variables as the server (see README).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      vkn: { type: 'string' },
      title: { type: 'string' },
      gb: { type: 'string' },
      pk: { type: 'string' },
      'efatura-series': { type: 'string' },
      'earsiv-series': { type: 'string' },
      username: { type: 'string' },
      'password-file': { type: 'string' },
      generate: { type: 'boolean' },
      file: { type: 'string' },
      arithmetic: { type: 'string' },
      policy: { type: 'string' },
      url: { type: 'string' },
      'chunk-mb': { type: 'string' },
    },
  });
  if (!command || command === 'help' || command === '--help') {
    console.log(HELP);
    return command ? 0 : 2;
  }
  // A client of a gateway (perhaps on another machine): no configuration or database of its own.
  if (command === 'ledger:upload') return ledgerUpload(positionals[0], values);
  const config = loadConfig();
  const db = createDb({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile, poolMax: 2 });
  try {
    await migrate(db);
    const tenants = createTenantService({ db, secretBox: createSecretBox(loadOrCreateKey(config.auth.secretKeyFile)), clock: () => new Date() });
    switch (command) {
      case 'migrate':
        console.log('migrations are up to date');
        return 0;
      case 'tenant:create': {
        if (!values.vkn || !values.title) throw new Error('--vkn and --title are required');
        const t = await tenants.createTenant({
          vkn: values.vkn,
          title: values.title,
          gbAlias: values.gb,
          pkAlias: values.pk,
          efaturaSeries: values['efatura-series'],
          earsivSeries: values['earsiv-series'],
          arithmeticPolicy: values.arithmetic as 'warn' | 'refuse' | undefined,
        });
        console.log(JSON.stringify(t));
        return 0;
      }
      case 'tenant:arithmetic': {
        if (!values.vkn || !values.policy) throw new Error('--vkn and --policy are required');
        const updated = await tenants.setArithmeticPolicy(values.vkn, values.policy);
        console.log(updated ? `arithmetic policy ${values.policy}` : `no tenant with VKN ${values.vkn}`);
        return updated ? 0 : 1;
      }
      case 'tenant:list':
        for (const t of await tenants.listTenants()) console.log(JSON.stringify(t));
        return 0;
      case 'user:create': {
        if (!values.vkn || !values.username) throw new Error('--vkn and --username are required');
        const tenant = await tenants.findTenantByVkn(values.vkn);
        if (!tenant) throw new Error(`no tenant with VKN ${values.vkn}`);
        let password: string;
        if (values['password-file']) password = fs.readFileSync(values['password-file'], 'utf8').trim();
        else if (values.generate) password = randomBytes(18).toString('base64url');
        else throw new Error('give --password-file F or --generate');
        const user = await tenants.createUser(tenant.id, values.username, password);
        console.log(JSON.stringify({ ...user, tenant: tenant.vkn }));
        if (values.generate) console.log(`password (shown once): ${password}`);
        return 0;
      }
      case 'tenant:signer': {
        if (!values.vkn || !values.file) throw new Error('--vkn and --file are required');
        const setting = JSON.parse(fs.readFileSync(values.file, 'utf8'));
        if (!['dev', 'software', 'pkcs11'].includes(setting.type)) throw new Error('type must be dev, software or pkcs11');
        if ('pin' in setting) throw new Error('give the PIN as "pinFile" (a file readable by the gateway), never inline');
        if (setting.type === 'pkcs11' && (!setting.module || !setting.pinFile)) throw new Error('pkcs11 needs "module" and "pinFile"');
        const updated = await tenants.setSigner(values.vkn, setting);
        console.log(updated ? 'signer set (takes effect when the gateway next starts)' : `no tenant with VKN ${values.vkn}`);
        return updated ? 0 : 1;
      }
      case 'user:unlock':
        if (!values.username) throw new Error('--username is required');
        console.log((await tenants.unlockUser(values.username)) ? 'unlocked' : 'no such user');
        return 0;
      case 'demo:init': {
        if ((await tenants.listTenants()).length > 0) return 0;
        // Two companies, so an e-Fatura can go from one to the other through the built-in GİB simulator.
        const tenant = await tenants.createTenant({ vkn: '1234567801', title: 'DEMO TICARET A.S. (GELISTIRME)' });
        const buyer = await tenants.createTenant({ vkn: '9876543210', title: 'DEMO ALICI LTD. STI. (GELISTIRME)' });
        const password = randomBytes(18).toString('base64url');
        const buyerPassword = randomBytes(18).toString('base64url');
        await tenants.createUser(tenant.id, 'demo', password);
        await tenants.createUser(buyer.id, 'demo-alici', buyerPassword);
        const file = path.join(config.dataDir, 'demo-credentials.txt');
        fs.writeFileSync(
          file,
          `tenant VKN: ${tenant.vkn}\nusername: demo\npassword: ${password}\n\n` +
            `receiving tenant VKN: ${buyer.vkn}\nusername: demo-alici\npassword: ${buyerPassword}\n`,
          { mode: 0o600 },
        );
        console.log(`demo tenants ${tenant.vkn} (user "demo") and ${buyer.vkn} (user "demo-alici") created; credentials in ${file}`);
        return 0;
      }
      case 'ledger:verify': {
        if (!values.vkn) throw new Error('--vkn is required');
        const tenant = await tenants.findTenantByVkn(values.vkn);
        if (!tenant) throw new Error(`no tenant with VKN ${values.vkn}`);
        const v = await verifyLedgerArchive(db, createArchiveStore(config.ledger.archive), tenant.id);
        console.log(`${v.entries} zincir kaydı, ${v.filesChecked} dosya (${v.bytesChecked} bayt) okundu; zincirin başı ${v.headSeq}: ${v.headHash}`);
        for (const p of v.problems) console.log(`BOZUK ${p.seq ?? '-'} ${p.period} ${p.fileName} ${p.problem}: ${p.detail}`);
        console.log(v.ok ? 'arşiv sağlam' : `arşiv bozuk: ilk bozuk kayıt ${v.firstBroken!.seq ?? '-'} (${v.firstBroken!.fileName || v.firstBroken!.problem})`);
        return v.ok ? 0 : 1;
      }
      case 'gib:package': {
        const source = positionals[0];
        if (!source) {
          const active = activeGibPackage(config.dataDir);
          for (const id of installedGibPackages(config.dataDir)) console.log(`${id}${id === active?.id ? '  (active)' : ''}`);
          if (!active) console.log('no GİB package installed: XSD and schematron checks are off');
          return 0;
        }
        const info = await installGibPackage({
          source,
          dataDir: config.dataDir,
          now: new Date(),
          // Loaded as the gateway will load it: a package whose XSDs do not compile is not installed.
          check: (root) => void packageChecks(root, { maxUnzippedBytes: 1024 }),
        });
        console.log(`GİB package ${info.id} (${info.date}) ${info.alreadyInstalled ? 'was installed already' : 'installed'} and active: ${info.dir}`);
        return 0;
      }
      default:
        console.error(`unknown command ${command}\n${HELP}`);
        return 2;
    }
  } finally {
    await db.destroy();
  }
}

async function ledgerUpload(folder: string | undefined, values: { url?: string; username?: string; 'password-file'?: string; 'chunk-mb'?: string }): Promise<number> {
  if (!folder || !values.url || !values.username || !values['password-file']) throw new Error('ledger:upload FOLDER --url URL --username U --password-file F are required');
  const chunkMb = Number(values['chunk-mb'] ?? '4');
  if (!(chunkMb > 0 && chunkMb <= 8)) throw new Error('--chunk-mb must be more than 0 and at most 8');
  const bar = new cliProgress.SingleBar(
    { format: '{bar} {percentage}% | {done}/{all} MB | {filesDone}/{filesTotal} dosya | {current}', stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const mb = (n: number) => (n / 1048576).toFixed(1);
  const outcomes = await uploadLedgerFolder({
    folder,
    url: values.url,
    username: values.username,
    password: fs.readFileSync(values['password-file'], 'utf8').trim(),
    chunkBytes: Math.floor(chunkMb * 1024 * 1024),
    onProgress: (p) => {
      const payload = { done: mb(p.bytesDone), all: mb(p.bytesTotal), filesDone: p.filesDone, filesTotal: p.filesTotal, current: p.current };
      if (!started) bar.start(Math.max(1, p.bytesTotal), p.bytesDone, payload);
      else bar.update(p.bytesDone, payload);
      started = true;
    },
  }).finally(() => started && bar.stop());
  for (const o of outcomes) console.log(`${o.vkn} ${o.period} ${o.outcome} (${o.bytesSent} bayt gönderildi): ${o.message}`);
  if (outcomes.length === 0) console.log(`${folder} altında GİB adlandırmasına uyan defter dosyası yok`);
  return outcomes.some((o) => o.outcome === 'failed') ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError) console.error(`configuration error: ${err.message}`);
    else if (isGatewayError(err)) console.error(`${err.code}: ${err.message}`);
    else if (err instanceof GibPackageError) console.error(`GİB package refused: ${err.message}`);
    else console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { ConfigError, loadConfig } from './config';
import { composeCredits } from './composition';
import { createLogger } from './log';
import { createDb, migrate } from './db/connect';
import { createMachineStore } from './db/machine-store';
import { createWriteBatcher } from './db/write-batcher';
import { isGatewayError } from './faults';
import { createSecretBox, loadOrCreateKey } from './security/secret-box';
import { createTenantService } from './services/tenant.service';
import { verifyLedgerArchive } from './services/ledger-archive.service';
import { createArchiveStore } from './storage/archive-backend';
import { uploadLedgerFolder } from './uploader/ledger-uploader';
import { ContractToolError, GatewayFault, pinFromFile, pinFromStream, pinFromTerminal, signActivationContract } from './uploader/contract-signing-tool';
import { activeGibPackage, GibPackageError, installGibPackage, installedGibPackages, packageChecks } from './validation/gib-package';

const HELP = `usage: npm run cli -- <command> [options]
  migrate                                   run database migrations
  tenant:create --vkn V --title T [--gb ALIAS] [--pk ALIAS] [--efatura-series XXX] [--earsiv-series XXX]
                [--arithmetic warn|refuse] [--email ADDRESS]
  tenant:email --vkn V --email ADDRESS       where the company's notices go (service activation, payments)
  tenant:arithmetic --vkn V --policy warn|refuse
                                            what the gateway's own amount checks do with an inconsistent invoice:
                                            accept it with warnings (warn, the default) or refuse it
  tenant:list
  user:create --vkn V --username U (--password-file F | --generate)
                                            a generated password is printed once and never stored in plain text
  user:unlock --username U
  tenant:signer --vkn V --file signer.json  the tenant's own signer (JSON like GW_SIGNER's settings, see README);
                                            a PKCS#11 PIN is given as "pinFile", never inline
  order:confirm --order N                   the operator has seen order N's wire transfer (havale/EFT): the order is
                                            paid, its credits loaded, its services Aktivasyon Bekliyor, the company
                                            told by e-mail
  credits:show --vkn V [--movements N]      the company's kontör: "Kalan: … Ekst. Limit: …" and the last N movements
  credits:limit --vkn V --limit-kurus N     the company's overdraft (the balance may go down to -N kuruş); opens its
                                            kontör account if it had none (from then on its documents are charged)
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
  contract:sign --url URL --username U --password-file F --module PATH [--token-label L | --slot N]
                [--cert LABEL-OR-NUMBER] [--pin-file F] [--list]
                                            the customer's activation tool: downloads the electronic contract
                                            waiting for the company's signature, lists the certificates on its mali
                                            mühür (PKCS#11 module PATH), signs with the chosen one (the only one, or
                                            the one with the company's VKN/TCKN) after asking the PIN (--pin-file, a
                                            hidden prompt, or one line of stdin) and uploads it; --list stops after
                                            the certificates. Faults print as "HATA <code>: <message>", exit 1
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
      module: { type: 'string' },
      'token-label': { type: 'string' },
      slot: { type: 'string' },
      cert: { type: 'string' },
      'pin-file': { type: 'string' },
      list: { type: 'boolean' },
      order: { type: 'string' },
      'limit-kurus': { type: 'string' },
      movements: { type: 'string' },
      email: { type: 'string' },
    },
  });
  if (!command || command === 'help' || command === '--help') {
    console.log(HELP);
    return command ? 0 : 2;
  }
  // A client of a gateway (perhaps on another machine): no configuration or database of its own.
  if (command === 'ledger:upload') return ledgerUpload(positionals[0], values);
  if (command === 'contract:sign') return contractSign(values);
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
          email: values.email,
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
      case 'tenant:email': {
        if (!values.vkn || !values.email) throw new Error('--vkn and --email are required');
        if (!(await tenants.setEmail(values.vkn, values.email))) throw new Error(`no tenant with VKN ${values.vkn}`);
        console.log(`notices for ${values.vkn} go to ${values.email}`);
        return 0;
      }
      case 'order:confirm':
      case 'credits:show':
      case 'credits:limit':
        return await creditCommand(command, values, { config, db, tenants });
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

/** Kontör's operator commands (src/activation/credits.ts), with the credit service the gateway builds. */
async function creditCommand(
  command: 'order:confirm' | 'credits:show' | 'credits:limit',
  values: { vkn?: string; order?: string; 'limit-kurus'?: string; movements?: string },
  ctx: { config: ReturnType<typeof loadConfig>; db: ReturnType<typeof createDb>; tenants: ReturnType<typeof createTenantService> },
): Promise<number> {
  const clock = () => new Date();
  const writer = createWriteBatcher(ctx.db);
  const store = createMachineStore(ctx.db, { clock, maxAttempts: ctx.config.worker.maxAttempts, writer });
  const credits = composeCredits({ config: ctx.config, db: ctx.db, writer, store, clock, logger: createLogger(ctx.config.logLevel) });
  const whole = (value: string | undefined, option: string) => {
    if (!value || !/^[0-9]{1,15}$/.test(value)) throw new Error(`${option} must be a whole number`);
    return Number(value);
  };
  const tenantOf = async () => {
    if (!values.vkn) throw new Error('--vkn is required');
    const tenant = await ctx.tenants.findTenantByVkn(values.vkn);
    if (!tenant) throw new Error(`no tenant with VKN ${values.vkn}`);
    return tenant;
  };
  const show = (b: Awaited<ReturnType<typeof credits.balance>>) => {
    console.log(b.summary);
    for (const m of b.movements) console.log(`${m.at} ${m.kind} ${m.ref} ${m.amountKurus} → ${m.balanceAfterKurus} ${m.description}`);
  };
  if (command === 'order:confirm') {
    const order = await credits.confirmOrder(whole(values.order, '--order'), `operator:${process.env.USER || 'cli'}`);
    console.log(JSON.stringify(order));
    console.log(order.message);
    return 0;
  }
  const tenant = await tenantOf();
  if (command === 'credits:limit') show(await credits.setLimit(tenant.id, whole(values['limit-kurus'], '--limit-kurus')));
  else show(await credits.balance(tenant.id, values.movements === undefined ? 20 : whole(values.movements, '--movements')));
  return 0;
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

async function contractSign(values: { url?: string; username?: string; 'password-file'?: string; module?: string; 'token-label'?: string; slot?: string; cert?: string; 'pin-file'?: string; list?: boolean }): Promise<number> {
  if (!values.url || !values.username || !values['password-file'] || !values.module) {
    console.error('contract:sign --url URL --username U --password-file F --module PATH are required');
    return 2;
  }
  if (values.slot !== undefined && !/^\d+$/.test(values.slot)) {
    console.error('--slot takes a slot ID (a number)');
    return 2;
  }
  const pinFile = values['pin-file'];
  try {
    await signActivationContract({
      url: values.url,
      username: values.username,
      password: fs.readFileSync(values['password-file'], 'utf8').trim(),
      module: values.module,
      tokenLabel: values['token-label'],
      slot: values.slot === undefined ? undefined : Number(values.slot),
      cert: values.cert,
      listOnly: values.list === true,
      // The prompt goes to stderr: stdout holds what the tool reports.
      readPin: () => (pinFile ? pinFromFile(pinFile) : process.stdin.isTTY ? pinFromTerminal(process.stdin, process.stderr) : pinFromStream(process.stdin, process.stderr)),
      print: (line) => console.log(line),
    });
    return 0;
  } catch (err) {
    if (isGatewayError(err) || err instanceof GatewayFault) console.error(`HATA ${err.code}: ${err.message}`);
    else if (err instanceof ContractToolError) console.error(`HATA: ${err.message}`);
    else console.error(`HATA: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
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

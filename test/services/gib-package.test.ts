import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import pino from 'pino';
import yazl from 'yazl';
import { loadConfig } from '../../src/config';
import { isGatewayError } from '../../src/faults';
import { createGibPackageHolder } from '../../src/services/gib-package.service';
import { activeGibPackage, installGibPackage, installedGibPackages, packageChecks, packagesDir } from '../../src/validation/gib-package';
import { tempDir } from '../helpers/db';
import { makeInvoice } from '../helpers/invoices';
import { GIB_DIR } from '../helpers/paths';

const check = (root: string) => void packageChecks(root, { maxUnzippedBytes: 1024 });
const install = (source: string, dataDir: string) => installGibPackage({ source, dataDir, now: new Date(), check });

/** GİB's package with one more entry in its change log: another version, dated 2026-12-01. */
export function newerPackage(): string {
  const dir = path.join(tempDir('gib-pkg-'), 'gib');
  fs.cpSync(GIB_DIR, dir, { recursive: true });
  fs.appendFileSync(path.join(dir, 'e-fatura-paketi', 'schematron', 'History.txt'), '\r\n20261201\r\n--------\r\n1) Deneme.\r\n', 'latin1');
  return dir;
}

function zipOf(entries: Array<[string, Buffer | string]>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const [name, content] of entries) zip.addBuffer(Buffer.from(content), name);
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

const BOGUS = makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: '1234567801', number: 'PKG2026000000001' }).replace('<cbc:ProfileID>', '<cbc:Foo/><cbc:ProfileID>');

describe("GİB's package as a managed resource (gib:package, switched while running)", function () {
  this.timeout(60_000);

  it('installs from a folder, versioned by the change log\'s date and a digest; the same package twice is one version', async () => {
    const dataDir = tempDir();
    const first = await install(GIB_DIR, dataDir);
    expect(first.id).to.match(/^2026-03-12-[0-9a-f]{8}$/); // History.txt's last entry
    expect(first.alreadyInstalled).to.equal(false);
    expect(fs.existsSync(path.join(first.dir, 'ubl-tr-1.2.1', 'xsdrt', 'maindoc', 'UBL-Invoice-2.1.xsd'))).to.equal(true);
    const again = await install(GIB_DIR, dataDir);
    expect(again).to.include({ id: first.id, alreadyInstalled: true });
    const newer = await install(newerPackage(), dataDir);
    expect(newer.id).to.match(/^2026-12-01-[0-9a-f]{8}$/);
    expect(installedGibPackages(dataDir)).to.deep.equal([first.id, newer.id]);
    expect(activeGibPackage(dataDir)?.id).to.equal(newer.id);
    // An installed version is made active again from its own folder (a rollback).
    expect((await install(first.dir, dataDir)).id).to.equal(first.id);
    expect(activeGibPackage(dataDir)?.id).to.equal(first.id);
    // The gateway's configuration finds it in the data directory.
    expect(loadConfig({ GW_DATA_DIR: dataDir }).gibDir).to.equal(first.dir);
  });

  it('installs from a ZIP wrapping the package in a folder, as GİB publishes it', async () => {
    const dataDir = tempDir();
    const files: Array<[string, Buffer]> = [];
    const walk = (rel: string) => {
      for (const d of fs.readdirSync(path.join(GIB_DIR, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${d.name}` : d.name;
        if (d.isDirectory() && r !== 'docs') walk(r);
        else if (d.isFile()) files.push([`paket/${r}`, fs.readFileSync(path.join(GIB_DIR, r))]);
      }
    };
    walk('');
    const zipFile = path.join(tempDir(), 'paket.zip');
    fs.writeFileSync(zipFile, await zipOf(files));
    const info = await install(zipFile, dataDir);
    expect(info.date).to.equal('2026-03-12');
    expect(fs.existsSync(path.join(info.dir, 'e-fatura-paketi', 'schematron', 'UBL-TR_Codelist.xml'))).to.equal(true);
  });

  it('refuses what is not GİB\'s package, an archive that climbs out of its folder, a zip bomb and a package that does not load — installing nothing', async () => {
    const dataDir = tempDir();
    const refused = async (source: string, why: RegExp) => {
      let error: unknown = null;
      await install(source, dataDir).catch((e) => (error = e));
      expect(String(error), source).to.match(why);
      expect(installedGibPackages(dataDir), source).to.deep.equal([]);
      expect(activeGibPackage(dataDir)).to.equal(null);
      expect(fs.readdirSync(packagesDir(dataDir)).filter((f) => f.startsWith('.staging'))).to.deep.equal([]);
    };
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'merhaba');
    await refused(dir, /not GİB's e-Fatura package: ubl-tr-1\.2\.1\/xsdrt\/maindoc\/UBL-Invoice-2\.1\.xsd is missing/);

    // yazl will not write "../", so the name is changed in the archive's bytes (local header and central directory).
    const climbing = Buffer.from((await zipOf([['xx/evil.xml', '<x/>']])).toString('latin1').replaceAll('xx/evil.xml', '../evil.xml'), 'latin1');
    const climbingFile = path.join(tempDir(), 'climb.zip');
    fs.writeFileSync(climbingFile, climbing);
    await refused(climbingFile, /entry "\.\.\/evil\.xml": parent directory reference/);
    expect(fs.existsSync(path.join(dataDir, 'gib-packages', 'evil.xml'))).to.equal(false);

    const bombFile = path.join(tempDir(), 'bomb.zip');
    fs.writeFileSync(bombFile, await zipOf([['paket/sifir.xml', Buffer.alloc(20 * 1024 * 1024)]]));
    await refused(bombFile, /inflates at more than 200:1/);

    const broken = newerPackage();
    fs.writeFileSync(path.join(broken, 'ubl-tr-1.2.1', 'xsdrt', 'maindoc', 'UBL-Invoice-2.1.xsd'), '<xsd:schema');
    await refused(broken, /.+/);
  });

  it('the running checks switch to a newly installed package with no request failing, and name the package that checked', async () => {
    const dataDir = tempDir();
    const a = await install(GIB_DIR, dataDir);
    const logs: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => logs.push(JSON.parse(l)) });
    const config = loadConfig({ GW_DATA_DIR: dataDir, GW_GIB_PACKAGE_CHECK_MS: '3600000' }); // switched by hand below
    const holder = createGibPackageHolder({
      config,
      logger,
      build: (dir) => packageChecks(dir, { maxUnzippedBytes: 1 << 24 }),
    });
    try {
      expect(holder.current()).to.include({ id: a.id, origin: 'data' });
      const good = Buffer.from(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: '1234567801', number: 'PKG2026000000002' }));
      const opts = { container: 'xml' as const, numberWillBeAssigned: false, arithmetic: 'refuse' as const };
      expect((await holder.validator.validate(good, opts)).gibPackage).to.equal(a.id);
      // GİB's XSD is on: an element GİB does not know is refused (1150 family), as GİB would.
      const refusal = await holder.validator.validate(Buffer.from(BOGUS), opts).then(() => null, (e) => e);
      expect(isGatewayError(refusal) && refusal.code).to.be.within(1100, 1199);

      // Calls keep running while another version is installed and switched to: every one succeeds.
      const b = await install(newerPackage(), dataDir);
      let running = true;
      const seen: string[] = [];
      const load = (async () => {
        while (running) {
          seen.push((await holder.validator.validate(good, opts)).gibPackage!);
          await new Promise((r) => setImmediate(r)); // the checks never wait on I/O: let the timers run
        }
      })();
      await new Promise((r) => setTimeout(r, 50));
      holder.refresh();
      await new Promise((r) => setTimeout(r, 50));
      running = false;
      await load;
      expect(holder.current()?.id).to.equal(b.id);
      expect(seen[0]).to.equal(a.id);
      expect(seen.at(-1)).to.equal(b.id);
      expect(new Set(seen)).to.deep.equal(new Set([a.id, b.id]));
      expect(logs.some((l) => l.msg === 'GİB package switched: invoices are now checked with it' && l.gibPackage === b.id && l.from === a.id)).to.equal(true);

      // active.json pointing at a package that does not load (edited by hand): logged, and the current one stays.
      const activeJson = path.join(packagesDir(dataDir), 'active.json');
      const broken = JSON.parse(fs.readFileSync(activeJson, 'utf8'));
      fs.mkdirSync(path.join(packagesDir(dataDir), 'bozuk'));
      fs.writeFileSync(activeJson, JSON.stringify({ ...broken, id: 'bozuk' }));
      holder.refresh();
      expect(holder.current()?.id).to.equal(b.id);
      expect(logs.some((l) => l.msg === 'GİB package could not be loaded; the current one stays' && l.gibPackage === 'bozuk')).to.equal(true);
    } finally {
      holder.stop();
    }
  });

  it('GW_GIB_DIR names a package outside the data directory: used as it is, not switched', () => {
    const holder = createGibPackageHolder({
      config: loadConfig({ GW_DATA_DIR: tempDir(), GW_GIB_DIR: GIB_DIR }),
      logger: pino({ level: 'silent' }),
      build: () => ({ validate: () => Promise.reject(new Error('unused')) }),
    });
    expect(holder.current()).to.include({ origin: 'GW_GIB_DIR', dir: GIB_DIR, date: '2026-03-12' });
    holder.stop();
  });
});

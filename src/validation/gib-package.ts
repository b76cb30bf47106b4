/**
 * GİB's published e-Fatura package (UBL-TR XSDs, schematron, code lists, WSDLs) as a managed resource of the data
 * directory: `npm run cli -- gib:package <folder-or-zip>` installs a copy under <data>/gib-packages/<id>/ and makes it
 * the active one (active.json); the running gateway picks it up without a restart (src/services/gib-package.service.ts).
 * The id is the package's date and the first 8 hex digits of a SHA-256 over its files, so the same package installed
 * twice is one version, and every invoice records which version checked it. The date is the newest entry of GİB's
 * change log (e-fatura-paketi/schematron/History.txt, headings like 20260312), file times being whatever a copy or a
 * checkout made of them; without the log, the newest file's time.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type yauzl from 'yauzl';
import { entryData, entryName, inflateChunks, nextEntry, openZip, unsafeName } from '../zip/read';
import { createInvoiceValidator, type InvoiceValidator } from '.';

/** What the gateway and the simulator read from a package; an archive without them is not GİB's package. */
export const REQUIRED_FILES = [
  'ubl-tr-1.2.1/xsdrt/maindoc/UBL-Invoice-2.1.xsd',
  'e-fatura-paketi/schematron/UBL-TR_Codelist.xml',
  'e-fatura-paketi/schematron/UBL-TR_Main_Schematron.xml',
] as const;

export interface GibPackageInfo {
  /** e.g. 2024-11-27-3f9a0c1d. */
  id: string;
  /** YYYY-MM-DD: GİB's last change to the package (see the file comment). */
  date: string;
  sha256: string;
  /** Where it was installed from. */
  source: string;
  installedAt: string;
  /** The package's root directory (holds ubl-tr-1.2.1/ and e-fatura-paketi/). */
  dir: string;
}

/** Where each part lies inside a package's root. */
export const PACKAGE_PARTS = {
  ublXsd: 'ubl-tr-1.2.1/xsdrt',
  schematron: 'e-fatura-paketi/schematron',
  efaturaWsdl: 'e-fatura-paketi/wsdl/EFatura_Test.wsdl',
  earsivXsd: 'earsiv',
  earsivWsdl: 'earsiv/EArsivWs.wsdl',
  edefterXsd: 'edefter/xsd',
} as const;

/**
 * The invoice checks of a package (null: the gateway's own checks only, no XSD or schematron). The gateway's checks
 * and the simulator's (as GİB's) are built here alike, so both refuse the same invoices.
 */
export function packageChecks(root: string | null, o: { maxUnzippedBytes: number; now?: () => Date }): InvoiceValidator {
  return createInvoiceValidator({
    ...(root ? { xsdDir: path.join(root, PACKAGE_PARTS.ublXsd), schematronDir: path.join(root, PACKAGE_PARTS.schematron) } : {}),
    maxUnzippedBytes: o.maxUnzippedBytes,
    ...(o.now ? { now: o.now } : {}),
  });
}

/** Limits for an archive someone hands the CLI (GİB's package is ≈ 10 MB in ≈ 300 files). */
const ZIP_LIMITS = { maxEntries: 5000, maxTotalBytes: 500 * 1024 * 1024, maxRatio: 200, ratioGraceBytes: 1024 * 1024 };

export class GibPackageError extends Error {}

export function packagesDir(dataDir: string): string {
  return path.join(dataDir, 'gib-packages');
}

function activeFile(dataDir: string): string {
  return path.join(packagesDir(dataDir), 'active.json');
}

/** The active package of a data directory, or null when none was installed. */
export function activeGibPackage(dataDir: string): GibPackageInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(activeFile(dataDir), 'utf8')) as GibPackageInfo;
    return { ...info, dir: path.join(packagesDir(dataDir), info.id) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** When active.json last changed (0 when absent): cheap enough to ask every few seconds. */
export function activeChangedAt(dataDir: string): number {
  try {
    return fs.statSync(activeFile(dataDir)).mtimeMs;
  } catch {
    return 0;
  }
}

/** The installed versions, oldest first. */
export function installedGibPackages(dataDir: string): string[] {
  const dir = packagesDir(dataDir);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(r);
      else if (d.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** The folder holding the package: the given one, or its only subfolder (GİB's archives wrap one). */
export function packageRoot(dir: string): string {
  const has = (d: string) => REQUIRED_FILES.every((f) => fs.existsSync(path.join(d, f)));
  if (has(dir)) return dir;
  const subdirs = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory());
  if (subdirs.length === 1 && has(path.join(dir, subdirs[0]!.name))) return path.join(dir, subdirs[0]!.name);
  throw new GibPackageError(`not GİB's e-Fatura package: ${REQUIRED_FILES.find((f) => !fs.existsSync(path.join(dir, f)))} is missing`);
}

/** The newest dated heading of GİB's change log (latin1, CRLF), as YYYY-MM-DD. */
function changeLogDate(root: string): string | null {
  const file = path.join(root, 'e-fatura-paketi', 'schematron', 'History.txt');
  if (!fs.existsSync(file)) return null;
  const days = [...fs.readFileSync(file, 'latin1').matchAll(/^(20\d{2})(\d{2})(\d{2})\s*$/gm)].map((m) => `${m[1]}-${m[2]}-${m[3]}`);
  return days.length > 0 ? days.sort().at(-1)! : null;
}

/** Id, date and digest of a package directory. */
export function describeGibPackage(root: string): { id: string; date: string; sha256: string } {
  const hash = createHash('sha256');
  let newest = 0;
  for (const rel of listFiles(root)) {
    const file = path.join(root, rel);
    hash.update(`${rel}\0`).update(fs.readFileSync(file)).update('\0');
    newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  const sha256 = hash.digest('hex');
  const date = changeLogDate(root) ?? new Date(newest).toISOString().slice(0, 10);
  return { id: `${date}-${sha256.slice(0, 8)}`, date, sha256 };
}

/** Extracts a ZIP into `target`: every path segment a plain name, the inflated total and ratio bounded. */
async function extractZip(input: Buffer, target: string): Promise<void> {
  const archive: yauzl.ZipFile = await openZip(input).catch(() => {
    throw new GibPackageError('the archive is not a readable ZIP');
  });
  try {
    if (archive.entryCount > ZIP_LIMITS.maxEntries) throw new GibPackageError(`${archive.entryCount} entries (at most ${ZIP_LIMITS.maxEntries})`);
    let total = 0;
    for (let entry = await nextEntry(archive); entry; entry = await nextEntry(archive)) {
      const name = entryName(entry);
      const segments = name.replace(/\/$/, '').split('/');
      const bad = segments.map(unsafeName).find((why) => why !== null);
      if (bad) throw new GibPackageError(`entry ${JSON.stringify(name.slice(0, 100))}: ${bad}`);
      const dest = path.join(target, ...segments);
      if (name.endsWith('/')) {
        fs.mkdirSync(dest, { recursive: true });
        continue;
      }
      if (entry.isEncrypted() || (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)) throw new GibPackageError(`entry ${name}: unsupported`);
      const data = await entryData(archive, entry, input);
      if (!data) throw new GibPackageError(`entry ${name}: truncated`);
      const chunks: Buffer[] = [];
      if (entry.compressionMethod === 0) chunks.push(data);
      else {
        await inflateChunks(data, (chunk, out, consumed) => {
          chunks.push(chunk);
          if (total + out > ZIP_LIMITS.maxTotalBytes) return new GibPackageError(`more than ${ZIP_LIMITS.maxTotalBytes} bytes inflated`);
          if (out > ZIP_LIMITS.ratioGraceBytes && out > ZIP_LIMITS.maxRatio * consumed) return new GibPackageError(`entry ${name} inflates at more than ${ZIP_LIMITS.maxRatio}:1`);
          return null;
        });
      }
      const bytes = Buffer.concat(chunks);
      total += bytes.length;
      if (total > ZIP_LIMITS.maxTotalBytes) throw new GibPackageError(`more than ${ZIP_LIMITS.maxTotalBytes} bytes inflated`);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, bytes);
      const modified = entry.getLastModDate();
      fs.utimesSync(dest, modified, modified); // the date of a package without a change log
    }
  } finally {
    if (archive.isOpen) archive.close();
  }
}

/**
 * Installs a package from a folder or a ZIP and makes it the active one. `check` loads it as the gateway will
 * (XSDs compiled, code lists read) and throws for a broken one, which is then not installed. Writing active.json
 * (a rename, atomic) is the switch running gateways watch for.
 */
export async function installGibPackage(o: { source: string; dataDir: string; now: Date; check: (root: string) => void }): Promise<GibPackageInfo & { alreadyInstalled: boolean }> {
  const base = packagesDir(o.dataDir);
  fs.mkdirSync(base, { recursive: true });
  const staging = path.join(base, `.staging-${randomBytes(6).toString('hex')}`);
  try {
    const stat = fs.statSync(o.source);
    if (stat.isDirectory()) fs.cpSync(packageRoot(o.source), staging, { recursive: true, preserveTimestamps: true });
    else await extractZip(fs.readFileSync(o.source), staging);
    const root = packageRoot(staging);
    const described = describeGibPackage(root);
    o.check(root);
    const dir = path.join(base, described.id);
    const alreadyInstalled = fs.existsSync(dir);
    if (!alreadyInstalled) fs.renameSync(root, dir);
    const info: GibPackageInfo = { ...described, source: path.resolve(o.source), installedAt: o.now.toISOString(), dir };
    const tmp = `${activeFile(o.dataDir)}.${randomBytes(4).toString('hex')}`;
    const { dir: _dir, ...stored } = info;
    fs.writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`);
    fs.renameSync(tmp, activeFile(o.dataDir));
    return { ...info, alreadyInstalled };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

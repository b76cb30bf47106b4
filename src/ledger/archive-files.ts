/**
 * What the archive checks in a month's ZIPs before it stores them (issue 13): GİB's names, each ZIP sound and holding
 * its one XML file of the same name, and the links GİB itself checks between the files — a berat carries its book's
 * ds:SignatureValue (Id and value), and GİB's approved berat countersigns the berat's own SignatureValue with GİB's
 * seal. A book part may be 200 MB of XML: it is inflated as a stream and only scanned for its SignatureValue.
 */
import type { Readable } from 'node:stream';
import { GatewayError, isGatewayError } from '../faults';
import { NS } from '../xml/namespaces';
import { parseXml } from '../xml/parse';
import { attrValue, childrenNamed, firstChild, textContent } from '../xml/query';
import { openSingleEntry } from '../zip/file-entry';

/** A month's kinds of file in the archive: the books, their berats, GİB's approved berats, the Defter Raporu. */
export const ARCHIVE_KINDS = ['Y', 'K', 'YB', 'KB', 'GIB-YB', 'GIB-KB', 'DR'] as const;
export type ArchiveKind = (typeof ARCHIVE_KINDS)[number];

export interface ArchiveName {
  fileName: string;
  vkn: string;
  /** YYYY-MM */
  period: string;
  kind: ArchiveKind;
  part: number;
}

const NAME = /^(GIB-)?(\d{10,11})-(\d{4})(\d{2})-(Y|K|YB|KB|DR)-(\d{6})\.zip$/;

/** GİB's name of a month's file (`VKN-YYYYMM-Y-000000.zip`, `GIB-VKN-YYYYMM-YB-000001.zip`, …), or null. */
export function parseArchiveName(fileName: string): ArchiveName | null {
  const m = NAME.exec(fileName);
  if (!m) return null;
  const [, gib, vkn, year, month, kind, part] = m as unknown as [string, string | undefined, string, string, string, 'Y' | 'K' | 'YB' | 'KB' | 'DR', string];
  if (gib && kind !== 'YB' && kind !== 'KB') return null; // GİB approves berats only
  if (Number(month) < 1 || Number(month) > 12) return null;
  if (kind === 'DR' && Number(part) !== 0) return null; // one Defter Raporu per month
  return { fileName, vkn, period: `${year}-${month}`, kind: (gib ? `GIB-${kind}` : kind) as ArchiveKind, part: Number(part) };
}

export const archiveFileName = (vkn: string, period: string, kind: ArchiveKind, part: number) => {
  const gib = kind.startsWith('GIB-');
  return `${gib ? 'GIB-' : ''}${vkn}-${period.replace('-', '')}-${gib ? kind.slice(4) : kind}-${String(part).padStart(6, '0')}.zip`;
};

/**
 * The names a month must have, from the parts its names show: every part of the Yevmiye and of the Büyük Defter
 * with its berat and GİB's approved berat, and the month's Defter Raporu. Parts are 000000 alone or 000001… without a
 * gap (the last part cannot be told missing from the names: the berats' links check the rest). Returns the missing.
 */
export function missingNames(vkn: string, period: string, names: ArchiveName[]): string[] {
  const parts = new Set(names.filter((n) => n.kind !== 'DR').map((n) => n.part));
  const list = [...parts].sort((a, b) => a - b);
  const expectedParts = list.includes(0) && list.length === 1 ? [0] : Array.from({ length: Math.max(0, ...list) }, (_, i) => i + 1);
  if (list.includes(0) && list.length > 1) expectedParts.unshift(0); // 000000 beside split parts: reported below as extra
  const have = new Set(names.map((n) => n.fileName));
  const wanted = new Set<string>();
  for (const part of expectedParts.length ? expectedParts : [0]) {
    for (const kind of ARCHIVE_KINDS) if (kind !== 'DR') wanted.add(archiveFileName(vkn, period, kind, part));
  }
  wanted.add(archiveFileName(vkn, period, 'DR', 0));
  const missing = [...wanted].filter((n) => !have.has(n));
  if (list.includes(0) && list.length > 1) missing.push('(000000 bölünmüş bir ayın parçalarıyla birlikte olamaz)');
  return missing;
}

/** The one XML file of a month's ZIP, as a stream; its name must be the ZIP's with `.xml`. */
async function entryOf(zipPath: string, name: ArchiveName, maxUnzippedBytes: number): Promise<Readable> {
  let entry;
  try {
    entry = await openSingleEntry(zipPath, maxUnzippedBytes);
  } catch (err) {
    if (isGatewayError(err) && ['ZIP_BAD_ENTRY_NAME', 'ZIP_TOO_LARGE'].includes(err.fault)) throw err;
    throw new GatewayError('ARCHIVE_BAD_FILE', { detail: `${name.fileName}: ${isGatewayError(err) ? err.message : 'ZIP ACILAMADI'}` }, err);
  }
  const expected = name.fileName.replace(/\.zip$/, '.xml');
  if (entry.name !== expected) {
    entry.stream.destroy();
    throw new GatewayError('ARCHIVE_BAD_FILE', { detail: `${name.fileName}: içindeki dosya ${expected} olmalı (${entry.name.slice(0, 100)})` });
  }
  return entry.stream;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const OPEN = Buffer.from('SignatureValue');

/**
 * A book's ds:SignatureValue (its Id and base64 value), found by scanning the inflated bytes as they stream past;
 * a book carries exactly one signature. Also counts the XML's bytes.
 */
export async function scanBookSignature(stream: Readable): Promise<{ id: string | null; value: string; xmlBytes: number; count: number }> {
  let carry = Buffer.alloc(0);
  let collecting: { id: string | null; parts: string[]; length: number } | null = null;
  let found: { id: string | null; value: string } | null = null;
  let count = 0;
  let xmlBytes = 0;
  for await (const raw of stream) {
    const chunk = raw as Buffer;
    xmlBytes += chunk.length;
    let window = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let from = 0;
    for (;;) {
      if (collecting) {
        const end = window.indexOf(0x3c /* < */, from);
        const piece = window.subarray(from, end === -1 ? window.length : end).toString('latin1');
        collecting.parts.push(piece);
        collecting.length += piece.length;
        if (collecting.length > 64 * 1024) throw new GatewayError('ARCHIVE_BAD_FILE', { detail: 'ds:SignatureValue çok uzun' });
        if (end === -1) {
          from = window.length;
          break;
        }
        found = { id: collecting.id, value: collecting.parts.join('').replace(/\s+/g, '') };
        collecting = null;
        from = end;
        continue;
      }
      const at = window.indexOf(OPEN, from);
      if (at === -1) {
        from = Math.max(from, window.length - 600); // a start tag cut by the chunk's end is found in the next window
        break;
      }
      // The start tag around `at`: `<prefix:SignatureValue attrs>` (an end tag or text is skipped).
      const lt = window.lastIndexOf(0x3c, at);
      const gt = window.indexOf(0x3e /* > */, at);
      if (lt === -1 || at - lt > 80) {
        from = at + OPEN.length;
        continue;
      }
      if (gt === -1) {
        from = lt; // the tag goes on in the next chunk
        break;
      }
      const tag = window.subarray(lt, gt + 1).toString('latin1');
      const m = /^<(?:[A-Za-z_][\w.-]*:)?SignatureValue(\s[^>]*)?>$/.exec(tag);
      if (!m) {
        from = gt + 1;
        continue;
      }
      count++;
      const id = /\bId\s*=\s*"([^"]*)"/.exec(m[1] ?? '')?.[1] ?? /\bId\s*=\s*'([^']*)'/.exec(m[1] ?? '')?.[1] ?? null;
      collecting = { id, parts: [], length: 0 };
      from = gt + 1;
    }
    carry = Buffer.from(window.subarray(from));
    if (carry.length > 1024) carry = Buffer.from(carry.subarray(carry.length - 1024));
    window = Buffer.alloc(0);
  }
  if (count !== 1 || !found) throw new GatewayError('ARCHIVE_BAD_FILE', { detail: `defterde bir ds:SignatureValue olmalı, ${count} var` });
  return { ...found, xmlBytes, count };
}

export interface BookFacts {
  signatureValue: { id: string | null; value: string };
  xmlBytes: number;
}

/** A book part's ZIP (Y or K): sound, its one file named as the ZIP, and its signature's value. */
export async function inspectBook(zipPath: string, name: ArchiveName, maxUnzippedBytes: number): Promise<BookFacts> {
  const stream = await entryOf(zipPath, name, maxUnzippedBytes);
  try {
    const s = await scanBookSignature(stream);
    return { signatureValue: { id: s.id, value: s.value }, xmlBytes: s.xmlBytes };
  } catch (err) {
    stream.destroy();
    if (isGatewayError(err) && err.fault === 'ARCHIVE_BAD_FILE') throw new GatewayError('ARCHIVE_BAD_FILE', { detail: `${name.fileName}: ${err.params.detail}` });
    throw err;
  }
}

export interface BeratFacts {
  xml: Buffer;
  /** The book's SignatureValue the berat names (after xbrli:xbrl). */
  bookSignature: { id: string | null; value: string };
  /** The berat's own seal's SignatureValue (what GİB countersigns). */
  ownSignature: string;
}

/** A berat's ZIP (YB, KB, GIB-YB, GIB-KB; a berat is small and parsed whole, DR as well). */
export async function inspectBerat(zipPath: string, name: ArchiveName, maxBytes: number): Promise<BeratFacts> {
  const stream = await entryOf(zipPath, name, maxBytes);
  const xml = await readAll(stream);
  let doc;
  try {
    doc = parseXml(xml);
  } catch (err) {
    throw new GatewayError('ARCHIVE_BAD_FILE', { detail: `${name.fileName}: XML okunamadı (${err instanceof Error ? err.message.slice(0, 200) : ''})` });
  }
  const sv = childrenNamed(doc.root, NS.ds, 'SignatureValue');
  const sig = childrenNamed(doc.root, NS.ds, 'Signature');
  const own = sig.length === 1 ? firstChild(sig[0]!, NS.ds, 'SignatureValue') : undefined;
  if (!own) throw new GatewayError('ARCHIVE_BAD_FILE', { detail: `${name.fileName}: mühürlenmemiş (ds:Signature yok)` });
  const bookSignature = sv.length === 1 ? { id: attrValue(sv[0]!, 'Id') ?? null, value: textContent(doc, sv[0]!).replace(/\s+/g, '') } : { id: null, value: '' };
  if (name.kind !== 'DR' && !bookSignature.value) throw new GatewayError('ARCHIVE_BERAT_MISMATCH', { detail: `${name.fileName}: beratta defterin ds:SignatureValue öğesi yok` });
  return { xml, bookSignature, ownSignature: textContent(doc, own).replace(/\s+/g, '') };
}

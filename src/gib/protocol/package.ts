/**
 * How an envelope travels in sendDocument: ZIP-compressed, one XML file named `<envelope UUID>.xml` inside
 * `<envelope UUID>.zip`, with the MD5 of the ZIP as 32 hexadecimal characters (Ek-3 "Yazılım Standartları ve Nesne
 * Yapısı" §4 Sıkıştırma Standardı, §5 Mesaj Özeti Standardı, §7.7 DocumentType: "Zarf adının uzantısının zip
 * olması … Zarf adının ise … InstanceIdentifier değeri ile aynı olmalıdır").
 *
 * unpackEnvelope makes the receiving side's checks, in this order, each with GİB's code:
 *   2000 OZET DEGERLER ESIT DEGIL            the MD5 of the bytes received is not `hash` (Ek-3 §8)
 *   2006 GECERSIZ ZARF ADI                   the file name is not `<name>.zip`, or names a path (Ek-3 §8)
 *   1111 ZARF ID UZUNLUGU GECERSIZ           the name before `.zip` is not 36 characters long (a UUID's length)
 *   2006                                     … or is 36 characters but no UUID
 *   1110 ZIP DOSYASI DEGIL                   no ZIP signature
 *   1130 ZIP ACILAMADI                       the archive is damaged or encrypted
 *   1131 ZIP BIR DOSYA ICERMELI              not exactly one entry, or a directory
 *   1133 ZARF ID VE XML DOSYASININ ADI AYNI OLMALI   an entry name that is a path (`../x.xml`, `a/b.xml`): refused
 *                                            before anything is inflated, it can never be `<envelope ID>.xml`
 *   1132 XML DOSYASI DEGIL                   the entry is not `*.xml`
 *   1130                                     inflating fails or passes the limit (a zip bomb), CRC mismatch
 *   1133                                     the entry is not `<envelope ID>.xml`
 *   1132                                     its bytes are not XML
 * (Ek-2 §4). The 2xxx answer the SOAP call itself; the 11xx go back in a system response. Parsing the envelope
 * (1140, 1141, 1142 ZARF ID VE ZIP DOSYASI ADI AYNI OLMALI) follows in openEnvelope.
 *
 * The ZIP reading is src/zip/read.ts (yauzl, the entry inflated here under a hard byte limit that does not
 * trust the archive's own size fields, CRC checked, path-like names refused), whose gateway faults map onto GİB's
 * codes above.
 */
import crypto from 'node:crypto';
import { isGatewayError } from '../../faults';
import { unpackDocument } from '../../zip/read';
import { zipOne } from '../../zip/write';
import { parseEnvelope, type ParsedEnvelope } from './envelope';
import { GibProtocolError, invalidField } from './errors';
import { UUID_RE, requireUuid } from './markup';

export interface PackedEnvelope {
  /** `<envelope UUID>.zip` */
  fileName: string;
  /** A ZIP holding one entry, `<envelope UUID>.xml`. */
  zip: Buffer;
  /** MD5 of `zip`, 32 lowercase hexadecimal characters. */
  md5: string;
}

export function md5Hex(bytes: Buffer): string {
  return crypto.createHash('md5').update(bytes).digest('hex');
}

/**
 * ZIP an envelope for sendDocument. The envelope's own InstanceIdentifier must be `envelopeId` (else GİB answers
 * 1142); it is looked up in the header by a scan, not a second parse.
 */
export async function packEnvelope(envelopeXml: Buffer, envelopeId: string): Promise<PackedEnvelope> {
  requireUuid(envelopeId, 'envelopeId');
  const inHeader = headerInstanceIdentifier(envelopeXml);
  if (inHeader !== envelopeId) {
    throw invalidField('envelopeId', `zarfın InstanceIdentifier değeri ${inHeader ?? 'yok'}, ${envelopeId} değil`);
  }
  const zip = await zipOne(`${envelopeId}.xml`, envelopeXml);
  return { fileName: `${envelopeId}.zip`, zip, md5: md5Hex(zip) };
}

/** InstanceIdentifier as written in the envelope header (the header precedes the package, so the start suffices). */
function headerInstanceIdentifier(xml: Buffer): string | null {
  const head = xml.toString('latin1', 0, Math.min(xml.length, 64 * 1024));
  const m = /<(?:[A-Za-z_][\w.-]*:)?InstanceIdentifier\s*>\s*([^<]*?)\s*<\//.exec(head);
  return m ? m[1]! : null;
}

export interface UnpackOptions {
  /** Largest envelope accepted once unzipped (the inflation stops there). Default 100 MiB. */
  maxXmlBytes?: number;
}

const DEFAULT_MAX_XML_BYTES = 100 * 1024 * 1024;

/**
 * The envelope ID a sendDocument file name stands for, or GİB's 2006 / 1111 (see the order above). The name is
 * compared as written: GİB requires the same string in the file name, the entry name and InstanceIdentifier.
 */
export function envelopeIdFromFileName(fileName: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/^[^/\\:\x00-\x1f]+\.zip$/i.test(fileName) || fileName.includes('..')) {
    throw new GibProtocolError(2006, `dosya adı ${JSON.stringify(fileName.slice(0, 100))}: <zarf UUID>.zip olmalı`);
  }
  const id = fileName.slice(0, -4);
  if (id.length !== 36) throw new GibProtocolError(1111, `zarf ID ${id.length} karakter, 36 olmalı`);
  if (!UUID_RE.test(id)) throw new GibProtocolError(2006, `zarf ID UUID değil: ${id}`);
  return id;
}

/** The envelope XML inside a sendDocument ZIP, after GİB's transport and ZIP checks (see the file comment). */
export async function unpackEnvelope(fileName: string, zip: Buffer, hash: string, opts: UnpackOptions = {}): Promise<Buffer> {
  // Ek-3 §5: the MD5 "32 karakter uzunluğunda"; hexadecimal case carries no meaning.
  const actual = md5Hex(zip);
  if (hash.trim().toLowerCase() !== actual) throw new GibProtocolError(2000, `gelen özet ${hash.slice(0, 40)}, hesaplanan ${actual}`);
  const id = envelopeIdFromFileName(fileName);

  let entryName: string | null;
  let xml: Buffer;
  try {
    ({ fileName: entryName, xml } = await unpackDocument(zip, { container: 'zip', maxUnzippedBytes: opts.maxXmlBytes ?? DEFAULT_MAX_XML_BYTES }));
  } catch (err) {
    throw gibErrorFromArchive(err);
  }
  if (entryName !== `${id}.xml`) {
    throw new GibProtocolError(1133, `ZIP içindeki dosya ${JSON.stringify(String(entryName).slice(0, 100))}, ${id}.xml olmalı`);
  }
  if (!looksLikeXml(xml)) throw new GibProtocolError(1132, `${entryName} XML değil`);
  return xml;
}

/** unpackEnvelope, then parseEnvelope with the file name's ID expected in the header (1140, 1141, 1142). */
export async function openEnvelope(
  fileName: string,
  zip: Buffer,
  hash: string,
  opts: UnpackOptions = {},
): Promise<{ id: string; xml: Buffer; envelope: ParsedEnvelope }> {
  const xml = await unpackEnvelope(fileName, zip, hash, opts);
  const id = fileName.slice(0, -4);
  return { id, xml, envelope: parseEnvelope(xml, { expectedId: id }) };
}

/** archive.ts speaks gateway faults; the other side needs GİB's codes (Ek-2 §4). */
export function gibErrorFromArchive(err: unknown): unknown {
  if (!isGatewayError(err)) return err;
  const detail = typeof err.params.detail === 'string' ? err.params.detail : '';
  switch (err.fault) {
    case 'ZIP_NOT_ZIP':
      return new GibProtocolError(1110, '', err);
    case 'ZIP_UNREADABLE':
      return new GibProtocolError(1130, detail, err);
    case 'ZIP_TOO_LARGE':
      return new GibProtocolError(1130, `açıldığında ${String(err.params.limit)} bayt sınırını aşıyor`, err);
    case 'ZIP_ONE_FILE':
      return new GibProtocolError(1131, '', err);
    case 'XML_NOT_XML':
      return new GibProtocolError(1132, 'ZIP içindeki dosya .xml değil', err);
    case 'ZIP_BAD_ENTRY_NAME':
      // A path (`../x.xml`, `a/b.xml`) is never the `<envelope ID>.xml` GİB requires.
      return new GibProtocolError(1133, String(err.params.name ?? ''), err);
    default:
      return err;
  }
}

/** XML starts with '<' after an optional byte order mark and white space, and holds no NUL (a cheap first look). */
function looksLikeXml(b: Buffer): boolean {
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  return i < b.length && b[i] === 0x3c && b.subarray(0, 1024).indexOf(0) === -1;
}

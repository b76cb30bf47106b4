/**
 * Whether a ZIP someone pushed is too dangerous to keep (GİB's endpoint checks it before it stores anything): the
 * central directory's entry count and names, the sizes it declares, and — since headers can lie — the entries
 * themselves, inflated as a stream whose output is counted and dropped, stopped the moment it passes the total or
 * the compression ratio. So a bomb costs a few milliseconds and a few kilobytes of memory, never its inflated size.
 *
 * Not a hazard: an archive that is merely unreadable (not a ZIP, a bad CRC, an unknown compression method, a
 * truncated entry). That is GİB's 1110–1133, said to the sender in a system response by the envelope's job, which
 * needs the bytes stored.
 */
import type yauzl from 'yauzl';
import { entryData, entryName, entryNameHazard, inflateChunks, nextEntry, openZip } from './read';

export interface ZipHazardLimits {
  /** Entries in the archive (a GİB envelope holds one). */
  maxEntries: number;
  /** All entries together once inflated, declared or actual. */
  maxTotalBytes: number;
  /** Inflated bytes per compressed byte, checked once an entry's output passes ratioGraceBytes. */
  maxRatio: number;
  /** Output below which any ratio is allowed (a small document of repeated text compresses very well). */
  ratioGraceBytes: number;
}

/**
 * For what GİB pushes: one envelope XML, at most 100 MiB inflated (GİB's own limit on an envelope). UBL compresses
 * 10–30:1 (measured: a 15,000-line invoice 24:1), a zip bomb 1000:1 and more.
 */
export const PUSHED_ZIP_LIMITS: ZipHazardLimits = Object.freeze({
  maxEntries: 16,
  maxTotalBytes: 100 * 1024 * 1024,
  maxRatio: 200,
  ratioGraceBytes: 1024 * 1024,
});

/** Why the archive must not be kept, or null. */
export async function zipHazard(input: Buffer, limits: ZipHazardLimits): Promise<string | null> {
  let archive: yauzl.ZipFile;
  try {
    archive = await openZip(input);
  } catch {
    return null; // unreadable, not dangerous
  }
  try {
    if (archive.entryCount === 0) return null; // GİB's 1131, from the job
    if (archive.entryCount > limits.maxEntries) return `${archive.entryCount} entries (at most ${limits.maxEntries})`;
    const entries: yauzl.Entry[] = [];
    let declared = 0;
    for (let entry = await nextEntry(archive); entry; entry = await nextEntry(archive)) {
      const why = entryNameHazard(entry);
      if (why) return `entry name ${JSON.stringify(entryName(entry).slice(0, 100))}: ${why}`;
      declared += entry.uncompressedSize;
      if (declared > limits.maxTotalBytes) return `declares ${declared} bytes inflated (at most ${limits.maxTotalBytes})`;
      if (entry.uncompressedSize > limits.ratioGraceBytes && entry.uncompressedSize > limits.maxRatio * entry.compressedSize) {
        return `declares a ratio of ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}:1 (at most ${limits.maxRatio}:1)`;
      }
      entries.push(entry);
    }
    let total = 0;
    for (const entry of entries) {
      if (entry.compressionMethod !== 8 || entry.isEncrypted()) {
        total += entry.compressedSize; // stored (or unreadable): what is there is what it is
        continue;
      }
      const data = await entryData(archive, entry, input);
      if (!data) continue;
      const why = await inflatedHazard(data, total, limits);
      if (typeof why === 'string') return why;
      total += why;
    }
    return total > limits.maxTotalBytes ? `${total} bytes inflated (at most ${limits.maxTotalBytes})` : null;
  } catch {
    return null; // e.g. a local header that does not read: unreadable, the job says so
  } finally {
    if (archive.isOpen) archive.close();
  }
}

/** Inflates one deflated entry, its output counted and dropped: the reason it must stop, or its inflated size. */
async function inflatedHazard(data: Buffer, before: number, limits: ZipHazardLimits): Promise<string | number> {
  let seen = 0;
  try {
    return await inflateChunks(data, (_chunk, out, consumed) => {
      seen = out;
      if (before + out > limits.maxTotalBytes) return new Hazard(`more than ${limits.maxTotalBytes} bytes inflated`);
      if (out > limits.ratioGraceBytes && out > limits.maxRatio * consumed) return new Hazard(`inflates at more than ${limits.maxRatio}:1 (${out} bytes from ${consumed})`);
      return null;
    });
  } catch (err) {
    if (err instanceof Hazard) return err.message;
    return seen; // unreadable deflate data: the job says so (1130); what did inflate still counts
  }
}

class Hazard extends Error {}

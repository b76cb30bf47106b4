import yazl from 'yazl';

/**
 * Entry time written into the ZIPs we make. A fixed one makes zipping a pure function: the same file always gives
 * the same bytes and the same MD5, so a resent envelope or report is recognisably the same. (yazl writes the DOS
 * time from the Date's local fields; a Date built from local fields gives the same entry in every time zone.)
 */
const ENTRY_TIME = new Date(1980, 0, 1, 0, 0, 0);

/** A ZIP (deflated) holding one file: what GİB's services exchange (envelopes, reports, user lists). */
export async function zipOne(name: string, bytes: Buffer): Promise<Buffer> {
  return zipFiles([{ name, bytes }]);
}

/** A ZIP (deflated) of several files, in the order given; a file given by `path` is read as a stream. */
export async function zipFiles(files: Array<{ name: string } & ({ bytes: Buffer } | { path: string })>): Promise<Buffer> {
  const zipFile = new yazl.ZipFile();
  for (const f of files) {
    if ('bytes' in f) zipFile.addBuffer(f.bytes, f.name, { mtime: ENTRY_TIME, compress: true });
    else zipFile.addFile(f.path, f.name, { mtime: ENTRY_TIME, compress: true });
  }
  zipFile.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zipFile.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
